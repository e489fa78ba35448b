"""`hoviat sweep`: every app's sweeps (expire, remind, void, ...), in the card's-life order, then
the audit log's sequencer and checkpoint.

An app takes part by having a `sweeps.py` with `run() -> str` (a one-line summary). Each
sweep is set-based and safe to run twice at once; the huey schedules call the same services.
"""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.utils.module_loading import module_has_submodule

from hoviat.core.audit_tree import audit_checkpoint


class Command(BaseCommand):
    help = "Run every sweep once and print what each did."

    def handle(self, *args, **options):
        for config in apps.get_app_configs():
            if config.name.startswith("hoviat.") and module_has_submodule(config.module, "sweeps"):
                summary = import_module(f"{config.name}.sweeps").run()
                self.stdout.write(f"{config.label}: {summary}")
        # Last, so the rows the sweeps wrote are in the checkpoint.
        result = audit_checkpoint()
        self.stdout.write(
            f"audit: sequenced {result.sequenced} rows, tree of {result.size} leaves signed"
        )
