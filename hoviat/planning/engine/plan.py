"""The capacity plan: the least added capacity that keeps request-to-card within a target.

The levers are those a director has: production shifts per week (the line runs 11 a week: two
a day, one on Thursdays; a shift makes half a full day's cards), office seats per province per
week, and card-body orders from a second supplier, which arrive after the scenario's lead time.

The search, on the twin with the plan applied (promises off, for speed; run three months past
the plan's months so that the requests of its last month are measured to the end):
1. card bodies: for every stock-out in the scenario, an order that arrives on its first day and
   covers its days of production (ordered `card_body_lead_days` before);
2. for each number of added shifts from 0 up, the least seat increase (the same share of each
   province's present seats, found by bisection on the share) that keeps the simulated p95
   request-to-card of every request month within the target;
3. of those, the plan of least added weekly capacity (cards a week from shifts plus seats).
If no plan within the bounds reaches the target, the best plan found is returned, marked
infeasible, for the command to report and exit non-zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from hoviat.planning.engine.scenario import (
    BASE_SHIFTS_PER_WEEK,
    ELIGIBLE_SHARE,
    CardBodyOrder,
    Plan,
    Scenario,
)
from hoviat.planning.engine.twin import Twin, check_memory

SHIFT_OPTIONS = (0, 1, 2, 4, 7, 10)  # added shifts per week tried
MAX_SEAT_SHARE = 3.0  # at most three times the present seats added
SEAT_STEPS = 5  # bisection steps on the seat share


@dataclass(frozen=True)
class PlanResult:
    plan: Plan
    feasible: bool
    worst_p95: float
    evaluations: int
    report: dict[str, Any]


def worst_p95(report: dict[str, Any], quantile: float, months: int) -> float:
    """The largest monthly lead-time quantile over the first `months` request months."""
    key = "lead_time_p95" if quantile == 0.95 else "lead_time_p50"
    values = [row[key] for row in report["months"][:months] if row[key] is not None]
    if quantile not in (0.5, 0.95):
        raise ValueError("quantile must be 0.5 or 0.95")
    return max(values, default=0.0)


def base_weekly_seats(scenario: Scenario) -> dict[str, float]:
    seats = {}
    for code, province in scenario.provinces.items():
        if province.seats_per_day is not None:
            seats[code] = province.seats_per_day * 5.5
        else:
            eligible = province.population * ELIGIBLE_SHARE * province.demand_factor
            seats[code] = eligible * scenario.requests_per_eligible_year / 365 * 7
            seats[code] *= scenario.seat_margin
    return seats


def _orders(scenario: Scenario, shifts: int, months: int) -> tuple[CardBodyOrder, ...]:
    per_day = scenario.production_per_day * (BASE_SHIFTS_PER_WEEK + shifts) / BASE_SHIFTS_PER_WEEK
    orders = []
    for stockout in scenario.stockouts:
        if stockout.start_day > months * 31:
            continue
        order_day = max(0, stockout.start_day - scenario.card_body_lead_days)
        orders.append(CardBodyOrder(order_day=order_day, count=math.ceil(per_day * stockout.days)))
    return tuple(orders)


def find_plan(
    scenario: Scenario,
    *,
    target_days: float,
    quantile: float,
    months: int,
    scale: float,
    seed: int,
    progress: Callable[[float], None] | None = None,
) -> PlanResult:
    if quantile not in (0.5, 0.95):
        raise ValueError("quantile must be 0.5 or 0.95")
    check_memory(scenario, months=months, scale=scale)
    base_seats = base_weekly_seats(scenario)
    shift_cards = scenario.production_per_day / 2  # a shift makes half a full day
    evaluations = 0
    total_steps = len(SHIFT_OPTIONS) * (SEAT_STEPS + 2)

    def run(shifts: int, share: float) -> tuple[Plan, float, dict[str, Any]]:
        nonlocal evaluations
        evaluations += 1
        if progress:
            progress(min(0.99, evaluations / total_steps))
        plan = Plan(
            production_shifts_per_week=shifts,
            office_seats_per_week={
                code: math.ceil(seats * share) for code, seats in base_seats.items() if share > 0
            },
            card_body_orders=_orders(scenario, shifts, months + 3),
        )
        # Three months more, so that the last month's requests are made and measured too.
        report = Twin(
            scenario, plan, months=months + 3, scale=scale, seed=seed, with_promises=False
        ).run()
        return plan, worst_p95(report, quantile, months), report

    def cost(plan: Plan) -> float:
        return plan.production_shifts_per_week * shift_cards + sum(
            plan.office_seats_per_week.values()
        )

    best: tuple[Plan, float, dict[str, Any]] | None = None  # least p95 seen (if none feasible)
    chosen: tuple[Plan, float, dict[str, Any]] | None = None  # cheapest feasible
    for shifts in SHIFT_OPTIONS:
        if chosen is not None and shifts * shift_cards >= cost(chosen[0]):
            break  # more shifts alone would already cost more than the plan in hand
        top = run(shifts, MAX_SEAT_SHARE)
        if best is None or top[1] < best[1]:
            best = top
        if top[1] > target_days:
            continue
        low, high, found = 0.0, MAX_SEAT_SHARE, top
        zero = run(shifts, 0.0)
        if zero[1] <= target_days:
            found = zero
        else:
            for _ in range(SEAT_STEPS):
                middle = (low + high) / 2
                attempt = run(shifts, middle)
                if attempt[1] <= target_days:
                    high, found = middle, attempt
                else:
                    low = middle
        if chosen is None or cost(found[0]) < cost(chosen[0]):
            chosen = found
    if progress:
        progress(1.0)
    feasible = chosen is not None
    plan, value, report = chosen if chosen is not None else best  # type: ignore[misc]
    meta = {
        "target_days": target_days,
        "quantile": quantile,
        "months": months,
        "scale": scale,
        "seed": seed,
        "feasible": feasible,
        "worst_monthly_lead_time": value,
        "card_body_lead_days": scenario.card_body_lead_days,
        "added_cards_per_week": round(cost(plan), 1),
        "evaluations": evaluations,
    }
    return PlanResult(
        plan=replace(plan, meta=meta),
        feasible=feasible,
        worst_p95=value,
        evaluations=evaluations,
        report=report,
    )
