"""The demand forecast: weekly requests per province, from history, backtested.

One pooled Poisson regression (statsmodels GLM, log link) over every province and week:

    log E[requests of province p in week w] = a_p + b_month(w) + c · holidays(w)
        + d · nowruz(w) + e · after_nowruz(w) + f · log surge(w)

- a_p, the province's level (its eligible population shows in it);
- b_month, the Jalali month the week mostly falls in (the seasons of demand);
- holidays(w), the Iranian public holidays in the week (from the `holidays` package), and the
  days of the week that fall in Nowruz (1–13 Farvardin) and in the rest of Farvardin, when the
  post-Nowruz peak comes;
- surge(w), the demand factor of a known deadline in that week (a policy announced ahead, the
  scenario's "surge"), 1 when none.

Pooling lets a province with a handful of requests a week borrow the seasonal shape of the
others. The backtest fits on all but the last `holdout_weeks` weeks and measures the mean
absolute percentage error (MAPE) of the forecast for those weeks, nationally and per province.
Weeks start on Saturday, as the Iranian week does.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

import jdatetime
import numpy as np
import statsmodels.api as sm

from hoviat.planning.engine.calendar import iran_holidays

MODEL_NAME = "poisson-glm-jalali-month-holidays-1"


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() - 5) % 7)  # back to Saturday


def _week_features(start: dt.date, surge: Mapping[dt.date, float]) -> list[float]:
    holiday_set = iran_holidays(start.year - 1, start.year + 1)
    days = [start + dt.timedelta(days=i) for i in range(7)]
    jalali = [jdatetime.date.fromgregorian(date=d) for d in days]
    months = [j.month for j in jalali]
    month = max(set(months), key=months.count)
    one_hot = [1.0 if month == m else 0.0 for m in range(2, 13)]  # Farvardin is the base
    holidays_in_week = sum(d in holiday_set for d in days)
    nowruz = sum(j.month == 1 and j.day <= 13 for j in jalali) / 7
    after_nowruz = sum(j.month == 1 and j.day > 13 for j in jalali) / 7
    surge_factor = statistics.fmean(surge.get(d, 1.0) for d in days)
    return [*one_hot, holidays_in_week, nowruz, after_nowruz, math.log(max(surge_factor, 1e-3))]


def _design(
    weeks: Sequence[dt.date], codes: Sequence[str], surge: Mapping[dt.date, float]
) -> np.ndarray:
    features = {w: _week_features(w, surge) for w in weeks}
    rows = []
    for code in codes:
        dummies = [1.0 if code == other else 0.0 for other in codes]
        for w in weeks:
            rows.append([*dummies, *features[w]])
    return np.asarray(rows, dtype=float)


def _mape(actual: Sequence[float], predicted: Sequence[float]) -> float | None:
    pairs = [(a, p) for a, p in zip(actual, predicted, strict=True) if a > 0]
    if not pairs:
        return None
    return round(100 * statistics.fmean(abs(a - p) / a for a, p in pairs), 1)


def weekly_counts(
    requests: Sequence[tuple[str, dt.date]], codes: Sequence[str], first: dt.date, last: dt.date
) -> tuple[list[dt.date], dict[str, list[float]]]:
    """Whole weeks between `first` and `last` and the requests per province in each."""
    weeks = []
    week = week_start(first)
    if week < first:
        week += dt.timedelta(days=7)
    while week + dt.timedelta(days=6) <= last:
        weeks.append(week)
        week += dt.timedelta(days=7)
    index = {w: i for i, w in enumerate(weeks)}
    counts = {code: [0.0] * len(weeks) for code in codes}
    for code, day in requests:
        i = index.get(week_start(day))
        if i is not None and code in counts:
            counts[code][i] += 1
    return weeks, counts


def _fit(
    weeks: Sequence[dt.date],
    counts: Mapping[str, Sequence[float]],
    codes: Sequence[str],
    surge: Mapping[dt.date, float],
):
    x = _design(weeks, codes, surge)
    y = np.asarray([v for code in codes for v in counts[code]], dtype=float)
    return sm.GLM(y, x, family=sm.families.Poisson()).fit()


def _predict(model, weeks, codes, surge) -> dict[str, list[float]]:
    predicted = model.predict(_design(weeks, codes, surge))
    n = len(weeks)
    return {
        code: [float(v) for v in predicted[i * n : (i + 1) * n]] for i, code in enumerate(codes)
    }


def forecast(
    weeks: Sequence[dt.date],
    counts: Mapping[str, Sequence[float]],
    *,
    surge: Mapping[dt.date, float] | None = None,
    holdout_weeks: int = 12,
    horizon_weeks: int = 12,
) -> dict[str, Any]:
    """Backtest on the last `holdout_weeks`, then fit on everything and forecast ahead."""
    surge = surge or {}
    codes = sorted(counts)
    if holdout_weeks < 1 or len(weeks) < holdout_weeks + 20:
        raise ValueError(
            f"a backtest needs at least {holdout_weeks + 20} weeks of history, got {len(weeks)}"
        )
    train = list(weeks[:-holdout_weeks])
    test = list(weeks[-holdout_weeks:])
    model = _fit(train, {c: counts[c][: len(train)] for c in codes}, codes, surge)
    predicted = _predict(model, test, codes, surge)
    actual = {c: list(counts[c][len(train) :]) for c in codes}
    national_actual = [sum(actual[c][i] for c in codes) for i in range(len(test))]
    national_predicted = [sum(predicted[c][i] for c in codes) for i in range(len(test))]
    province_mape = {c: _mape(actual[c], predicted[c]) for c in codes}
    known = [v for v in province_mape.values() if v is not None]
    total_actual = sum(national_actual)
    wape = (
        round(
            100
            * sum(abs(actual[c][i] - predicted[c][i]) for c in codes for i in range(len(test)))
            / total_actual,
            1,
        )
        if total_actual
        else None
    )
    full = _fit(weeks, counts, codes, surge)
    ahead = [weeks[-1] + dt.timedelta(days=7 * (i + 1)) for i in range(horizon_weeks)]
    future = _predict(full, ahead, codes, surge)
    return {
        "model": MODEL_NAME,
        "history_weeks": len(weeks),
        "backtest": {
            "holdout_weeks": holdout_weeks,
            "national_mape": _mape(national_actual, national_predicted),
            "median_province_mape": round(statistics.median(known), 1) if known else None,
            "weighted_province_error": wape,
            "provinces": province_mape,
            "weeks": [w.isoformat() for w in test],
            "national_actual": national_actual,
            "national_predicted": [round(v, 1) for v in national_predicted],
        },
        "forecast": {
            "weeks": [w.isoformat() for w in ahead],
            "national": [round(sum(future[c][i] for c in codes), 1) for i in range(len(ahead))],
            "provinces": {c: [round(v, 2) for v in future[c]] for c in codes},
        },
    }


def forecast_from_twin(
    scenario, *, months: int, scale: float, seed: int, holdout_weeks: int = 12
) -> dict[str, Any]:
    """The forecast on a simulated history: the twin's requests stand in for the real ones."""
    from hoviat.planning.engine.twin import Twin, check_memory

    check_memory(scenario, months=months, scale=scale)
    twin = Twin(scenario, months=months, scale=scale, seed=seed, with_promises=False)
    twin.run()
    start = twin.days[0].date
    requests = [
        (app.province, start + dt.timedelta(days=int(app.requested))) for app in twin.applications
    ]
    last = start + dt.timedelta(days=twin.horizon - 1)
    weeks, counts = weekly_counts(requests, twin.codes, start, last)
    surge = {
        day.date: twin.surge_by_month.get(day.month_index, 1.0)
        for day in twin.days
        if day.month_index in twin.surge_by_month
    }
    result = forecast(weeks, counts, surge=surge, holdout_weeks=holdout_weeks)
    result["history"] = {"months": months, "scale": scale, "seed": seed}
    return result
