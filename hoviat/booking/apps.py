from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "hoviat.booking"
    label = "booking"
    verbose_name = "نوبت‌دهی"

    def ready(self) -> None:
        from hoviat.applications import hooks
        from hoviat.booking.services import booking_release_for_application

        # An application its owner cancels gives back its seat first (applications sits
        # above booking and cannot call it).
        hooks.application_closing.register(
            booking_release_for_application, key="booking.seat_give_back"
        )
