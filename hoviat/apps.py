from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project's own wiring, last in INSTALLED_APPS: it loads once every app is ready."""

    name = "hoviat"
    label = "hoviat_project"
    verbose_name = "هویت"

    def ready(self) -> None:
        # Registers the periodic jobs with huey; schedules.py imports every app's services.
        import hoviat.schedules  # noqa: F401
