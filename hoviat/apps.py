from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project's own wiring, last in INSTALLED_APPS: it loads once every app is ready."""

    name = "hoviat"
    label = "hoviat_project"
    verbose_name = "هویت"

    def ready(self) -> None:
        # Registers the periodic jobs with huey; schedules.py imports every app's services.
        from huey.contrib.djhuey import HUEY

        import hoviat.schedules  # noqa: F401
        from hoviat.core.logs import jobs_observe

        # One log line per job, with the id of the request that enqueued it.
        jobs_observe(HUEY)
