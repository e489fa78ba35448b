"""Scenario and plan files of the digital twin, parsed strictly.

A scenario says what the world does (demand, surges, capacities, shortages); a plan says what
capacity the director adds (production shifts, office seats, card-body orders). Both are JSON;
every key is optional, an unknown key, an unknown province or a negative capacity is refused
with a `ScenarioError` whose message names the key (the command prints it and exits 2).

Capacities and counts are at FULL scale (the whole country); the simulation multiplies them by
its `--scale`. Days count from the simulation's first day (day 0); months from 1.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

PROVINCES_CSV = Path(__file__).resolve().parents[2] / "places" / "data" / "provinces.csv"

# Share of the population aged 15 and over (eligible for the card).
ELIGIBLE_SHARE = 0.75

# Days from the central production line (Tehran) to a province's offices, typical value.
TRANSIT_DAYS = {
    "IR-07": 1, "IR-32": 1, "IR-26": 2, "IR-28": 2, "IR-22": 2, "IR-12": 2, "IR-21": 2,
    "IR-11": 3, "IR-24": 3, "IR-04": 3, "IR-19": 3, "IR-27": 3, "IR-20": 3, "IR-25": 3,
    "IR-01": 3, "IR-03": 4, "IR-02": 4, "IR-16": 4, "IR-17": 4, "IR-08": 4, "IR-31": 4,
    "IR-30": 4, "IR-05": 4, "IR-10": 4, "IR-18": 4, "IR-14": 4, "IR-15": 5, "IR-06": 5,
    "IR-29": 5, "IR-23": 6, "IR-13": 6,
}  # fmt: skip


class ScenarioError(ValueError):
    """A scenario or plan file that cannot be used; the message says why, for a person."""


@dataclass(frozen=True)
class Province:
    code: str
    name_fa: str
    population: int
    demand_factor: float = 1.0
    seats_per_day: float | None = None  # full scale; None: sized from demand
    transit_days: float = 3.0


@dataclass(frozen=True)
class Surge:
    month: int  # simulation month, 1 = the first
    factor: float


@dataclass(frozen=True)
class Stockout:
    start_day: int
    days: int


@dataclass(frozen=True)
class Scenario:
    provinces: dict[str, Province]
    start: str = "1405-01-01"  # Jalali; the first day of a month
    surge: tuple[Surge, ...] = (Surge(month=12, factor=3.0),)
    stockouts: tuple[Stockout, ...] = (Stockout(start_day=200, days=21),)
    production_per_day: float = 75_000.0  # cards on a full working day, full scale
    requests_per_eligible_year: float = 0.25
    seat_margin: float = 1.3  # default office seats = margin × mean demand per working day
    no_show_rate: float = 0.07
    rebook_share: float = 0.7  # of no-shows, the share who book again
    qc_fail_rate: float = 0.02
    payment_delay_days: float = 1.0  # mean days from request to paid booking
    card_body_lead_days: int = 30
    initial_stock_days: float = 14.0
    uncollected_share: float = 0.05
    collection_days: float = 10.0  # mean days from ready to collection
    void_after_days: int = 90


@dataclass(frozen=True)
class CardBodyOrder:
    order_day: int
    count: int  # full scale


@dataclass(frozen=True)
class TemporarySeats:
    """Seats added for a while only (a peak): from `from_day` to before `to_day`."""

    from_day: int
    to_day: int
    office_seats_per_week: dict[str, int]  # full scale


@dataclass(frozen=True)
class Plan:
    production_shifts_per_week: int = 0  # added to the base 11 (two shifts, Thursday one)
    office_seats_per_week: dict[str, int] = field(default_factory=dict)  # full scale, all along
    card_body_orders: tuple[CardBodyOrder, ...] = ()
    temporary_seats: tuple[TemporarySeats, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "production_shifts_per_week": self.production_shifts_per_week,
            "office_seats_per_week": dict(sorted(self.office_seats_per_week.items())),
            "temporary_seats": [
                {
                    "from_day": t.from_day,
                    "to_day": t.to_day,
                    "office_seats_per_week": dict(sorted(t.office_seats_per_week.items())),
                }
                for t in self.temporary_seats
            ],
            "card_body_orders": [
                {"order_day": o.order_day, "count": o.count} for o in self.card_body_orders
            ],
            "meta": self.meta,
        }


BASE_SHIFTS_PER_WEEK = 11


def load_provinces() -> dict[str, Province]:
    with PROVINCES_CSV.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {
        row["code"]: Province(
            code=row["code"],
            name_fa=row["name_fa"],
            population=int(row["population_1395"]),
            transit_days=float(TRANSIT_DAYS.get(row["code"], 4)),
        )
        for row in rows
    }


def default_scenario() -> Scenario:
    return Scenario(provinces=load_provinces())


def _read_json(path: str | Path) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioError(f"{path}: cannot be read ({error.strerror or error})") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ScenarioError(
            f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None


def _object(value: Any, where: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ScenarioError(f"{where}: expected an object")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise ScenarioError(
            f"{where}: unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})"
        )
    return value


def _number(value: Any, where: str, *, minimum: float = 0.0, maximum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"{where}: expected a number, got {json.dumps(value)}")
    if value != value or value < minimum:  # NaN or below the minimum
        raise ScenarioError(f"{where}: must be at least {minimum:g}, got {value}")
    if maximum is not None and value > maximum:
        raise ScenarioError(f"{where}: must be at most {maximum:g}, got {value}")
    return float(value)


def _integer(value: Any, where: str, *, minimum: int = 0, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError(f"{where}: expected a whole number, got {json.dumps(value)}")
    if value < minimum:
        raise ScenarioError(f"{where}: must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ScenarioError(f"{where}: must be at most {maximum}, got {value}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ScenarioError(f"{where}: expected a list")
    return value


_SCENARIO_NUMBERS = {
    "production_per_day": (0.0, None),
    "requests_per_eligible_year": (0.0, 5.0),
    "seat_margin": (0.0, None),
    "no_show_rate": (0.0, 0.95),
    "rebook_share": (0.0, 1.0),
    "qc_fail_rate": (0.0, 0.9),
    "payment_delay_days": (0.0, 60.0),
    "initial_stock_days": (0.0, 365.0),
    "uncollected_share": (0.0, 1.0),
    "collection_days": (0.0, 365.0),
}
_PROVINCE_KEYS = {"demand_factor", "seats_per_day", "transit_days"}


def parse_scenario(data: Any, *, where: str = "scenario") -> Scenario:
    base = default_scenario()
    allowed = {
        "start",
        "surge",
        "stockouts",
        "provinces",
        "card_body_lead_days",
        "void_after_days",
        *_SCENARIO_NUMBERS,
    }
    obj = _object(data, where, allowed)
    changes: dict[str, Any] = {}
    for key, (low, high) in _SCENARIO_NUMBERS.items():
        if key in obj:
            changes[key] = _number(obj[key], f"{where}.{key}", minimum=low, maximum=high)
    for key in ("card_body_lead_days", "void_after_days"):
        if key in obj:
            changes[key] = _integer(obj[key], f"{where}.{key}", maximum=3650)
    if "start" in obj:
        changes["start"] = _jalali_month_start(obj["start"], f"{where}.start")
    if "surge" in obj:
        surges = []
        for i, item in enumerate(_list(obj["surge"], f"{where}.surge")):
            here = f"{where}.surge[{i}]"
            item = _object(item, here, {"month", "factor"})
            if "month" not in item or "factor" not in item:
                raise ScenarioError(f"{here}: needs both month and factor")
            surges.append(
                Surge(
                    month=_integer(item["month"], f"{here}.month", minimum=1, maximum=600),
                    factor=_number(item["factor"], f"{here}.factor", maximum=100.0),
                )
            )
        changes["surge"] = tuple(surges)
    if "stockouts" in obj:
        stockouts = []
        for i, item in enumerate(_list(obj["stockouts"], f"{where}.stockouts")):
            here = f"{where}.stockouts[{i}]"
            item = _object(item, here, {"start_day", "days"})
            if "start_day" not in item or "days" not in item:
                raise ScenarioError(f"{here}: needs both start_day and days")
            stockouts.append(
                Stockout(
                    start_day=_integer(item["start_day"], f"{here}.start_day", maximum=20_000),
                    days=_integer(item["days"], f"{here}.days", maximum=3650),
                )
            )
        changes["stockouts"] = tuple(stockouts)
    if "provinces" in obj:
        provinces = dict(base.provinces)
        given = obj["provinces"]
        if not isinstance(given, dict):
            raise ScenarioError(f"{where}.provinces: expected an object keyed by province code")
        for code, item in given.items():
            here = f"{where}.provinces.{code}"
            if code not in provinces:
                raise ScenarioError(
                    f"{here}: unknown province {code!r} (codes are IR-01 … IR-32, as in places)"
                )
            item = _object(item, here, _PROVINCE_KEYS)
            updates: dict[str, Any] = {}
            if "demand_factor" in item:
                updates["demand_factor"] = _number(
                    item["demand_factor"], f"{here}.demand_factor", maximum=100.0
                )
            if "seats_per_day" in item:
                updates["seats_per_day"] = _number(item["seats_per_day"], f"{here}.seats_per_day")
            if "transit_days" in item:
                updates["transit_days"] = _number(
                    item["transit_days"], f"{here}.transit_days", minimum=0.0, maximum=90.0
                )
            provinces[code] = replace(provinces[code], **updates)
        changes["provinces"] = provinces
    return replace(base, **changes)


def _jalali_month_start(value: Any, where: str) -> str:
    import jdatetime

    if not isinstance(value, str):
        raise ScenarioError(f"{where}: expected a Jalali date like 1405-01-01")
    try:
        year, month, day = (int(part) for part in value.split("-"))
        jdatetime.date(year, month, day)
    except ValueError:
        raise ScenarioError(f"{where}: not a Jalali date like 1405-01-01: {value!r}") from None
    if day != 1:
        raise ScenarioError(f"{where}: the simulation starts on the first day of a month")
    return f"{year:04d}-{month:02d}-01"


def parse_plan(data: Any, *, where: str = "plan") -> Plan:
    obj = _object(
        data,
        where,
        {
            "production_shifts_per_week",
            "office_seats_per_week",
            "temporary_seats",
            "card_body_orders",
            "meta",
        },
    )
    shifts = 0
    if "production_shifts_per_week" in obj:
        shifts = _integer(
            obj["production_shifts_per_week"], f"{where}.production_shifts_per_week", maximum=200
        )
    known = load_provinces()

    def seats_of(given: Any, where_seats: str) -> dict[str, int]:
        if not isinstance(given, dict):
            raise ScenarioError(f"{where_seats}: expected an object by province")
        seats: dict[str, int] = {}
        for code, value in given.items():
            here = f"{where_seats}.{code}"
            if code not in known:
                raise ScenarioError(f"{here}: unknown province {code!r}")
            seats[code] = _integer(value, here, maximum=10_000_000)
        return seats

    seats: dict[str, int] = {}
    if "office_seats_per_week" in obj:
        seats = seats_of(obj["office_seats_per_week"], f"{where}.office_seats_per_week")
    temporary = []
    for i, item in enumerate(_list(obj.get("temporary_seats", []), f"{where}.temporary_seats")):
        here = f"{where}.temporary_seats[{i}]"
        item = _object(item, here, {"from_day", "to_day", "office_seats_per_week"})
        if set(item) != {"from_day", "to_day", "office_seats_per_week"}:
            raise ScenarioError(f"{here}: needs from_day, to_day and office_seats_per_week")
        first = _integer(item["from_day"], f"{here}.from_day", maximum=20_000)
        last = _integer(item["to_day"], f"{here}.to_day", minimum=first, maximum=20_000)
        temporary.append(
            TemporarySeats(
                from_day=first,
                to_day=last,
                office_seats_per_week=seats_of(
                    item["office_seats_per_week"], f"{here}.office_seats_per_week"
                ),
            )
        )
    orders = []
    if "card_body_orders" in obj:
        for i, item in enumerate(_list(obj["card_body_orders"], f"{where}.card_body_orders")):
            here = f"{where}.card_body_orders[{i}]"
            item = _object(item, here, {"order_day", "count"})
            if "order_day" not in item or "count" not in item:
                raise ScenarioError(f"{here}: needs both order_day and count")
            orders.append(
                CardBodyOrder(
                    order_day=_integer(item["order_day"], f"{here}.order_day", maximum=20_000),
                    count=_integer(item["count"], f"{here}.count", maximum=1_000_000_000),
                )
            )
    meta = obj.get("meta", {})
    if not isinstance(meta, dict):
        raise ScenarioError(f"{where}.meta: expected an object")
    return Plan(
        production_shifts_per_week=shifts,
        office_seats_per_week=seats,
        card_body_orders=tuple(orders),
        temporary_seats=tuple(temporary),
        meta=meta,
    )


def load_scenario(path: str | Path | None) -> Scenario:
    if path is None:
        return default_scenario()
    return parse_scenario(_read_json(path), where=str(path))


def load_plan(path: str | Path | None) -> Plan:
    if path is None:
        return Plan()
    return parse_plan(_read_json(path), where=str(path))
