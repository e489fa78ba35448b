"""`hoviat demo`: demo data from every app that has a demo.py, in the card's-life order.

`hoviat demo province IR-06 --eligible N --requested N --issued N --uncollected N` builds a
province whose figures are those (hoviat/reports/demo_province.py).
"""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from hoviat.core.errors import DomainError


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
        province = sub.add_parser(
            "province",
            help="top a province up to given figures with synthetic people and lifecycle "
            "records (cards get generated serials but no PKI: no chip keys or certificates)",
        )
        province.add_argument("code", help="the province's ISO code, e.g. IR-06")
        for name in ("eligible", "requested", "issued", "uncollected"):
            province.add_argument(f"--{name}", type=int, required=True)
        province.add_argument(
            "--in-queue",
            dest="in_queue",
            type=int,
            help="enrolled, not yet at an office (default: 85%% of the rest of the pipeline)",
        )
        province.add_argument("--seed", dest="province_seed", type=int, default=1405)

    def handle(self, *args, citizens, seed, what=None, **options):
        if what == "province":
            return self._province(options)
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

    def _province(self, options) -> None:
        from hoviat.reports.demo_province import province_build

        try:
            result = province_build(
                province=options["code"],
                eligible=options["eligible"],
                requested=options["requested"],
                issued=options["issued"],
                uncollected=options["uncollected"],
                in_queue=options.get("in_queue"),
                seed=options["province_seed"],
                progress=lambda message: self.stdout.write(message),
            )
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.detail}") from None
        f = result.figures
        self.stdout.write(
            f"{result.province}: +{result.citizens_created:,} citizens, "
            f"+{result.applications_created:,} applications, +{result.cards_created:,} cards "
            f"in {result.seconds:.0f}s"
        )
        self.stdout.write(
            f"eligible {f.eligible:,} · requested {f.requested:,} · issued {f.issued:,} · "
            f"uncollected {f.uncollected:,} · in queue {f.in_queue:,}"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"coverage {f.coverage_pct}% · no action {f.no_action:,} · "
                f"in the pipeline {f.in_pipeline:,} · rank {f.rank}"
            )
        )
