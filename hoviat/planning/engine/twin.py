"""The digital twin: a discrete-event simulation (SimPy) of the whole card pipeline.

Per province and day, requests arrive (a Poisson count around the province's eligible
population × request rate × scale, with the Farvardin peak after Nowruz, quiet Nowruz days and
holidays, half Fridays, and the scenario's surges). Each request is a SimPy process:

    request → payment (a delay) → booking (the earliest free office seat of its province, or a
    day or more later by choice) → enrolment on the appointment day (or a no-show, who books
    again or gives up) → the national production queue (FIFO) → made on a working day at the
    day's capacity (Fridays and holidays none, Thursdays half; the line achieves a random
    share of plan), if card bodies are in stock; a QC failure is made again the next day →
    shipped to the province (measured transit) → ready at the office → collected, or voided
    after 90 days.

The promise model (`promise.promise`) is asked at booking, at enrolment and at production
start with what the twin knows at that moment (queue, bookings ahead, planned capacity,
stock, deliveries on order, measured achieved capacity, QC failures and transit times), and
every card that becomes ready is compared with its promises: the same run measures the
promise accuracy.

Offices are pooled per province (one seat calendar per province): at 1:1000 a county's office
sees a request every few days, too few to model seat by seat.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import statistics
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import simpy

from hoviat.planning.engine import promise as promise_model
from hoviat.planning.engine.calendar import Day, build_days, days_in_months, jalali_start
from hoviat.planning.engine.scenario import (
    BASE_SHIFTS_PER_WEEK,
    ELIGIBLE_SHARE,
    Plan,
    Scenario,
    ScenarioError,
)

# Relative demand by Jalali month (Farvardin's factor applies after Nowruz, see _demand_factor).
SEASON = (2.6, 1.4, 1.0, 0.8, 0.6, 0.75, 1.0, 1.0, 0.9, 0.9, 1.0, 1.2)
NOWRUZ_DAYS = 13  # 1–13 Farvardin: holidays and travel, few requests
# Peak traced memory per application (tracemalloc, 12 months at 1:2000): about 1.8 kB; with a
# margin for the larger per-day arrays of longer runs.
BYTES_PER_APPLICATION = 2_500
WITHIN = {"booking": 5, "enrolment": 2, "production_start": 2}
BOOKING_HORIZON_DAYS = 400  # seats are offered this far beyond the simulated period


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean < 30:
        limit, k, product = math.exp(-mean), 0, rng.random()
        while product > limit:
            k += 1
            product *= rng.random()
        return k
    return max(0, round(rng.gauss(mean, math.sqrt(mean))))


def _quantile(ordered: list[float], q: float) -> float | None:
    if not ordered:
        return None
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 1)


def _integerise(rates: list[float]) -> list[int]:
    """Whole seats or cards per day whose running total follows the running total of `rates`."""
    out, total, given = [], 0.0, 0
    for rate in rates:
        total += rate
        whole = int(total + 1e-9)
        out.append(whole - given)
        given = whole
    return out


def estimate_applications(scenario: Scenario, *, months: int, scale: float) -> int:
    eligible = sum(p.population * p.demand_factor for p in scenario.provinces.values())
    yearly = eligible * ELIGIBLE_SHARE * scenario.requests_per_eligible_year * scale
    surge = sum(max(0.0, s.factor - 1.0) for s in scenario.surge if s.month <= months) / 12
    return int(yearly * (months / 12 + surge) * 1.1) + 1


def available_memory_bytes() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def check_memory(scenario: Scenario, *, months: int, scale: float) -> None:
    """Refuse, before starting, a run whose applications would not fit in memory."""
    needed = estimate_applications(scenario, months=months, scale=scale) * BYTES_PER_APPLICATION
    available = available_memory_bytes()
    if available is not None and needed > 0.7 * available:
        raise ScenarioError(
            f"--scale {scale:g} over {months} months would simulate about "
            f"{estimate_applications(scenario, months=months, scale=scale):,} applications, "
            f"needing about {needed / 2**30:.1f} GiB; this machine has "
            f"{available / 2**30:.1f} GiB available. Use a smaller --scale or fewer --months."
        )


@dataclass(slots=True)
class Application:
    province: str
    requested: float
    appointment: int = -1
    produced: int = -1
    ready: int = -1
    attempts: int = 0
    made: simpy.Event | None = None
    promises: dict[str, int] = field(default_factory=dict)  # point → promised ready day


class Twin:
    def __init__(
        self,
        scenario: Scenario,
        plan: Plan | None = None,
        *,
        months: int,
        scale: float,
        seed: int,
        with_promises: bool = True,
        progress: Callable[[float], None] | None = None,
    ) -> None:
        if months < 1 or months > 120:
            raise ScenarioError("--months must be between 1 and 120")
        if not (0 < scale <= 1):
            raise ScenarioError("--scale must be above 0 and at most 1")
        self.scenario = scenario
        self.plan = plan or Plan()
        self.months = months
        self.scale = scale
        self.rng = random.Random(seed)
        self.with_promises = with_promises
        self.progress = progress
        self.start = jalali_start(scenario.start)
        self.horizon = days_in_months(self.start, months)
        self.days: list[Day] = build_days(self.start, self.horizon + BOOKING_HORIZON_DAYS)
        self.codes = sorted(scenario.provinces)
        self.env = simpy.Environment()
        self._setup_capacity()
        # State
        self.queue: deque[Application] = deque()
        self.stock = self.stock_target
        self.booked = {code: [0] * len(self.days) for code in self.codes}
        self.booked_national = [0] * len(self.days)
        self.next_free = dict.fromkeys(self.codes, 0)
        self.transit_seen: dict[str, deque[float]] = {c: deque(maxlen=60) for c in self.codes}
        self.achieved_seen: deque[float] = deque(maxlen=30)
        self.qc_seen: deque[tuple[int, int]] = deque(maxlen=30)
        self.capacity_windows: dict[int, dict[dt.date, float]] = {}
        self.stockout_days = {
            d
            for s in scenario.stockouts
            for d in range(s.start_day, s.start_day + s.days)
            if d < len(self.days)
        }
        self.stockout_ends = {s.start_day + s.days for s in scenario.stockouts}
        self.extra_arrivals: dict[int, int] = {}
        for order in self.plan.card_body_orders:
            day = order.order_day + scenario.card_body_lead_days
            self.extra_arrivals[day] = self.extra_arrivals.get(day, 0) + round(order.count * scale)
        # Records
        self.applications: list[Application] = []
        self.daily: list[dict[str, float]] = []
        self.abandoned = 0
        self.no_shows = 0
        self.qc_failures = 0

    # -- set-up ------------------------------------------------------------------------------

    def _setup_capacity(self) -> None:
        s, scale = self.scenario, self.scale
        multiplier = (BASE_SHIFTS_PER_WEEK + self.plan.production_shifts_per_week) / (
            BASE_SHIFTS_PER_WEEK
        )
        self.production_planned = [
            s.production_per_day * scale * multiplier * day.work_share for day in self.days
        ]
        working = [d.work_share for d in self.days[:365]]
        work_per_week = 7 * sum(working) / len(working)
        self.mean_daily_capacity = sum(self.production_planned[:365]) / 365
        self.stock_target = round(s.initial_stock_days * self.mean_daily_capacity)
        self.demand_rate: dict[str, float] = {}
        self.seats: dict[str, list[int]] = {}
        for code in self.codes:
            province = s.provinces[code]
            eligible = province.population * ELIGIBLE_SHARE * province.demand_factor
            per_day = eligible * s.requests_per_eligible_year / 365 * scale
            self.demand_rate[code] = per_day
            if province.seats_per_day is not None:
                seats_full_day = province.seats_per_day * scale
            else:
                seats_full_day = per_day * 7 / work_per_week * s.seat_margin
            added = self.plan.office_seats_per_week.get(code, 0) * scale / work_per_week
            rates = [(seats_full_day + added) * day.work_share for day in self.days]
            for temporary in self.plan.temporary_seats:
                extra = temporary.office_seats_per_week.get(code, 0) * scale / work_per_week
                for d in range(temporary.from_day, min(temporary.to_day, len(rates))):
                    rates[d] += extra * self.days[d].work_share
            self.seats[code] = _integerise(rates)
        self.surge_by_month = {surge.month: surge.factor for surge in s.surge}

    def _demand_factor(self, day: Day) -> float:
        factor = SEASON[day.jalali_month - 1]
        if day.jalali_month == 1 and day.jalali_day <= NOWRUZ_DAYS:
            factor = 0.3
        if day.date.weekday() == 4 or day.holiday:
            factor *= 0.5
        return factor * self.surge_by_month.get(day.month_index, 1.0)

    # -- the promise model, asked with what is known now ----------------------------------------

    def _capacity_window(self, first: int) -> dict[dt.date, float]:
        window = self.capacity_windows.get(first)
        if window is None:
            window = {
                self.days[d].date: self.production_planned[d]
                for d in range(first, min(first + 150, len(self.days)))
                if self.production_planned[d] > 0
            }
            self.capacity_windows[first] = window
            if len(self.capacity_windows) > 4:
                self.capacity_windows.pop(next(iter(self.capacity_windows)))
        return window

    def _deliveries(self, today: int) -> list[tuple[dt.date, int]]:
        weekly = round(7 * self.mean_daily_capacity)
        known = []
        day = today + 1
        if today in self.stockout_days:
            day = min(e for e in self.stockout_ends if e > today)
        while day < min(today + 120, len(self.days)):
            if day % 7 == 0 or day in self.stockout_ends:
                known.append((self.days[day].date, weekly))
            day += 1
        known += [
            (self.days[d].date, n)
            for d, n in self.extra_arrivals.items()
            if today < d < len(self.days)
        ]
        return known

    def _promise(self, app: Application, point: str, today: int, **extra: Any) -> None:
        if not self.with_promises:
            return
        achieved = statistics.fmean(self.achieved_seen) if self.achieved_seen else 1.0
        spread = (
            statistics.pstdev(self.achieved_seen) / achieved if len(self.achieved_seen) > 2 else 0.1
        )
        attempts = sum(a for a, _ in self.qc_seen)
        failures = sum(f for _, f in self.qc_seen)
        qc_rate = failures / attempts if attempts >= 50 else self.scenario.qc_fail_rate
        # The line runs early in the day: by the time of a booking or an enrolment today's
        # capacity is spent, so the cards ahead are made from tomorrow on.
        first = today if point == "production_start" else today + 1
        state = promise_model.PipelineState(
            point=point,
            today=self.days[today].date,
            capacity_by_day=self._capacity_window(first),
            stock_on_hand=0 if today in self.stockout_days else self.stock,
            deliveries=self._deliveries(today),
            qc_fail_rate=qc_rate,
            transit_days=tuple(self.transit_seen[app.province]),
            default_transit_days=self.scenario.provinces[app.province].transit_days,
            capacity_achieved=achieved,
            capacity_spread=spread,
            **extra,
        )
        answer = promise_model.promise(state)
        app.promises[point] = (answer.date - self.start).days

    # -- processes -------------------------------------------------------------------------------

    def _book(self, app: Application, today: int) -> int:
        code = app.province
        seats, booked = self.seats[code], self.booked[code]
        first = max(self.next_free[code], today + 1)
        while first < len(seats) - 1 and booked[first] >= seats[first]:
            first += 1
        self.next_free[code] = first
        day = first
        if self.rng.random() < 0.4:  # some choose a later day that suits them
            day = first + self.rng.randint(1, 7)
        while day < len(seats) - 1 and booked[day] >= seats[day]:
            day += 1
        booked[day] += 1
        self.booked_national[day] += 1
        return day

    def _application(self, app: Application):
        env, rng, s = self.env, self.rng, self.scenario
        yield env.timeout(rng.random() + rng.expovariate(1 / s.payment_delay_days))
        while True:
            today = int(env.now)
            if today >= self.horizon:
                return
            app.appointment = self._book(app, today)
            show_rate = 1 - s.no_show_rate
            ahead = [
                (self.days[d].date, self.booked_national[d])
                for d in range(today + 1, app.appointment)
                if self.booked_national[d]
            ]
            ahead.append(
                (self.days[app.appointment].date, self.booked_national[app.appointment] // 2)
            )
            self._promise(
                app,
                "booking",
                today,
                queue_ahead=len(self.queue),
                appointment_date=self.days[app.appointment].date,
                booked_ahead_by_day=ahead,
                show_rate=show_rate,
                earliest_production=self.days[min(app.appointment + 1, len(self.days) - 1)].date,
            )
            yield env.timeout(app.appointment + 0.4 - env.now)
            self.booked_national[app.appointment] -= 1
            if rng.random() >= s.no_show_rate:
                break
            self.no_shows += 1
            if rng.random() >= s.rebook_share:
                self.abandoned += 1
                return
            yield env.timeout(rng.uniform(0.5, 6))
        today = app.appointment
        self._promise(
            app,
            "enrolment",
            today,
            queue_ahead=len(self.queue),
            earliest_production=self.days[today + 1].date,
        )
        app.made = env.event()
        self.queue.append(app)
        produced = yield app.made
        app.produced = produced
        province = s.provinces[app.province]
        transit = max(
            1, round(province.transit_days) + rng.choices((-1, 0, 1, 2), (15, 60, 20, 5))[0]
        )
        self.transit_seen[app.province].append(transit)
        app.ready = produced + transit

    def _arrivals(self):
        env, rng = self.env, self.rng
        for day in self.days[: self.horizon]:
            yield env.timeout(day.index - env.now)
            factor = self._demand_factor(day)
            for code in self.codes:
                for _ in range(_poisson(rng, self.demand_rate[code] * factor)):
                    app = Application(province=code, requested=day.index + rng.random() * 0.9)
                    self.applications.append(app)
                    env.process(self._application(app))
            if self.progress and day.index % 30 == 0:
                self.progress(day.index / self.horizon)

    def _production(self):
        env, rng, s = self.env, self.rng, self.scenario
        for day in range(self.horizon):
            yield env.timeout(day + 0.1 - env.now)
            if day in self.stockout_days and day - 1 not in self.stockout_days:
                self.stock = 0  # the stock on hand is recalled (a faulty batch); none arrives
            if (day % 7 == 0 and day not in self.stockout_days) or day in self.stockout_ends:
                self.stock = max(self.stock, self.stock_target)  # the regular supplier
            self.stock += self.extra_arrivals.get(day, 0)
            planned = self.production_planned[day]
            achieved_share = min(1.05, max(0.0, rng.gauss(0.95, 0.04)))
            if rng.random() < 0.02:
                achieved_share *= 0.5  # a breakdown
            capacity = int(planned * achieved_share + rng.random())
            attempts = min(capacity, self.stock, len(self.queue))
            if planned > 0 and len(self.queue) >= planned and self.stock >= planned:
                self.achieved_seen.append(capacity / planned)
            failed = []
            for _ in range(attempts):
                app = self.queue.popleft()
                if app.attempts == 0:
                    self._promise(app, "production_start", day, queue_ahead=0)
                app.attempts += 1
                if rng.random() < s.qc_fail_rate:
                    failed.append(app)
                    continue
                assert app.made is not None
                app.made.succeed(day)
            self.stock -= attempts
            self.qc_failures += len(failed)
            self.qc_seen.append((attempts, len(failed)))
            self.queue.extendleft(reversed(failed))
            self.daily.append(
                {
                    "queue": len(self.queue),
                    "stock": self.stock,
                    "waiting": sum(self.booked_national[day + 1 : day + 120]),
                }
            )

    # -- run and report --------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        started = time.perf_counter()
        self.env.process(self._arrivals())
        self.env.process(self._production())
        self.env.run(until=self.horizon)
        return self._report(time.perf_counter() - started)

    def _report(self, seconds: float) -> dict[str, Any]:
        rng = random.Random(0)
        days = self.days
        horizon = self.horizon
        month_labels = []
        for day in days[:horizon]:
            if not month_labels or month_labels[-1] != day.month_label:
                month_labels.append(day.month_label)
        index_of = {label: i for i, label in enumerate(month_labels)}
        per_month: list[dict[str, Any]] = [
            {
                "month": label,
                "requests": 0,
                "enrolments": 0,
                "cards_ready": 0,
                "collected": 0,
                "voided": 0,
                "_lead": [],
            }
            for label in month_labels
        ]
        per_province: dict[str, dict[str, Any]] = {
            code: {"requests": 0, "_lead": [], "_by_month": [[] for _ in month_labels]}
            for code in self.codes
        }
        all_lead: list[float] = []
        errors: dict[str, list[int]] = {point: [] for point in WITHIN}
        for app in self.applications:
            month = index_of[days[int(app.requested)].month_label]
            per_month[month]["requests"] += 1
            province = per_province[app.province]
            province["requests"] += 1
            if 0 <= app.appointment < horizon and app.made is not None:
                per_month[index_of[days[app.appointment].month_label]]["enrolments"] += 1
            if app.ready < 0 or app.ready >= horizon:
                # Not ready by the end: counted with its age so far (a wait at least this long).
                if app.made is not None or app.appointment >= 0:
                    lead = horizon - app.requested
                    per_month[month]["_lead"].append(lead)
                    province["_by_month"][month].append(lead)
                continue
            lead = app.ready - app.requested
            all_lead.append(lead)
            province["_lead"].append(lead)
            province["_by_month"][month].append(lead)
            per_month[month]["_lead"].append(lead)
            per_month[index_of[days[app.ready].month_label]]["cards_ready"] += 1
            if rng.random() < self.scenario.uncollected_share:
                collected = app.ready + self.scenario.void_after_days + 1
            else:
                collected = app.ready + int(rng.expovariate(1 / self.scenario.collection_days))
            if collected > app.ready + self.scenario.void_after_days:
                void_day = app.ready + self.scenario.void_after_days
                if void_day < horizon:
                    per_month[index_of[days[void_day].month_label]]["voided"] += 1
            elif collected < horizon:
                per_month[index_of[days[collected].month_label]]["collected"] += 1
            for point, promised in app.promises.items():
                errors[point].append(app.ready - promised)
        month_end = {}
        for day in days[:horizon]:
            month_end[day.month_label] = day.index
        for row in per_month:
            lead = sorted(row.pop("_lead"))
            row["lead_time_p50"] = _quantile(lead, 0.5)
            row["lead_time_p95"] = _quantile(lead, 0.95)
            end = month_end[row["month"]]
            daily = self.daily[end]
            row["queue_end"] = daily["queue"]
            row["appointments_waiting_end"] = daily["waiting"]
            row["stock_end"] = daily["stock"]
            row["stock_cover_days_end"] = round(daily["stock"] / self.mean_daily_capacity, 1)
        provinces_out = {}
        for code in self.codes:
            data = per_province[code]
            lead = sorted(data["_lead"])
            provinces_out[code] = {
                "name": self.scenario.provinces[code].name_fa,
                "requests": data["requests"],
                "lead_time_p50": _quantile(lead, 0.5),
                "lead_time_p95": _quantile(lead, 0.95),
                "lead_time_p95_by_month": [_quantile(sorted(x), 0.95) for x in data["_by_month"]],
            }
        promise_out = {}
        for point, within in WITHIN.items():
            values = errors[point]
            promise_out[point] = {
                "within_days": within,
                "share": round(sum(abs(e) <= within for e in values) / len(values), 4)
                if values
                else None,
                "share_within_2": round(sum(abs(e) <= 2 for e in values) / len(values), 4)
                if values
                else None,
                "mae_days": round(statistics.fmean(abs(e) for e in values), 2) if values else None,
                "bias_days": round(statistics.fmean(values), 2) if values else None,
                "cards": len(values),
            }
        weekly = []
        for start in range(0, horizon, 7):
            chunk = self.daily[start : start + 7]
            ready = sorted(
                a.ready - a.requested for a in self.applications if start <= a.ready < start + 7
            )
            weekly.append(
                {
                    "week_start": days[start].date.isoformat(),
                    "month": days[start].month_label,
                    "queue": chunk[-1]["queue"],
                    "appointments_waiting": chunk[-1]["waiting"],
                    "stock_cover_days": round(chunk[-1]["stock"] / self.mean_daily_capacity, 1),
                    "lead_time_p50": _quantile(ready, 0.5),
                    "lead_time_p95": _quantile(ready, 0.95),
                }
            )
        all_lead.sort()
        return {
            "start": days[0].date.isoformat(),
            "start_jalali": self.scenario.start,
            "months_simulated": self.months,
            "scale": self.scale,
            "applications": len(self.applications),
            "no_shows": self.no_shows,
            "abandoned": self.abandoned,
            "qc_failures": self.qc_failures,
            "lead_time_days": {
                "p50": _quantile(all_lead, 0.5),
                "p90": _quantile(all_lead, 0.9),
                "p95": _quantile(all_lead, 0.95),
                "cards": len(all_lead),
            },
            "months": per_month,
            "provinces": provinces_out,
            "promise": promise_out,
            "weekly": weekly,
            "production_per_day_planned": round(self.mean_daily_capacity * 7 / 6, 1),
            "runtime_seconds": round(seconds, 2),
            "promise_model": promise_model.MODEL_VERSION,
        }


def simulate(
    scenario: Scenario,
    plan: Plan | None = None,
    *,
    months: int,
    scale: float,
    seed: int,
    with_promises: bool = True,
    progress: Callable[[float], None] | None = None,
) -> dict[str, Any]:
    check_memory(scenario, months=months, scale=scale)
    twin = Twin(
        scenario,
        plan,
        months=months,
        scale=scale,
        seed=seed,
        with_promises=with_promises,
        progress=progress,
    )
    return twin.run()
