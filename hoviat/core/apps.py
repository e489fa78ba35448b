from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "hoviat.core"
    label = "core"
    verbose_name = "هسته"

    def ready(self) -> None:
        # Registers the periodic jobs with huey (they import their services lazily).
        import hoviat.schedules  # noqa: F401
