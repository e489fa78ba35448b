from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "hoviat.delivery"
    label = "delivery"
    verbose_name = "تحویل کارت"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from hoviat.applications.models import Application
        from hoviat.delivery import views  # noqa: F401  (registers the tracking page's card notice)
        from hoviat.delivery.services.lifecycle import application_paid_receiver

        # A paid replacement whose biometrics are reused goes to production at once (payments
        # is an earlier app and cannot call delivery); the minute schedule is the safety net.
        post_save.connect(
            application_paid_receiver, sender=Application, dispatch_uid="delivery.release_prepared"
        )
