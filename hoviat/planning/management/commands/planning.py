"""`hoviat planning backtest [--format json|table]`: how far the card promises were off;
`hoviat planning sweep`: the nightly job now (outcomes, then the re-forecast)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from hoviat.planning import selectors
from hoviat.planning.sweeps import run as planning_sweep


def _table(report: dict) -> str:
    within = next(iter(report["promise"].values()))["within_days"]
    head = f"{'point':<18}{'cards':>8}{f'within ±{within}d':>14}{'MAE (d)':>10}{'bias (d)':>10}"
    lines = [head, "-" * len(head)]
    for point, row in report["promise"].items():
        share = f"{row['share']:.1%}" if row["share"] is not None else "-"
        mae = f"{row['mae_days']:.2f}" if row["mae_days"] is not None else "-"
        bias = f"{row['bias_days']:+.2f}" if row["bias_days"] is not None else "-"
        lines.append(f"{point:<18}{row['count']:>8}{share:>14}{mae:>10}{bias:>10}")
    lines.append("bias: positive when cards were ready later than promised")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "The card promise: how far past promises were off (backtest)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        backtest = sub.add_parser(
            "backtest",
            help="per prediction point: share within ±2 days, mean absolute error, bias",
        )
        backtest.add_argument("--format", choices=["json", "table"], default="table")
        sub.add_parser(
            "sweep",
            help="record the outcomes of cards that became ready, then re-forecast every "
            "open promise (one SMS per slip); the nightly schedule runs the same",
        )

    def handle(self, *args, **options):
        if options["action"] == "backtest":
            report = selectors.backtest_report()
            if options["format"] == "json":
                self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            else:
                self.stdout.write(_table(report))
        elif options["action"] == "sweep":
            self.stdout.write(planning_sweep())
