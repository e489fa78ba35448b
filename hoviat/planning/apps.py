from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "hoviat.planning"
    label = "planning"
    verbose_name = "برنامه‌ریزی و وعدهٔ کارت"

    def ready(self) -> None:
        from hoviat.applications import hooks
        from hoviat.booking import hooks as booking_hooks
        from hoviat.planning.selectors import tracking_promise
        from hoviat.planning.services import (
            promise_on_appointment_moved,
            promises_on_status_change,
        )

        # Booking, enrolment and production start move the application: each is a
        # prediction point, promised after the move commits.
        hooks.application_status_changed.register(promises_on_status_change, key="planning.promise")
        hooks.tracking_extras.register(tracking_promise, key="promise")
        # A moved appointment is promised again at once, and not told as a slip.
        booking_hooks.appointment_moved.register(
            promise_on_appointment_moved, key="planning.promise_renew"
        )
