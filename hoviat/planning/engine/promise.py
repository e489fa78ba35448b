"""The promise model: when will this application's card be ready at its office?

Pure Python, no Django and no database: the same function answers for a real application
(planning's services build a `PipelineState` from the stages' tables) and inside the digital
twin (the simulation builds it from its own state), so the accuracy measured on simulated
history is the accuracy of the model the citizens are given.

The model walks the production calendar: the cards ahead of this one are produced day by day
at the day's capacity (Fridays and holidays nothing, Thursdays half), net of QC failures
(a failed card is made again), and never beyond the card bodies on hand plus deliveries
already arrived; the day this card's turn comes, it travels to the province in the measured
transit time. The interval comes from the spread of transit times and of the capacity actually
achieved; the model's version is stored with every promise.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

MODEL_VERSION = "queue-walk-3"

POINTS = ("booking", "enrolment", "production_start")


@dataclass(frozen=True)
class PipelineState:
    """What the model knows at one prediction point about one application."""

    point: str  # one of POINTS
    today: dt.date
    # Cards ahead of this one in the production queue when it joins (at booking: the queue
    # as it stands now, which the application joins after its appointment).
    queue_ahead: int
    # Planned production capacity (cards per day) from `today` on; a missing day produces
    # nothing (Fridays, holidays). The calendar is the caller's: the model adds none.
    capacity_by_day: Mapping[dt.date, int]
    stock_on_hand: int
    deliveries: Sequence[tuple[dt.date, int]] = ()  # card bodies on order: (arrives, count)
    qc_fail_rate: float = 0.0
    # Measured days from production to ready-at-office for the applicant's province (recent
    # shipments); empty when none were measured (the model then assumes `default_transit_days`).
    transit_days: Sequence[float] = ()
    default_transit_days: float = 5.0
    appointment_date: dt.date | None = None  # at booking: the day enrolment will happen
    # Share of planned capacity actually achieved, measured (1.0 when unknown): 0.9 means the
    # line made 90 % of plan on average.
    capacity_achieved: float = 1.0
    capacity_spread: float = 0.1  # relative spread of the achieved share (one sigma)
    # At booking: appointments already booked (nationally) for before this one's day, which
    # will join the production queue ahead of it, and the share of them that turn up.
    booked_ahead: int = 0
    show_rate: float = 1.0
    # The same, day by day (enrolment day, appointments): a card enrolled on a day can be made
    # from the next day on, so the bookings ahead join the queue as their days come. When
    # given, it replaces `booked_ahead`.
    booked_ahead_by_day: Sequence[tuple[dt.date, int]] = ()
    # The first day this card can be made (the day after enrolment); None: `today`.
    earliest_production: dt.date | None = None


@dataclass(frozen=True)
class Promise:
    date: dt.date  # the promised card-ready date
    earliest: dt.date  # with 9 in 10 certainty between earliest and latest
    latest: dt.date
    model_version: str = MODEL_VERSION
    basis: dict[str, float] = field(default_factory=dict)  # for the record: what it rested on


def _production_day(
    state: PipelineState, *, start: dt.date, capacity_factor: float, tail_rate: float, last: dt.date
) -> dt.date:
    """The day the card is made: walk the calendar until the cards ahead (and this one) fit.

    The cards ahead are those in the queue now and those booked to enrol before this one; a
    card can be made from the day after its enrolment, this one from `earliest_production`.
    """
    show = min(1.0, max(0.0, state.show_rate))
    joining = sorted(state.booked_ahead_by_day)
    booked_total = sum(n for _, n in joining) if joining else state.booked_ahead
    needed = state.queue_ahead + booked_total * show + 1
    # Without a day-by-day schedule every card ahead counts as there already.
    available = float(state.queue_ahead) + (0.0 if joining else booked_total * show)
    earliest = state.earliest_production or start
    own_joined = False
    good_share = max(0.01, 1.0 - state.qc_fail_rate)
    stock = float(state.stock_on_hand)
    arrivals = sorted(state.deliveries)
    arrival_index = 0
    joining_index = 0
    day = start
    made = 0.0
    capacity = state.capacity_by_day
    for _ in range(3 * 366):
        while arrival_index < len(arrivals) and arrivals[arrival_index][0] <= day:
            stock += arrivals[arrival_index][1]
            arrival_index += 1
        while joining_index < len(joining) and joining[joining_index][0] < day:
            available += joining[joining_index][1] * show
            joining_index += 1
        if not own_joined and day >= earliest:
            available += 1
            own_joined = True
        planned = capacity.get(day)
        if planned is None:
            # Beyond the planned calendar the last month's mean daily capacity continues.
            planned = tail_rate if day > last and day.weekday() != 4 else 0.0  # Friday
        # A failed card costs a body too: bodies used = attempts, good cards = attempts × share.
        attempts = min(planned * capacity_factor, stock, max(0.0, available - made) / good_share)
        stock -= attempts
        made += attempts * good_share
        if own_joined and made >= needed - 1e-9:
            return day
        day += dt.timedelta(days=1)
    return day


def _quantile(values: Sequence[float], q: float, default: float) -> float:
    if not values:
        return default
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def promise(state: PipelineState) -> Promise:
    """The promised card-ready date and its 90 % interval at this prediction point."""
    if state.point not in POINTS:
        raise ValueError(f"unknown prediction point {state.point!r}")
    start = state.today
    earliest_made = state.earliest_production or state.today
    known_ahead = state.booked_ahead or state.booked_ahead_by_day
    if state.point == "booking" and state.appointment_date is not None and not known_ahead:
        # Nothing known about the bookings ahead: the queue as it stands, from the appointment.
        start = max(start, state.appointment_date)
    last = max(state.capacity_by_day, default=start)
    tail = [c for d, c in state.capacity_by_day.items() if d > last - dt.timedelta(31)]
    tail_rate = (sum(tail) / len(tail)) if tail else 0.0
    achieved = max(0.05, state.capacity_achieved)
    spread = max(0.0, state.capacity_spread)

    def made(factor: float) -> dt.date:
        day = _production_day(
            state, start=start, capacity_factor=factor, tail_rate=tail_rate, last=last
        )
        return max(day, earliest_made)

    made_on = made(achieved)
    made_fast = made(achieved * (1 + 1.645 * spread))
    made_slow = made(max(0.05, achieved * (1 - 1.645 * spread)))
    transit_mid = _quantile(state.transit_days, 0.5, state.default_transit_days)
    transit_low = _quantile(state.transit_days, 0.05, state.default_transit_days * 0.6)
    transit_high = _quantile(state.transit_days, 0.95, state.default_transit_days * 1.6)
    date = made_on + dt.timedelta(days=round(transit_mid))
    earliest = made_fast + dt.timedelta(days=math.floor(transit_low))
    latest = made_slow + dt.timedelta(days=math.ceil(transit_high))
    return Promise(
        date=date,
        earliest=min(earliest, date),
        latest=max(latest, date),
        basis={
            "queue_ahead": float(state.queue_ahead),
            "transit_mid": transit_mid,
            "capacity_achieved": achieved,
        },
    )
