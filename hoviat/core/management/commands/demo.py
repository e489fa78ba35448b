"""`hoviat demo`: demo data from every app that has a demo.py, in the card's-life order.

An app's demo.py has `build(*, citizens, seed) -> str` (a one-line summary), and may add its
own `hoviat demo <what>` with `subcommand_add(subparsers)`: reports adds
`hoviat demo province IR-06 --eligible N --requested N --issued N --uncollected N`, which
builds a province whose figures are those (hoviat/reports/demo_province.py). Core finds both
by name, so it imports no app that comes after it.
"""

from collections.abc import Iterator
from importlib import import_module
from types import ModuleType

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import module_has_submodule


def _demo_modules() -> Iterator[tuple[str, ModuleType]]:
    """Each hoviat app's demo module with the app's label, in INSTALLED_APPS order."""
    for config in apps.get_app_configs():
        if config.name.startswith("hoviat.") and module_has_submodule(config.module, "demo"):
            yield config.label, import_module(f"{config.name}.demo")


class Command(BaseCommand):
    help = "Load demo data (idempotent: running it again changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--citizens",
            type=int,
            default=3000,
            help="synthetic citizens per demo province run (default 3000)",
        )
        parser.add_argument("--seed", type=int, default=1405)
        sub = parser.add_subparsers(dest="what")
        for _label, module in _demo_modules():
            subcommand_add = getattr(module, "subcommand_add", None)
            if subcommand_add is not None:
                # The subcommand's parser names its runner: set_defaults(demo_run=...).
                subcommand_add(sub)

    def handle(self, *args, citizens, seed, what=None, **options):
        if what is not None:
            return options["demo_run"](self, options)
        for label, module in _demo_modules():
            with transaction.atomic():
                summary = module.build(citizens=citizens, seed=seed)
            self.stdout.write(f"{label}: {summary}")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
