import sys

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate


class OfficesConfig(AppConfig):
    name = "hoviat.offices"
    label = "offices"
    verbose_name = "دفاتر صدور"

    def ready(self) -> None:
        # Slots are never generated on an official holiday, so the calendar comes with migrate.
        post_migrate.connect(holidays_after_migrate, sender=self, dispatch_uid="offices.holidays")


def holidays_after_migrate(*, using, verbosity=1, apps=global_apps, stdout=None, **kwargs):
    """Load the shipped holidays after `migrate` (idempotent), unless LOAD_REFERENCE_DATA is off."""
    from django.conf import settings

    from hoviat.offices.services import holidays_load

    if not settings.LOAD_REFERENCE_DATA or using != DEFAULT_DB_ALIAS:
        return
    try:
        apps.get_model("offices", "Holiday")
    except LookupError:  # migrated only up to before offices, or back to zero
        return
    result = holidays_load()
    if verbosity >= 1:
        (stdout or sys.stdout).write(
            f"{result.total} holidays ({result.created} new, {result.updated} updated)\n"
        )
