import datetime as dt

import pytest

from hoviat.planning.engine.promise import PipelineState, promise

TODAY = dt.date(2026, 12, 5)  # a Saturday


def _calendar(per_day: int, days: int = 90) -> dict[dt.date, int]:
    return {
        TODAY + dt.timedelta(i): per_day
        for i in range(days)
        if (TODAY + dt.timedelta(i)).weekday() != 4  # no production on Fridays
    }


def test_a_card_waits_for_the_cards_ahead_and_then_for_transit():
    state = PipelineState(
        point="enrolment",
        today=TODAY,
        queue_ahead=2999,
        capacity_by_day=_calendar(1000),
        stock_on_hand=100_000,
        transit_days=[4, 4, 4],
    )
    answer = promise(state)
    # Three thousand cards at a thousand a day: made on the third day, then four days' transit.
    assert answer.date == TODAY + dt.timedelta(days=2 + 4)
    assert answer.earliest <= answer.date <= answer.latest


def test_a_card_body_shortage_holds_the_card_until_the_delivery_arrives():
    delivery_day = TODAY + dt.timedelta(days=20)
    state = PipelineState(
        point="enrolment",
        today=TODAY,
        queue_ahead=5000,
        capacity_by_day=_calendar(1000),
        stock_on_hand=2000,
        deliveries=[(delivery_day, 50_000)],
        transit_days=[3],
    )
    assert promise(state).date >= delivery_day + dt.timedelta(days=3)


def test_it_refuses_an_unknown_prediction_point():
    with pytest.raises(ValueError):
        promise(
            PipelineState(
                point="someday", today=TODAY, queue_ahead=0, capacity_by_day={}, stock_on_hand=0
            )
        )


def test_a_card_is_never_promised_before_the_day_after_its_enrolment():
    state = PipelineState(
        point="enrolment",
        today=TODAY,
        queue_ahead=0,
        capacity_by_day=_calendar(1000),
        stock_on_hand=100_000,
        transit_days=[2],
        earliest_production=TODAY + dt.timedelta(days=1),
    )
    assert promise(state).date == TODAY + dt.timedelta(days=1 + 2)


def test_cards_booked_ahead_join_the_queue_on_their_day_and_hold_this_one_back():
    appointment = TODAY + dt.timedelta(days=9)  # a Monday
    common = dict(
        point="booking",
        today=TODAY,
        queue_ahead=0,
        capacity_by_day=_calendar(1000),
        stock_on_hand=100_000,
        transit_days=[1],
        appointment_date=appointment,
        earliest_production=appointment + dt.timedelta(days=1),
    )
    # 2,500 cards ahead, spread over the days before: all made before this one's appointment.
    spread = [(TODAY + dt.timedelta(days=i), 500) for i in range(1, 6)]
    early = promise(PipelineState(**common, booked_ahead_by_day=spread))
    assert early.date == appointment + dt.timedelta(days=1 + 1)
    # The same 2,500 all enrolling on the appointment day: they fill the next days' capacity.
    same_day = [(appointment, 2500)]
    late = promise(PipelineState(**common, booked_ahead_by_day=same_day))
    assert late.date == appointment + dt.timedelta(days=3 + 1)
