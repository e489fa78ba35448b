from django.apps import AppConfig


class ProductionConfig(AppConfig):
    name = "hoviat.production"
    label = "production"
    verbose_name = "تولید کارت"

    def ready(self) -> None:
        from hoviat.applications import hooks
        from hoviat.production.selectors import application_expected_ready

        # The queue knows better than the default lead time when a card will be ready.
        hooks.expected_ready.register(application_expected_ready, key="production.queue")
