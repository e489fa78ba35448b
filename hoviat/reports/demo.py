"""Demo data for reports: nothing of its own; the figures of the demo data are computed once
so the dashboard shows them at once (the worker then refreshes them every ten minutes).

It also adds `hoviat demo province` (hoviat/reports/demo_province.py)."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hoviat.core.errors import DomainError
from hoviat.reports.demo_province import province_build
from hoviat.reports.services import reports_refresh


def build(*, citizens: int, seed: int) -> str:
    result = reports_refresh(full=True)
    return f"figures computed ({result.rows} aggregate rows, {result.seconds:.1f} s)"


def subcommand_add(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    province.set_defaults(demo_run=_province)


def _province(command: BaseCommand, options: dict[str, Any]) -> None:
    # Imported here: the bulk builder is large and only this subcommand needs it.

    try:
        result = province_build(
            province=options["code"],
            eligible=options["eligible"],
            requested=options["requested"],
            issued=options["issued"],
            uncollected=options["uncollected"],
            in_queue=options.get("in_queue"),
            seed=options["province_seed"],
            progress=lambda message: command.stdout.write(message),
        )
    except DomainError as exc:
        raise CommandError(f"{exc.code}: {exc.detail}") from None
    f = result.figures
    command.stdout.write(
        f"{result.province}: +{result.citizens_created:,} citizens, "
        f"+{result.applications_created:,} applications, +{result.cards_created:,} cards "
        f"in {result.seconds:.0f}s"
    )
    command.stdout.write(
        f"eligible {f.eligible:,} · requested {f.requested:,} · issued {f.issued:,} · "
        f"uncollected {f.uncollected:,} · in queue {f.in_queue:,}"
    )
    command.stdout.write(
        command.style.SUCCESS(
            f"coverage {f.coverage_pct}% · no action {f.no_action:,} · "
            f"in the pipeline {f.in_pipeline:,} · rank {f.rank}"
        )
    )
