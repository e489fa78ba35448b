"""`hoviat production run [--date]` and `hoviat production status`."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from hoviat.core.errors import DomainError
from hoviat.core.jalali import parse_date, today_local
from hoviat.production import selectors
from hoviat.production.services import production_run


class Command(BaseCommand):
    help = "Personalisation runs and the state of production."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Personalise the next cards, up to capacity and stock")
        run.add_argument("--date", help="production date, ISO or Jalali (default today)")
        sub.add_parser("status", help="stock, queue and the latest runs")

    def handle(self, *args, action: str, **options):
        if action == "run":
            return self._run(options.get("date"))
        return self._status()

    def _run(self, date_text: str | None) -> None:
        started = time.perf_counter()
        try:
            date = parse_date(date_text) if date_text else today_local()
            run = production_run(date=date, actor=None)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.detail}") from None
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"run {run.pk} {run.date}: {run.status}, {run.personalised} personalised, "
            f"{run.qc_failed} failed QC in {seconds:.1f}s {run.stop_reason}".rstrip()
        )

    def _status(self) -> None:
        summary = selectors.queue_summary()
        self.stdout.write(
            f"stock: {summary.stock} card bodies, days of cover: "
            f"{summary.days_of_cover if summary.days_of_cover is not None else '-'}"
        )
        self.stdout.write(
            f"queue: {summary.length}, oldest {summary.oldest_age_days} days, "
            f"capacity {summary.daily_capacity}/day {summary.stopped_reason}"
        )
        for run in selectors.runs_recent(limit=5):
            self.stdout.write(
                f"run {run.pk} {run.date} {run.status}: {run.personalised} ok, "
                f"{run.qc_failed} QC failed {run.stop_reason}".rstrip()
            )
