"""Demo data for planning: nothing of its own in `hoviat demo`; it adds `hoviat demo nation`,
a simulated 24-month history of the whole country (hoviat/planning/nation.py)."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hoviat.core.errors import DomainError
from hoviat.planning.nation import nation_build


def build(*, citizens: int, seed: int) -> str:
    return "nothing to build here; `hoviat demo nation` fills a national history"


def subcommand_add(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    nation = sub.add_parser(
        "nation",
        help="a simulated 24-month history of all 31 provinces at a scale (default 1:1000) "
        "through the whole pipeline; refused if already loaded",
    )
    nation.add_argument(
        "--scale", type=float, default=0.001, help="share of Iran's people (default 0.001)"
    )
    nation.add_argument("--seed", dest="nation_seed", type=int, default=1405)
    nation.add_argument(
        "--sms",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write the cards' 'ready' SMS too (default: on PostgreSQL only; on SQLite the "
        "figures' refresh then takes many minutes at 1:1000)",
    )
    nation.set_defaults(demo_run=_nation)


def _nation(command: BaseCommand, options: dict[str, Any]) -> None:
    try:
        result = nation_build(
            scale=options["scale"],
            seed=options["nation_seed"],
            sms=options["sms"],
            progress=lambda message: command.stdout.write(message),
        )
    except DomainError as exc:
        raise CommandError(f"{exc.code}: {exc.detail}") from None
    command.stdout.write(
        f"{result.first_day} – {result.last_day}: +{result.citizens_created:,} citizens, "
        f"{result.applications:,} applications, {result.cards:,} cards "
        f"({result.qc_failed:,} failed QC), {result.handed_over:,} handed over, "
        f"{result.voided:,} voided uncollected, {result.lost:,} lost or stolen"
    )
    if result.stock_out:
        command.stdout.write(f"card-body stock-out: {result.stock_out[0]} – {result.stock_out[1]}")
    command.stdout.write(
        "requests by month: "
        + ", ".join(f"{y}-{m:02d}: {n:,}" for y, m, n in result.monthly_requests)
    )
    command.stdout.write(
        command.style.SUCCESS(f"National history ready in {result.seconds:.0f} s.")
    )
