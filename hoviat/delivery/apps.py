from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "hoviat.delivery"
    label = "delivery"
    verbose_name = "تحویل کارت"

    def ready(self) -> None:
        from hoviat.applications import hooks
        from hoviat.delivery.selectors import tracking_card_waiting
        from hoviat.delivery.tasks import application_release_task

        # A paid replacement whose biometrics are reused goes to production at once (payments
        # is an earlier app and cannot call delivery); the minute schedule is the safety net.
        hooks.application_paid.register(
            lambda *, application_id: application_release_task(application_id),
            key="delivery.release_prepared",
        )
        hooks.tracking_extras.register(tracking_card_waiting, key="card_waiting")
