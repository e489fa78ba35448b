from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "hoviat.core"
    label = "core"
    verbose_name = "هسته"

    def ready(self) -> None:
        # Registers the periodic jobs with huey. In ready(), not at the top: the jobs reach every
        # later app's services, and core loads first of all.
        import hoviat.schedules  # noqa: F401
