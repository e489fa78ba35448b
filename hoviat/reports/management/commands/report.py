"""`hoviat report provinces [--as-of DATE] [--format table|csv|json]` prints every province's
figures (the same numbers as the pages); `hoviat report refresh [--full]` brings the
aggregates up to date; `hoviat report citizenship [--format table|csv|json]` prints the
citizenship cases' figures per county and province (the rows the refresh keeps, the same as
the directors' page)."""

from __future__ import annotations

import csv
import json

from django.core.management.base import BaseCommand, CommandError

from hoviat.core.errors import DomainError
from hoviat.core.jalali import format_jalali
from hoviat.reports import selectors
from hoviat.reports.services import reports_refresh

COLUMNS = (
    "rank",
    "code",
    "name",
    "eligible",
    "requested",
    "issued",
    "in_queue",
    "uncollected",
    "in_pipeline",
    "no_action",
    "coverage_pct",
    "issued_pct",
)

CITIZENSHIP_COLUMNS = (
    "level",
    "code",
    "open",
    "open_age_p50_days",
    "open_age_p90_days",
    "overdue_inquiries",
    "approved",
    "refused",
    "more_evidence",
    "people_documented",
    "decided_within_90_pct",
    "name",
)
CITIZENSHIP_HEADER = (
    "level", "code", "open", "p50", "p90", "overdue", "approved", "refused", "more_ev",
    "people", "≤90d%", "name",
)  # fmt: skip


class Command(BaseCommand):
    help = "Figures of the provinces, and the refresh of the aggregates they come from."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        provinces = sub.add_parser("provinces", help="every province's figures, ranked by coverage")
        provinces.add_argument(
            "--as-of", dest="as_of", help="ISO (2026-11-22) or Jalali (1405/09/01); default today"
        )
        provinces.add_argument("--format", choices=("table", "csv", "json"), default="table")
        citizenship = sub.add_parser(
            "citizenship", help="citizenship cases per county and province"
        )
        citizenship.add_argument("--format", choices=("table", "csv", "json"), default="table")
        refresh = sub.add_parser("refresh", help="bring the aggregates up to date")
        refresh.add_argument(
            "--full", action="store_true", help="rebuild everything, not only the recent days"
        )

    def handle(self, *args, action: str, **options):
        try:
            if action == "citizenship":
                return self._citizenship(options["format"])
            if action == "refresh":
                return self._refresh(full=options["full"], verbosity=options["verbosity"])
            return self._provinces(options.get("as_of"), options["format"])
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.detail}") from None

    def _citizenship(self, fmt: str) -> None:
        kept = selectors.citizenship_figures_all()
        figures = [{c: getattr(row, c) for c in CITIZENSHIP_COLUMNS} for row in kept]
        if fmt == "json":
            refreshed = selectors.refreshed_at()
            self.stdout.write(
                json.dumps(
                    {
                        "refreshed_at": refreshed.isoformat() if refreshed else None,
                        "counted_on": kept[0].on.isoformat() if kept else None,
                        "areas": figures,
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return
        if fmt == "csv":
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow(CITIZENSHIP_COLUMNS)
            writer.writerows([[f[c] for c in CITIZENSHIP_COLUMNS] for f in figures])
            return
        fresh = selectors.refreshed_at()
        on = kept[0].on if kept else None
        self.stdout.write(
            "Citizenship cases"
            + (f" counted on {on.isoformat()} ({format_jalali(on)})" if on else "")
            + f" (figures refreshed {fresh.isoformat(timespec='seconds') if fresh else 'never'})"
        )
        widths = (8, 28, 6, 5, 5, 8, 9, 8, 8, 8, 7, 0)
        self.stdout.write(
            " ".join(h.rjust(w) for h, w in zip(CITIZENSHIP_HEADER, widths, strict=True))
        )
        for f in figures:
            values = ["" if f[c] is None else f[c] for c in CITIZENSHIP_COLUMNS]
            self.stdout.write(
                " ".join(str(v).rjust(w) for v, w in zip(values, widths, strict=True))
            )

    def _refresh(self, *, full: bool, verbosity: int = 1) -> None:
        result = reports_refresh(full=full)
        scope = "full rebuild" if result.full else f"days since {result.since}"
        eligible = ", eligible recounted" if result.eligible_recounted else ""
        self.stdout.write(
            f"refreshed ({scope}{eligible}): {result.rows} rows in {result.seconds:.2f}s"
        )
        if verbosity >= 2:
            for step, rows, seconds in result.steps:
                self.stdout.write(f"  {step:<16} {rows:>12,} rows {seconds:>8.2f}s")

    def _provinces(self, as_of_text: str | None, fmt: str) -> None:
        as_of = selectors.parse_as_of(as_of_text)
        figures = selectors.provinces_figures(as_of=as_of)
        rows = [[getattr(f, column) for column in COLUMNS] for f in figures]
        if fmt == "json":
            self.stdout.write(
                json.dumps(
                    {
                        "as_of": as_of.isoformat(),
                        "refreshed_at": selectors.refreshed_at().isoformat()
                        if selectors.refreshed_at()
                        else None,
                        "provinces": [
                            {
                                c: (str(v) if c.endswith("_pct") else v)
                                for c, v in zip(COLUMNS, r, strict=True)
                            }
                            for r in rows
                        ],
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return
        if fmt == "csv":
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow(COLUMNS)
            writer.writerows(rows)
            return
        self._table(as_of, figures)

    def _table(self, as_of, figures) -> None:
        fresh = selectors.refreshed_at()
        self.stdout.write(
            f"Provinces as of {as_of.isoformat()} "
            f"(aggregates refreshed {fresh.isoformat(timespec='seconds') if fresh else 'never'})"
        )
        header = (
            "rank", "code", "eligible", "requested", "issued", "in_queue", "uncollected",
            "in_pipeline", "no_action", "coverage%", "issued%", "name",
        )  # fmt: skip
        widths = (4, 5, 11, 11, 11, 9, 11, 11, 10, 9, 8, 0)
        self.stdout.write(" ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
        nation = selectors.figures_for(level="nation", code="IR", as_of=as_of)
        for f in [*figures, nation]:
            values = (
                f.rank or "", f.code, f"{f.eligible:,}", f"{f.requested:,}", f"{f.issued:,}",
                f"{f.in_queue:,}", f"{f.uncollected:,}", f"{f.in_pipeline:,}",
                f"{f.no_action:,}", f.coverage_pct, f.issued_pct, f.name,
            )  # fmt: skip
            line = " ".join(str(v).rjust(w) for v, w in zip(values, widths, strict=True))
            self.stdout.write(line)
