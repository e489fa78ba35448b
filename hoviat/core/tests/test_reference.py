"""The reference-data loaders stay connected to `migrate` for the life of the process."""

import gc

from django.apps import apps
from django.db.models.signals import post_migrate

from hoviat.core.reference import reference_data_on_migrate


def test_a_loader_connected_to_migrate_survives_a_garbage_collection():
    config = apps.get_app_config("core")
    loaded = []
    reference_data_on_migrate(config, model="User", load=loaded.append)
    try:
        gc.collect()
        live = post_migrate._live_receivers(config)
        live = live[0] if isinstance(live, tuple) else live  # (sync, async) since Django 5
        assert any(getattr(r, "__name__", "") == "after_migrate" for r in live)
    finally:
        post_migrate.disconnect(sender=config, dispatch_uid="core.reference")
