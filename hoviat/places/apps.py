import sys

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate


class PlacesConfig(AppConfig):
    name = "hoviat.places"
    label = "places"
    verbose_name = "تقسیمات کشوری"

    def ready(self) -> None:
        # `hoviat migrate` alone leaves a usable database: the places every later step needs
        # (a province to generate people in, a city for an office) are loaded right after it.
        post_migrate.connect(places_after_migrate, sender=self, dispatch_uid="places.reference")


def places_after_migrate(*, using, verbosity=1, apps=global_apps, stdout=None, **kwargs):
    """Load the shipped places after `migrate` (idempotent), unless LOAD_REFERENCE_DATA is off."""
    from django.conf import settings

    from hoviat.places.services import places_load

    if not settings.LOAD_REFERENCE_DATA or using != DEFAULT_DB_ALIAS:
        return
    try:
        apps.get_model("places", "City")
    except LookupError:  # migrated only up to before places, or back to zero
        return
    places_load(stdout=(stdout or sys.stdout) if verbosity >= 1 else None)
