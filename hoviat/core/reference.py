"""Reference data (places, holidays) loaded by `hoviat migrate` itself, so a fresh database is
usable at once: `hoviat migrate && hoviat generate-population --province IR-06 --size 300`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TextIO

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate


def reference_data_on_migrate(
    config: AppConfig, *, model: str, load: Callable[[TextIO | None], None]
) -> None:
    """After every `migrate`, run `load` (idempotent) once `config`'s `model` table exists,
    unless LOAD_REFERENCE_DATA is off (the tests build their own places) or the database is
    not the default one. Called from the app's `ready()`."""

    def after_migrate(
        *, using: str, verbosity: int = 1, apps: Any = global_apps, stdout: Any = None, **_: Any
    ) -> None:
        if not settings.LOAD_REFERENCE_DATA or using != DEFAULT_DB_ALIAS:
            return
        try:
            apps.get_model(config.label, model)
        except LookupError:  # migrated only up to before this app, or back to zero
            return
        load((stdout or sys.stdout) if verbosity >= 1 else None)

    # weak=False: nothing else holds this closure, so a weak reference would let the garbage
    # collector drop it whenever a collection happens to run before `migrate`.
    post_migrate.connect(
        after_migrate, sender=config, dispatch_uid=f"{config.label}.reference", weak=False
    )
