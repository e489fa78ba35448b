"""Capacity plans and what-ifs, run in the background on the digital twin (engine side).

`plan_run_start` records what the director asked and queues the job; `plan_run_execute` (the
huey task's body) runs the engine, moves the row's progress as it goes and keeps the figures
the plan page charts. The engine is pure Python (hoviat/planning/engine); only this module
touches the database for it.
"""

from __future__ import annotations

import math
import time
from typing import Any

from django.db import transaction
from django.utils import timezone

from hoviat.core.audit import audit_record
from hoviat.core.transitions import transition
from hoviat.planning.engine.plan import base_weekly_seats, find_plan, peak_windows
from hoviat.planning.engine.scenario import (
    CardBodyOrder,
    Plan,
    TemporarySeats,
    default_scenario,
)
from hoviat.planning.engine.twin import Twin
from hoviat.planning.models import PlanRun

# The page's runs are small and quick: 1:1000 of the country, one seed.
PAGE_SCALE = 0.001
PAGE_SEED = 1


def plan_run_start(*, actor: Any, kind: str, inputs: dict[str, Any]) -> PlanRun:
    """Record a plan search or a what-if and queue it for the worker."""
    from hoviat.planning.tasks import plan_run_task

    with transaction.atomic():
        run = PlanRun.objects.create(kind=kind, inputs=inputs, created_by=actor)
        audit_record(actor=actor, action="planning.plan_run_start", obj=run, data=inputs)
        transaction.on_commit(lambda: plan_run_task(run.pk))
    return run


def whatif_plan(inputs: dict[str, Any]) -> Plan:
    """The plan a what-if form describes: shifts, shares of seats added (all year and at the
    peaks), one card-body order."""
    scenario = default_scenario()
    share = inputs.get("seat_percent", 0) / 100
    orders = ()
    if inputs.get("order_count"):
        orders = (CardBodyOrder(order_day=inputs["order_day"], count=inputs["order_count"]),)
    base = base_weekly_seats(scenario)
    peak_share = inputs.get("peak_seat_percent", 0) / 100
    months = int(inputs.get("months", 12))
    return Plan(
        production_shifts_per_week=inputs.get("shifts", 0),
        office_seats_per_week={
            code: math.ceil(seats * share) for code, seats in base.items() if share > 0
        },
        temporary_seats=tuple(
            TemporarySeats(
                from_day=first,
                to_day=last,
                office_seats_per_week={
                    code: math.ceil(seats * peak_share) for code, seats in base.items()
                },
            )
            for first, last in peak_windows(scenario, months)
            if peak_share > 0
        ),
        card_body_orders=orders,
    )


def _summary(report: dict[str, Any], months: int) -> dict[str, Any]:
    """What the page charts of a twin run (the first `months` months and their weeks)."""
    month_rows = report["months"][:months]
    last = {row["month"] for row in month_rows}
    return {
        "lead_time_days": report["lead_time_days"],
        "months": month_rows,
        "weekly": [w for w in report["weekly"] if w["month"] in last],
        "applications": report["applications"],
    }


def plan_run_execute(*, run_id: int) -> PlanRun:
    """Run the job of one queued plan run (the worker calls it; a test may call it directly)."""
    run = transition(PlanRun, pk=run_id, to=PlanRun.Status.RUNNING, actor=None)
    last_write = [0.0]

    def progress(share: float) -> None:
        now = time.monotonic()
        if now - last_write[0] >= 1.0 or share >= 1.0:
            last_write[0] = now
            PlanRun.objects.filter(pk=run_id).update(progress=round(min(1.0, share), 3))

    inputs = run.inputs
    months = int(inputs.get("months", 12))
    try:
        scenario = default_scenario()
        if run.kind == PlanRun.Kind.PLAN:
            found = find_plan(
                scenario,
                target_days=float(inputs["target_days"]),
                quantile=0.95,
                months=months,
                scale=PAGE_SCALE,
                seed=PAGE_SEED,
                progress=progress,
            )
            result = {
                **_summary(found.report, months),
                "plan": found.plan.to_json(),
                "feasible": found.feasible,
                "worst_p95": found.worst_p95,
            }
        else:
            plan = whatif_plan(inputs)
            report = Twin(
                scenario,
                plan,
                months=months + 3,
                scale=PAGE_SCALE,
                seed=PAGE_SEED,
                with_promises=False,
                progress=progress,
            ).run()
            rows = [r["lead_time_p95"] for r in report["months"][:months] if r["lead_time_p95"]]
            result = {
                **_summary(report, months),
                "plan": plan.to_json(),
                "worst_p95": max(rows, default=None),
            }
    except Exception as error:
        return transition(
            PlanRun,
            pk=run_id,
            to=PlanRun.Status.FAILED,
            actor=None,
            reason=str(error)[:500],
            updates={"error": str(error)[:2000], "finished_at": timezone.now()},
        )
    return transition(
        PlanRun,
        pk=run_id,
        to=PlanRun.Status.DONE,
        actor=None,
        updates={"result": result, "progress": 1.0, "finished_at": timezone.now()},
    )
