"""The pipeline as the promise model sees it, measured from the real tables: the share of
planned capacity the line actually achieved, and the queue a booking will really join."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from hoviat.offices.selectors import OFFICE_TZ
from hoviat.planning.selectors import capacity_achieved_measured, pipeline_read
from hoviat.planning.tests.conftest import SATURDAY
from hoviat.production.models import PersonalisationRun, ProductionSettings, RunStatus

pytestmark = pytest.mark.django_db

FRIDAY = 4
THURSDAY = 3


def run_on(day: dt.date, *, made: int, failed: int = 0, status: str = RunStatus.COMPLETED):
    now = timezone.now()
    return PersonalisationRun.objects.create(
        date=day,
        status=status,
        requested=made + failed,
        personalised=made,
        qc_failed=failed,
        started_at=now,
        heartbeat_at=now,
        finished_at=now,
    )


def working_days_before(today: dt.date, count: int) -> list[dt.date]:
    days, day = [], today - dt.timedelta(days=1)
    while len(days) < count:
        if day.weekday() not in (FRIDAY, THURSDAY):
            days.append(day)
        day -= dt.timedelta(days=1)
    return days


def set_capacity(daily: int) -> None:
    ProductionSettings.objects.update_or_create(pk=1, defaults={"daily_capacity": daily})


def test_it_assumes_the_full_plan_when_no_run_was_made(clock):
    assert capacity_achieved_measured(today=SATURDAY) == (1.0, 0.1)


def test_it_measures_the_share_of_plan_made_and_its_spread_from_broken_runs(clock):
    set_capacity(100)
    days = working_days_before(SATURDAY, 10)
    # Half the days the line made its plan; the other half a run broke down at 80 cards.
    for index, day in enumerate(days):
        if index % 2:
            run_on(day, made=75, failed=5, status=RunStatus.FAILED)
        else:
            run_on(day, made=96, failed=4)
    achieved, spread = capacity_achieved_measured(today=SATURDAY)
    assert achieved == pytest.approx(0.9)
    # Ratios 1.0 and 0.8: one standard deviation 0.1, relative to the mean 0.9.
    assert spread == pytest.approx(0.1 / 0.9)
    pipeline = pipeline_read(today=SATURDAY)
    assert pipeline.capacity_achieved == pytest.approx(0.9)


def test_it_counts_thursdays_against_their_half_plan(clock):
    set_capacity(100)
    day = SATURDAY - dt.timedelta(days=1)
    thursdays = []
    while len(thursdays) < 6:
        if day.weekday() == THURSDAY:
            thursdays.append(day)
        day -= dt.timedelta(days=1)
    for thursday in thursdays:
        run_on(thursday, made=40, status=RunStatus.INTERRUPTED)
    achieved, spread = capacity_achieved_measured(today=SATURDAY)
    assert achieved == pytest.approx(0.8)
    assert spread == pytest.approx(0.0)


def test_it_leaves_out_days_the_queue_or_the_stock_ran_dry_and_days_long_gone(clock):
    set_capacity(100)
    days = working_days_before(SATURDAY, 12)
    for day in days[:6]:
        run_on(day, made=100)
    # The queue ran dry (a completed run short of plan) or the bodies ran out (stopped): the
    # line was not the limit on those days.
    for day in days[6:9]:
        run_on(day, made=30)
    for day in days[9:]:
        run_on(day, made=10, status=RunStatus.STOPPED)
    # A broken run before the window does not count.
    run_on(SATURDAY - dt.timedelta(days=120), made=1, status=RunStatus.FAILED)
    # Nor does today's run, still going.
    run_on(SATURDAY, made=1, status=RunStatus.RUNNING)
    assert capacity_achieved_measured(today=SATURDAY) == (pytest.approx(1.0), pytest.approx(0.0))


def test_it_keeps_the_assumption_on_too_few_measured_days(clock):
    set_capacity(100)
    for day in working_days_before(SATURDAY, 4):
        run_on(day, made=50, status=RunStatus.FAILED)
    assert capacity_achieved_measured(today=SATURDAY) == (1.0, 0.1)


# --- The queue a booking joins -----------------------------------------------------------


def weekly(start: dt.date, *, full: int, days: int = 180) -> dict[dt.date, int]:
    """A per-day figure on working days: none on Fridays, half on Thursdays."""
    found = {}
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        if day.weekday() != FRIDAY:
            found[day] = full // 2 if day.weekday() == THURSDAY else full
    return found


def booking_and_enrolment_promises(*, queue: int, enrolling: int, appointment: dt.date):
    """The promise a booking made today gets, and the one the same application gets at its
    enrolment on the appointment day, the line having run (100 a day) in between while the
    booked appointments (`enrolling` a day) joined the queue."""
    from hoviat.planning.engine.promise import promise
    from hoviat.planning.models import PredictionPoint
    from hoviat.planning.selectors import Pipeline, Whereabouts, pipeline_state_for

    capacity = weekly(SATURDAY, full=100)
    expected = weekly(SATURDAY, full=enrolling)
    stock = 1_000_000
    today = Pipeline(
        today=SATURDAY,
        capacity_by_day=capacity,
        stock_on_hand=stock,
        deliveries=[],
        qc_fail_rate=0.0,
        queue_length=queue,
        capacity_achieved=1.0,
        capacity_spread=0.1,
        enrolments_expected=expected,
    )
    booking = promise(
        pipeline_state_for(
            application=None,
            point=PredictionPoint.BOOKING,
            pipeline=today,
            whereabouts=Whereabouts(None, appointment),
        )
    )
    # The days in between, told plainly: each day's enrolments join, the night's run takes
    # up to the day's capacity.
    day = SATURDAY
    while day < appointment:
        queue += expected.get(day, 0)
        made = min(queue, capacity.get(day, 0))
        queue -= made
        stock -= made
        day += dt.timedelta(days=1)
    on_the_day = Pipeline(
        today=appointment,
        capacity_by_day={d: c for d, c in capacity.items() if d >= appointment},
        stock_on_hand=stock,
        deliveries=[],
        qc_fail_rate=0.0,
        queue_length=queue,
        capacity_achieved=1.0,
        capacity_spread=0.1,
    )
    enrolment = promise(
        pipeline_state_for(
            application=None,
            point=PredictionPoint.ENROLMENT,
            pipeline=on_the_day,
            whereabouts=Whereabouts(None, None),
            queue_ahead=queue,  # the first to enrol that day stands behind the whole queue
        )
    )
    return booking, enrolment, queue


def test_a_booking_is_promised_what_its_enrolment_will_be_promised_in_a_steady_state():
    # Enrolments match the line's capacity day by day: the queue holds at 250.
    appointment = SATURDAY + dt.timedelta(days=9)  # across a Thursday and a Friday
    booking, enrolment, queue = booking_and_enrolment_promises(
        queue=250, enrolling=100, appointment=appointment
    )
    assert queue == 250
    assert (booking.date, booking.earliest, booking.latest) == (
        enrolment.date,
        enrolment.earliest,
        enrolment.latest,
    )


def test_a_booking_counts_the_queue_production_drains_before_its_appointment():
    from dataclasses import replace

    from hoviat.planning.engine.promise import promise

    appointment = SATURDAY + dt.timedelta(days=9)
    # Fewer enrolments than the line makes: the queue of 1000 shrinks by 60 a full day.
    booking, enrolment, queue = booking_and_enrolment_promises(
        queue=1000, enrolling=40, appointment=appointment
    )
    assert queue < 1000
    assert booking.date == enrolment.date
    # Joining the queue as it stands today would have promised it later.
    stale = promise(
        replace(_booking_state(queue=1000, enrolling=40, appointment=appointment), queue_ahead=1000)
    )
    assert stale.date > booking.date


def _booking_state(*, queue: int, enrolling: int, appointment: dt.date):
    from hoviat.planning.models import PredictionPoint
    from hoviat.planning.selectors import Pipeline, Whereabouts, pipeline_state_for

    return pipeline_state_for(
        application=None,
        point=PredictionPoint.BOOKING,
        pipeline=Pipeline(
            today=SATURDAY,
            capacity_by_day=weekly(SATURDAY, full=100),
            stock_on_hand=1_000_000,
            deliveries=[],
            qc_fail_rate=0.0,
            queue_length=queue,
            enrolments_expected=weekly(SATURDAY, full=enrolling),
        ),
        whereabouts=Whereabouts(None, appointment),
    )


def test_a_booking_joins_no_queue_the_card_bodies_cannot_drain():
    from hoviat.planning.selectors import Pipeline, queue_at_appointment

    pipeline = Pipeline(
        today=SATURDAY,
        capacity_by_day=weekly(SATURDAY, full=100),
        stock_on_hand=30,
        deliveries=[(SATURDAY + dt.timedelta(days=2), 50), (SATURDAY + dt.timedelta(days=20), 9)],
        qc_fail_rate=0.0,
        queue_length=500,
        enrolments_expected={},
    )
    joins = queue_at_appointment(pipeline=pipeline, appointment=SATURDAY + dt.timedelta(days=7))
    # 30 on hand and 50 delivered make 80 cards before the appointment, no more.
    assert joins.queue_ahead == 420
    assert joins.stock_on_hand == 0
    assert joins.deliveries == ((SATURDAY + dt.timedelta(days=20), 9),)


def test_the_enrolments_expected_are_the_booked_appointments_of_each_day(clock):
    from hoviat.booking.models import BookingStatus
    from hoviat.planning.selectors import enrolments_expected_by_day
    from tests.factories import BookingFactory, SlotFactory

    monday = SATURDAY + dt.timedelta(days=2)
    slot = SlotFactory(
        starts_at=dt.datetime.combine(monday, dt.time(9), tzinfo=OFFICE_TZ), capacity=5
    )
    BookingFactory(slot=slot)
    BookingFactory(slot=slot)
    BookingFactory(slot=slot, status=BookingStatus.HELD)  # not paid: not expected yet
    BookingFactory(slot=slot, status=BookingStatus.CANCELLED)
    later = SlotFactory(
        office=slot.office,
        starts_at=dt.datetime.combine(monday + dt.timedelta(days=1), dt.time(10), tzinfo=OFFICE_TZ),
    )
    BookingFactory(slot=later)
    found = enrolments_expected_by_day(start=SATURDAY, end=SATURDAY + dt.timedelta(days=30))
    assert found == {monday: 2, monday + dt.timedelta(days=1): 1}


def test_a_booking_stands_behind_those_booked_earlier_on_its_day(clock):
    from hoviat.planning.models import PredictionPoint
    from hoviat.planning.selectors import Pipeline, pipeline_state_for, whereabouts_of
    from tests.factories import BookingFactory, SlotFactory

    monday = SATURDAY + dt.timedelta(days=2)

    def slot_at(hour, office=None, capacity=5):
        extra = {"office": office} if office else {}
        return SlotFactory(
            starts_at=dt.datetime.combine(monday, dt.time(hour), tzinfo=OFFICE_TZ),
            capacity=capacity,
            **extra,
        )

    early = slot_at(8)
    BookingFactory(slot=early)
    BookingFactory(slot=early)
    BookingFactory(slot=slot_at(9, office=early.office))
    mine = BookingFactory(slot=slot_at(10, office=early.office))
    BookingFactory(slot=slot_at(11, office=early.office))  # after it: not ahead
    pipeline = Pipeline(
        today=SATURDAY,
        capacity_by_day={},  # nothing made before: the queue only grows
        stock_on_hand=0,
        deliveries=[],
        qc_fail_rate=0.0,
        queue_length=7,
        enrolments_expected={},
    )
    state = pipeline_state_for(
        application=mine.application,
        point=PredictionPoint.BOOKING,
        pipeline=pipeline,
        whereabouts=whereabouts_of(application_ids=[mine.application_id])[mine.application_id],
    )
    assert state.appointment_date == monday
    assert state.queue_ahead == 7 + 3
