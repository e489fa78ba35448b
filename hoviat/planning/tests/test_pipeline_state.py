"""The pipeline as the promise model sees it, measured from the real tables: the share of
planned capacity the line actually achieved, and the queue a booking will really join."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

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
