from django.apps import AppConfig


class ProductionConfig(AppConfig):
    name = "hoviat.production"
    label = "production"
    verbose_name = "تولید کارت"

    def ready(self) -> None:
        from hoviat.applications.selectors import expected_ready_provider_register

        expected_ready_provider_register(_expected_ready)


def _expected_ready(application):
    """The queue's own estimate for applications in or before production."""
    from hoviat.applications.models import ApplicationStatus
    from hoviat.applications.selectors import ExpectedReady
    from hoviat.production.selectors import application_production_eta

    if application.status not in (
        ApplicationStatus.ENROLLED,
        ApplicationStatus.IN_PRODUCTION,
        ApplicationStatus.PRODUCED,
    ):
        return None
    eta = application_production_eta(application=application)
    return ExpectedReady(eta.date, eta.basis, eta.reason)
