"""The weekly demand forecast: it learns the Farvardin peak and says how wrong it was."""

import dataclasses
import datetime as dt
import random

import pytest

from hoviat.planning.engine.forecast import forecast, forecast_from_twin, weekly_counts
from hoviat.planning.engine.scenario import default_scenario

START = dt.date(2026, 3, 21)  # 1 Farvardin 1405


def _history(level: float, seed: int) -> list[tuple[str, dt.date]]:
    rng = random.Random(seed)
    requests = []
    for offset in range(2 * 365):
        day = START + dt.timedelta(days=offset)
        peak = 3.0 if 13 <= offset % 365 < 31 else 1.0  # after Nowruz, the rest of Farvardin
        for code, share in (("IR-06", 1.0), ("IR-07", 4.0)):
            mean = level * share * peak
            count = sum(rng.random() < mean / 50 for _ in range(50))
            requests += [(code, day)] * count
    return requests


def test_a_forecast_learns_a_yearly_peak_and_backtests_with_a_small_error():
    weeks, counts = weekly_counts(
        _history(5.0, 1), ["IR-06", "IR-07"], START, START + dt.timedelta(729)
    )
    result = forecast(weeks, counts, holdout_weeks=12)
    assert result["backtest"]["national_mape"] < 15
    peak_week = weeks.index(dt.date(2027, 4, 10))  # 21–27 Farvardin 1406, after Nowruz
    quiet_week = weeks.index(dt.date(2027, 7, 31))
    before_peak = peak_week - 1
    ahead = forecast(
        weeks[:before_peak],
        {code: values[:before_peak] for code, values in counts.items()},
        holdout_weeks=4,
        horizon_weeks=2,
    )
    quiet = counts["IR-06"][quiet_week] + counts["IR-07"][quiet_week]
    assert ahead["forecast"]["weeks"][-1] == "2027-04-10"
    assert ahead["forecast"]["national"][-1] > 2 * quiet


def test_it_refuses_a_history_too_short_to_backtest():
    weeks, counts = weekly_counts(
        _history(5.0, 2)[:500], ["IR-06"], START, START + dt.timedelta(60)
    )
    with pytest.raises(ValueError, match="at least"):
        forecast(weeks, counts, holdout_weeks=12)


def test_the_forecast_on_the_twin_reports_a_mape_per_province():
    calm = dataclasses.replace(default_scenario(), stockouts=())
    result = forecast_from_twin(calm, months=12, scale=0.0003, seed=1, holdout_weeks=8)
    assert len(result["backtest"]["provinces"]) == 31
    assert result["backtest"]["national_mape"] is not None
    assert len(result["forecast"]["weeks"]) == 12
