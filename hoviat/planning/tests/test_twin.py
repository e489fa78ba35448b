"""The digital twin: deterministic with a seed, and its promises measured on its own history."""

import dataclasses

import pytest

from hoviat.planning.engine.plan import find_plan
from hoviat.planning.engine.scenario import (
    Plan,
    ScenarioError,
    Stockout,
    Surge,
    default_scenario,
    parse_plan,
    parse_scenario,
)
from hoviat.planning.engine.twin import Twin, simulate

SMALL = {"months": 3, "scale": 0.0002}


def test_the_same_seed_gives_the_same_history_and_another_seed_another():
    first = simulate(default_scenario(), seed=7, **SMALL)
    again = simulate(default_scenario(), seed=7, **SMALL)
    other = simulate(default_scenario(), seed=8, **SMALL)
    first.pop("runtime_seconds"), again.pop("runtime_seconds"), other.pop("runtime_seconds")
    assert first == again
    assert first["applications"] != other["applications"]


def test_the_report_follows_the_planning_contract():
    result = simulate(default_scenario(), seed=1, **SMALL)
    assert set(result["lead_time_days"]) >= {"p50", "p90", "p95"}
    assert [row["month"] for row in result["months"]] == ["1405-01", "1405-02", "1405-03"]
    for row in result["months"]:
        assert set(row) >= {"month", "requests", "cards_ready", "lead_time_p95", "queue_end"}
        assert "stock_end" in row
    assert result["promise"]["booking"]["within_days"] == 5
    assert result["promise"]["enrolment"]["within_days"] == 2
    assert set(result["promise"]["enrolment"]) >= {"share", "mae_days", "bias_days"}
    assert len(result["provinces"]) == 31


def test_the_farvardin_peak_comes_after_nowruz():
    twin = Twin(default_scenario(), months=2, scale=0.001, seed=1)
    by_day = {day.jalali_day: twin._demand_factor(day) for day in twin.days[:31]}
    assert by_day[5] < by_day[20]  # during Nowruz few ask; after it, many


def test_a_stock_out_stops_production_and_lengthens_the_wait():
    calm = dataclasses.replace(default_scenario(), stockouts=(), surge=())
    short = dataclasses.replace(calm, stockouts=(Stockout(start_day=20, days=21),))
    calm_run = simulate(calm, seed=3, months=3, scale=0.0005)
    short_run = simulate(short, seed=3, months=3, scale=0.0005)
    assert short_run["weekly"][4]["stock_cover_days"] == 0  # days 28–34: no card bodies
    assert calm_run["weekly"][4]["stock_cover_days"] > 0
    assert short_run["lead_time_days"]["p95"] > calm_run["lead_time_days"]["p95"] + 5


def test_a_surge_raises_the_requests_of_its_month():
    calm = dataclasses.replace(default_scenario(), surge=(), stockouts=())
    surge = dataclasses.replace(calm, surge=(Surge(month=2, factor=3.0),))
    calm_run = simulate(calm, seed=2, **SMALL)
    surge_run = simulate(surge, seed=2, **SMALL)
    assert surge_run["months"][1]["requests"] > 2 * calm_run["months"][1]["requests"]


def test_added_seats_and_shifts_shorten_the_wait():
    scenario = dataclasses.replace(default_scenario(), surge=(Surge(month=2, factor=3.0),))
    plan = Plan(
        production_shifts_per_week=5,
        office_seats_per_week={code: 200_000 for code in scenario.provinces},
    )
    without = simulate(scenario, seed=4, **SMALL)
    with_plan = simulate(scenario, plan, seed=4, **SMALL)
    assert with_plan["lead_time_days"]["p95"] < without["lead_time_days"]["p95"]


def test_the_promises_made_inside_the_twin_are_mostly_kept():
    calm = dataclasses.replace(default_scenario(), surge=(), stockouts=())
    result = simulate(calm, seed=5, months=4, scale=0.0003)
    assert result["promise"]["enrolment"]["share"] >= 0.85
    assert result["promise"]["booking"]["share"] >= 0.8
    assert abs(result["promise"]["enrolment"]["bias_days"]) < 1.5


def test_an_unreachable_target_is_reported_with_the_best_plan_found():
    result = find_plan(
        default_scenario(), target_days=3, quantile=0.95, months=1, scale=0.0002, seed=1
    )
    assert not result.feasible
    assert result.plan.meta["feasible"] is False
    assert result.worst_p95 > 3


def test_a_reachable_target_gives_a_feasible_plan_that_holds_when_simulated():
    scenario = dataclasses.replace(default_scenario(), stockouts=(), surge=())
    result = find_plan(scenario, target_days=40, quantile=0.95, months=2, scale=0.0002, seed=1)
    assert result.feasible
    assert result.worst_p95 <= 40


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"colour": "red"}, "unknown key"),
        ({"provinces": {"IR-99": {"demand_factor": 1}}}, "unknown province"),
        ({"production_per_day": -5}, "at least 0"),
        ({"provinces": {"IR-07": {"seats_per_day": -1}}}, "at least 0"),
        ({"surge": [{"month": 12}]}, "needs both"),
        ({"stockouts": [{"start_day": "soon", "days": 21}]}, "whole number"),
        ({"start": "1405-01-05"}, "first day of a month"),
        ([1, 2], "expected an object"),
    ],
)
def test_it_refuses_a_bad_scenario_with_a_clear_message(data, message):
    with pytest.raises(ScenarioError, match=message):
        parse_scenario(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"production_shifts_per_week": -1}, "at least 0"),
        ({"office_seats_per_week": {"XX": 5}}, "unknown province"),
        ({"card_body_orders": [{"order_day": 3, "count": -10}]}, "at least 0"),
        ({"shifts": 2}, "unknown key"),
        (
            {"temporary_seats": [{"from_day": 50, "to_day": 20, "office_seats_per_week": {}}]},
            "to_day: must be at least 50",
        ),
        (
            {
                "temporary_seats": [
                    {"from_day": 0, "to_day": 20, "office_seats_per_week": {"IR-0": 1}}
                ]
            },
            "unknown province",
        ),
        ({"temporary_seats": [{"from_day": 0}]}, "needs from_day, to_day"),
    ],
)
def test_it_refuses_a_bad_plan_with_a_clear_message(data, message):
    with pytest.raises(ScenarioError, match=message):
        parse_plan(data)


def test_seats_added_for_a_peak_only_shorten_the_wait_of_that_peak():
    from hoviat.planning.engine.scenario import TemporarySeats

    scenario = dataclasses.replace(default_scenario(), stockouts=(), surge=())
    peak = Plan(
        temporary_seats=(
            TemporarySeats(
                from_day=0,
                to_day=45,
                office_seats_per_week={code: 300_000 for code in scenario.provinces},
            ),
        )
    )
    without = simulate(scenario, seed=6, **SMALL)
    with_peak = simulate(scenario, peak, seed=6, **SMALL)
    assert with_peak["months"][0]["lead_time_p95"] < without["months"][0]["lead_time_p95"]
    assert parse_plan(peak.to_json()).temporary_seats == peak.temporary_seats
