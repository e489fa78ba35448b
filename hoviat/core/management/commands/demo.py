"""`hoviat demo`: demo data from every app that has a demo.py, in the card's-life order."""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import module_has_submodule


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

    def handle(self, *args, citizens, seed, **options):
        for config in apps.get_app_configs():
            if not config.name.startswith("hoviat.") or not module_has_submodule(
                config.module, "demo"
            ):
                continue
            module = import_module(f"{config.name}.demo")
            with transaction.atomic():
                summary = module.build(citizens=citizens, seed=seed)
            self.stdout.write(f"{config.label}: {summary}")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
