"""`hoviat planning simulate | plan | forecast | backtest | sweep`: the digital twin, the
capacity plan, the forecast; how far the card promises were off, and the nightly job now.

    hoviat planning simulate --months 24 --scale 0.001 --seed 1 [--scenario FILE]
        [--plan FILE] --format json
    hoviat planning plan --target-days 30 --quantile 0.95 --months 12 [--scale S] [--seed N]
        [--scenario FILE] --out plan.json
    hoviat planning forecast --months 24 --scale 0.001 --seed 1 [--scenario FILE] [--format json]
    hoviat planning backtest [--format json|table]
    hoviat planning sweep

Bad scenario or plan files, impossible scales and unreachable targets end with a clear message
and a non-zero exit code (2 for bad input, 3 for a target no plan within the bounds reaches),
never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hoviat.planning import selectors
from hoviat.planning.engine.scenario import ScenarioError, load_plan, load_scenario
from hoviat.planning.sweeps import run as planning_sweep


def _scale(value: str) -> float:
    return float(value)


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
    help = (
        "The digital twin of the card pipeline, the capacity plan and the demand forecast; "
        "how far the card promises were off (backtest)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        simulate = sub.add_parser("simulate", help="run the digital twin")
        simulate.add_argument("--months", type=int, default=24)
        simulate.add_argument("--scale", type=_scale, default=0.001)
        simulate.add_argument("--seed", type=int, default=1)
        simulate.add_argument("--scenario", default=None, help="scenario JSON file")
        simulate.add_argument("--plan", default=None, help="plan JSON file (from `plan --out`)")
        simulate.add_argument("--format", choices=("json", "text"), default="text")
        plan = sub.add_parser("plan", help="the least added capacity that keeps the target")
        plan.add_argument("--target-days", type=float, default=30.0)
        plan.add_argument("--quantile", type=float, default=0.95, choices=(0.5, 0.95))
        plan.add_argument("--months", type=int, default=12)
        plan.add_argument("--scale", type=_scale, default=0.001)
        plan.add_argument("--seed", type=int, default=1)
        plan.add_argument("--scenario", default=None)
        plan.add_argument("--out", required=True, help="where to write the plan JSON")
        forecast = sub.add_parser("forecast", help="weekly demand per province, backtested")
        forecast.add_argument("--months", type=int, default=24)
        forecast.add_argument("--scale", type=_scale, default=0.001)
        forecast.add_argument("--seed", type=int, default=1)
        forecast.add_argument("--scenario", default=None)
        forecast.add_argument("--holdout-weeks", type=int, default=12)
        forecast.add_argument("--format", choices=("json", "text"), default="text")
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
        try:
            if options["action"] == "simulate":
                self._simulate(options)
            elif options["action"] == "plan":
                self._plan(options)
            elif options["action"] == "forecast":
                self._forecast(options)
            elif options["action"] == "backtest":
                report = selectors.backtest_report()
                if options["format"] == "json":
                    self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
                else:
                    self.stdout.write(_table(report))
            else:
                self.stdout.write(planning_sweep())
        except ScenarioError as error:
            raise CommandError(str(error), returncode=2) from None

    def _simulate(self, options):
        from hoviat.planning.engine.twin import simulate

        scenario = load_scenario(options["scenario"])
        plan = load_plan(options["plan"])
        result = simulate(
            scenario, plan, months=options["months"], scale=options["scale"], seed=options["seed"]
        )
        if options["format"] == "json":
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        lead = result["lead_time_days"]
        self.stdout.write(
            f"{result['applications']} applications; request to card p50 {lead['p50']} d, "
            f"p95 {lead['p95']} d"
        )
        for point, figures in result["promise"].items():
            self.stdout.write(
                f"promise at {point}: {figures['share']:.1%} within ±{figures['within_days']} d, "
                f"MAE {figures['mae_days']} d, bias {figures['bias_days']} d"
            )
        for row in result["months"]:
            self.stdout.write(
                f"{row['month']}: {row['requests']} requests, {row['cards_ready']} ready, "
                f"p95 {row['lead_time_p95']} d, queue {row['queue_end']}, stock {row['stock_end']}"
            )

    def _plan(self, options):
        from hoviat.planning.engine.plan import find_plan

        if options["target_days"] <= 0:
            raise ScenarioError("--target-days must be above 0")
        scenario = load_scenario(options["scenario"])
        out = Path(options["out"])
        if not out.parent.exists():
            raise ScenarioError(f"--out {out}: the folder {out.parent} does not exist")
        result = find_plan(
            scenario,
            target_days=options["target_days"],
            quantile=options["quantile"],
            months=options["months"],
            scale=options["scale"],
            seed=options["seed"],
        )
        out.write_text(
            json.dumps(result.plan.to_json(), ensure_ascii=False, indent=1), encoding="utf-8"
        )
        meta = result.plan.meta
        peak = max(
            (sum(t.office_seats_per_week.values()) for t in result.plan.temporary_seats),
            default=0,
        )
        summary = (
            f"+{result.plan.production_shifts_per_week} shifts a week, "
            f"+{sum(result.plan.office_seats_per_week.values()):,} office seats a week all "
            f"year, +{peak:,} a week around the peaks ({len(result.plan.temporary_seats)} "
            "window(s)), "
            f"{len(result.plan.card_body_orders)} card-body order(s); worst monthly "
            f"p{round(options['quantile'] * 100)} {result.worst_p95} days "
            f"({meta['evaluations']} simulations); written to {out}"
        )
        if not result.feasible:
            raise CommandError(
                f"No plan within the bounds keeps p{round(options['quantile'] * 100)} within "
                f"{options['target_days']:g} days; the best plan found: {summary}",
                returncode=3,
            )
        self.stdout.write(f"Plan found: {summary}")

    def _forecast(self, options):
        from hoviat.planning.engine.forecast import forecast_from_twin

        scenario = load_scenario(options["scenario"])
        result = forecast_from_twin(
            scenario,
            months=options["months"],
            scale=options["scale"],
            seed=options["seed"],
            holdout_weeks=options["holdout_weeks"],
        )
        if options["format"] == "json":
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self.stdout.write(
            f"Weekly demand forecast, backtested on the last {options['holdout_weeks']} weeks: "
            f"national MAPE {result['backtest']['national_mape']}%, "
            f"median province MAPE {result['backtest']['median_province_mape']}%"
        )
