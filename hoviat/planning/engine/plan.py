"""The capacity plan: the least added capacity that keeps request-to-card within a target.

The levers are those a director has: production shifts per week (the line runs 11 a week: two
a day, one on Thursdays; a shift makes half a full day's cards), office seats per province per
week, all year or only around the known peaks (each Farvardin after Nowruz and the scenario's
surge months), and card-body orders from a second supplier, which arrive after the scenario's
lead time.

The search, on the twin with the plan applied (promises off, for speed; run three months past
the plan's months so that the requests of its last month are measured to the end):
1. card bodies: for every stock-out in the scenario, an order that arrives on its first day and
   covers its days of production (ordered `card_body_lead_days` before);
2. for each number of added shifts tried, the least year-round seat increase (the same share of
   each province's present seats, by bisection) that keeps the simulated p95 request-to-card
   of every request month within the target with the most seats at the peaks, then the least
   peak seats with that year-round share;
3. of those, the plan of least added capacity over the period (shifts' cards a week and seats
   a week, times the weeks they are added for).
If no plan within the bounds reaches the target, the best plan found is returned, marked
infeasible, for the command to report and exit non-zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from hoviat.planning.engine.calendar import build_days, days_in_months, jalali_start
from hoviat.planning.engine.scenario import (
    BASE_SHIFTS_PER_WEEK,
    ELIGIBLE_SHARE,
    CardBodyOrder,
    Plan,
    Scenario,
    TemporarySeats,
)
from hoviat.planning.engine.twin import Twin, check_memory

SHIFT_OPTIONS = (0, 1, 2, 4, 7, 10)  # added shifts per week tried
MAX_SEAT_SHARE = 3.0  # at most three times the present seats added
SEAT_STEPS = 4  # bisection steps on a seat share


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


def peak_windows(scenario: Scenario, months: int) -> list[tuple[int, int]]:
    """Days of the known peaks: each surge month and each Farvardin (after Nowruz) in the
    period, from two weeks before the month to a month after it (the appointments booked in
    a peak are kept after it), overlapping windows merged."""
    start = jalali_start(scenario.start)
    days = build_days(start, days_in_months(start, months))
    surge_months = {surge.month for surge in scenario.surge if surge.month <= months}
    spans: dict[int, list[int]] = {}
    for day in days:
        if day.month_index in surge_months or day.jalali_month == 1:
            spans.setdefault(day.month_index, []).append(day.index)
    windows: list[tuple[int, int]] = []
    for indices in sorted(spans.values()):
        first, last = max(0, indices[0] - 14), indices[-1] + 31
        if windows and first <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], last))
        else:
            windows.append((first, last))
    return windows


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
    check_memory(scenario, months=months + 3, scale=scale)
    base_seats = base_weekly_seats(scenario)
    base_total = sum(base_seats.values())
    shift_cards = scenario.production_per_day / 2  # a shift makes half a full day
    windows = peak_windows(scenario, months)
    period_weeks = days_in_months(jalali_start(scenario.start), months) / 7
    evaluations = 0
    total_steps = len(SHIFT_OPTIONS) * (2 * SEAT_STEPS + 3)

    def make(shifts: int, share: float, peak_share: float) -> Plan:
        return Plan(
            production_shifts_per_week=shifts,
            office_seats_per_week={
                code: math.ceil(seats * share) for code, seats in base_seats.items() if share > 0
            },
            temporary_seats=tuple(
                TemporarySeats(
                    from_day=first,
                    to_day=last,
                    office_seats_per_week={
                        code: math.ceil(seats * peak_share) for code, seats in base_seats.items()
                    },
                )
                for first, last in windows
                if peak_share > 0
            ),
            card_body_orders=_orders(scenario, shifts, months + 3),
        )

    def run(shifts: int, share: float, peak_share: float) -> tuple[Plan, float, dict[str, Any]]:
        nonlocal evaluations
        evaluations += 1
        if progress:
            progress(min(0.99, evaluations / total_steps))
        plan = make(shifts, share, peak_share)
        # Three months more, so that the last month's requests are made and measured too.
        report = Twin(
            scenario, plan, months=months + 3, scale=scale, seed=seed, with_promises=False
        ).run()
        return plan, worst_p95(report, quantile, months), report

    def cost(plan: Plan) -> float:
        """Added capacity over the period, in cards (or seats) a week × weeks."""
        shares = [
            sum(plan.office_seats_per_week.values()) / base_total * period_weeks,
            sum(sum(t.office_seats_per_week.values()) * (t.to_day - t.from_day) / 7
                for t in plan.temporary_seats) / base_total,
        ]  # fmt: skip
        return plan.production_shifts_per_week * shift_cards * period_weeks + base_total * sum(
            shares
        )

    def least(
        test: Callable[[float], tuple[Plan, float, dict[str, Any]]],
        top: tuple[Plan, float, dict[str, Any]],
    ) -> tuple[float, tuple[Plan, float, dict[str, Any]]]:
        """The least share (bisection) for which `test(share)` keeps the target."""
        zero = test(0.0)
        if zero[1] <= target_days:
            return 0.0, zero
        low, high, found = 0.0, MAX_SEAT_SHARE, top
        for _ in range(SEAT_STEPS):
            middle = (low + high) / 2
            attempt = test(middle)
            if attempt[1] <= target_days:
                high, found = middle, attempt
            else:
                low = middle
        return high, found

    best: tuple[Plan, float, dict[str, Any]] | None = None  # least p95 seen (if none feasible)
    chosen: tuple[Plan, float, dict[str, Any]] | None = None  # cheapest feasible
    for shifts in SHIFT_OPTIONS:
        if chosen is not None and shifts * shift_cards * period_weeks >= cost(chosen[0]):
            break  # more shifts alone would already cost more than the plan in hand
        top = run(shifts, MAX_SEAT_SHARE, MAX_SEAT_SHARE if windows else 0.0)
        if best is None or top[1] < best[1]:
            best = top
        if top[1] > target_days:
            continue
        # Seats all year first (with the most at the peaks), then the least at the peaks.
        peak_top = MAX_SEAT_SHARE if windows else 0.0
        share, found = least(lambda x, s=shifts, p=peak_top: run(s, x, p), top)
        if windows:
            _, found = least(lambda x, s=shifts, a=share: run(s, a, x), found)
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
        "added_capacity_card_weeks": round(cost(plan)),
        "evaluations": evaluations,
    }
    return PlanResult(
        plan=replace(plan, meta=meta),
        feasible=feasible,
        worst_p95=value,
        evaluations=evaluations,
        report=report,
    )
