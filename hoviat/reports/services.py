"""Writes of the reports app: only its own aggregates, rebuilt from the lifecycle tables.

`reports_refresh` counts events by local (Tehran) day with set-based INSERT … SELECT … GROUP
BY statements, at the finest grain each figure needs (the citizen's county of residence, or
the office), then rolls the day rows up to coarser grains and into month rows. An
incremental refresh recomputes only the days from the last refresh (minus a margin); a full
one rebuilds everything, and the eligible population is recounted when the registry grew.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import re
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

import jdatetime
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from hoviat.applications.models import Application, ApplicationStatus
from hoviat.booking.models import Booking, BookingStatus, Slot
from hoviat.citizenship.selectors import citizenship_figures
from hoviat.core.audit import audit_record
from hoviat.delivery.models import Collection, Handover
from hoviat.enrolment.models import Enrolment
from hoviat.notifications.models import SMS_FAILED_STATUSES, SMS_SENT_STATUSES, SmsMessage
from hoviat.offices.models import Office
from hoviat.places.models import City
from hoviat.production.models import Card
from hoviat.registry.models import Citizen
from hoviat.registry.selectors import latest_birth_date_for_age
from hoviat.reports.conf import conf
from hoviat.reports.models import CitizenshipFigure, Fact, RefreshState

logger = logging.getLogger(__name__)

FACT = Fact._meta.db_table
APP = Application._meta.db_table
CIT = Citizen._meta.db_table
CITY = City._meta.db_table
ENR = Enrolment._meta.db_table
CARD = Card._meta.db_table
COL = Collection._meta.db_table
HO = Handover._meta.db_table
BK = Booking._meta.db_table
SLOT = Slot._meta.db_table
OFF = Office._meta.db_table
SMS = SmsMessage._meta.db_table

# Statuses written into the SQL below come from the models' constants, never from input.
REJECTED = ApplicationStatus.REJECTED.value
# Counted for the nation directly (every message), not rolled up from provinces (only the
# messages about an application have a province).
NATION_DIRECT_METRICS = ("sms_sent", "sms_failed")
# Rates: counted by Jalali month of the event (period "m" rows only, no day rows, `start` the
# Gregorian date of the Jalali month's 1st) and read over whole Jalali months, which keeps the
# lead-time histograms (a row per area, month and day count) to a few rows per area instead of
# one per day and day count.
MONTHLY_METRICS = (
    "lead_ready", "lead_handover", "in_goal", "goal_base", "attended", "missed", "sms_sent",
    "sms_failed",
)  # fmt: skip
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_/+\-]+$")


@dataclass(frozen=True)
class RefreshResult:
    full: bool
    since: dt.date | None
    eligible_recounted: bool
    rows: int
    seconds: float
    # (step, rows, seconds) in the order run: where a refresh spends its time.
    steps: tuple[tuple[str, int, float], ...] = ()


# --- SQL dialect ---------------------------------------------------------------------------


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _tz() -> str:
    name = str(settings.TIME_ZONE)
    if not _SAFE_NAME.match(name):  # inlined into SQL below
        raise ValueError(f"unexpected TIME_ZONE {name!r}")
    return name


def _day(column: str) -> str:
    """SQL for the local (Tehran) calendar date of a timestamp column."""
    if _postgres():
        return f"(({column}) AT TIME ZONE '{_tz()}')::date"
    return f"django_datetime_cast_date({column}, '{_tz()}', '{connection.timezone_name}')"


def _days_between(later: str, earlier: str) -> str:
    """SQL for whole days between two date expressions."""
    if _postgres():
        return f"(({later}) - ({earlier}))"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def _clamp(days: str, cap: int) -> str:
    """SQL for days kept within 0..cap (a card cannot be ready before its enrolment)."""
    return f"(CASE WHEN {days} < 0 THEN 0 WHEN {days} > {cap} THEN {cap} ELSE {days} END)"


def _month(column: str) -> str:
    if _postgres():
        return f"date_trunc('month', {column})::date"
    return f"date({column}, 'start of month')"


def _dt(value: dt.datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _date(value: dt.date):
    return connection.ops.adapt_datefield_value(value)


def _in(values: tuple[str, ...]) -> str:
    # Status names come from this module, never from input.
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


# --- Sources: one GROUP BY per metric ------------------------------------------------------

# Each source: (metric, FROM … WHERE clause with alias a for the application, the event time
# column, extra condition). Residence sources count in the citizen's county of residence.
_RESIDENCE = [
    (
        "requested",  # a person's first application: people who ever applied
        f"{APP} a",
        "a.created_at",
        f"NOT EXISTS (SELECT 1 FROM {APP} a2 WHERE a2.citizen_id = a.citizen_id "  # noqa: S608 (names and literals are code constants)  # nosec B608
        "AND a2.id < a.id)",
    ),
    ("enrolled", f"{APP} a", "a.enrolled_at", "a.enrolled_at IS NOT NULL"),
    (
        "dropped",  # rejected after enrolment: it leaves the production queue
        f"{APP} a",
        "a.closed_at",
        f"a.status = '{REJECTED}' AND a.enrolled_at IS NOT NULL AND a.closed_at IS NOT NULL",
    ),
    (
        "arrived",  # the application's first card reached an office
        f"{COL} c JOIN {CARD} k ON k.id = c.card_id JOIN {APP} a ON a.id = k.application_id",
        "c.arrived_at",
        f"NOT EXISTS (SELECT 1 FROM {COL} c2 JOIN {CARD} k2 ON k2.id = c2.card_id "  # noqa: S608 (names and literals are code constants)  # nosec B608
        "WHERE k2.application_id = k.application_id AND c2.id < c.id)",
    ),
    (
        "issued",  # a person's first card placed in their hand
        f"{HO} h JOIN {APP} a ON a.id = h.application_id",
        "h.handed_over_at",
        f"NOT EXISTS (SELECT 1 FROM {HO} h2 JOIN {APP} a2 ON a2.id = h2.application_id "  # noqa: S608 (names and literals are code constants)  # nosec B608
        "WHERE a2.citizen_id = a.citizen_id AND h2.id < h.id)",
    ),
    (
        "sms_sent",
        f"{SMS} s JOIN {APP} a ON s.object_type = 'applications.application' "
        "AND s.object_id = CAST(a.id AS TEXT)",
        "s.created_at",
        f"s.status IN {_in(SMS_SENT_STATUSES)}",
    ),
    (
        "sms_failed",
        f"{SMS} s JOIN {APP} a ON s.object_type = 'applications.application' "
        "AND s.object_id = CAST(a.id AS TEXT)",
        "s.created_at",
        f"s.status IN {_in(SMS_FAILED_STATUSES)}",
    ),
]


def _office_sources() -> list[tuple[str, str, str, str, str, str]]:
    """(metric, FROM, office column, event time, condition, bucket SQL) at the office grain."""
    cap, goal = int(conf("REPORTS_LEAD_CAP_DAYS")), int(conf("REPORTS_GOAL_DAYS"))
    enrolled_from = f"{APP} a JOIN {ENR} e ON e.application_id = a.id"
    collection_from = (
        f"{COL} c JOIN {CARD} k ON k.id = c.card_id JOIN {APP} a ON a.id = k.application_id"
    )
    handover_from = f"{HO} h JOIN {APP} a ON a.id = h.application_id"
    ready_days = _days_between(_day("c.arrived_at"), _day("a.enrolled_at"))
    handover_days = _days_between(_day("h.handed_over_at"), _day("a.enrolled_at"))
    request_days = _days_between(_day("h.handed_over_at"), _day("a.created_at"))
    return [
        (
            "o_enrolled",
            enrolled_from,
            "e.office_id",
            "a.enrolled_at",
            "a.enrolled_at IS NOT NULL",
            "0",
        ),
        (
            "o_dropped",
            enrolled_from,
            "e.office_id",
            "a.closed_at",
            f"a.status = '{REJECTED}' AND a.enrolled_at IS NOT NULL AND a.closed_at IS NOT NULL",
            "0",
        ),
        ("o_arrived", f"{COL} c", "c.office_id", "c.arrived_at", "1 = 1", "0"),
        (
            "o_collected",
            f"{COL} c",
            "c.office_id",
            "c.collected_at",
            "c.collected_at IS NOT NULL",
            "0",
        ),
        ("o_voided", f"{COL} c", "c.office_id", "c.voided_at", "c.voided_at IS NOT NULL", "0"),
        ("o_issued", f"{HO} h", "h.office_id", "h.handed_over_at", "1 = 1", "0"),
        (
            "in_goal",
            handover_from,
            "h.office_id",
            "h.handed_over_at",
            f"{request_days} <= {goal}",
            "0",
        ),
        ("goal_base", f"{HO} h", "h.office_id", "h.handed_over_at", "1 = 1", "0"),
        (
            "lead_ready",
            collection_from,
            "c.office_id",
            "c.arrived_at",
            "a.enrolled_at IS NOT NULL",
            _clamp(ready_days, cap),
        ),
        (
            "lead_handover",
            handover_from,
            "h.office_id",
            "h.handed_over_at",
            "a.enrolled_at IS NOT NULL",
            _clamp(handover_days, cap),
        ),
    ]


# --- The refresh ---------------------------------------------------------------------------

_COLUMNS = "grain, area, province, county, period, start, metric, bucket, value"


def _execute(sql: str, params: list | tuple = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


class _Steps:
    """Times each step of a refresh: the figures of the bench and of `report refresh -v 2`."""

    def __init__(self) -> None:
        self.done: list[tuple[str, int, float]] = []

    def run(self, name: str, call, *args, **kwargs) -> int:
        started = time.perf_counter()
        rows = call(*args, **kwargs)
        self.done.append((name, rows, time.perf_counter() - started))
        return rows


class _Since:
    """Where an incremental refresh starts: day rows from `day`, month rows from `month`."""

    def __init__(self, day: dt.date | None) -> None:
        self.day = day
        # The rates' Jalali month holding `day`; the counts' month rows are recomputed from
        # the Gregorian month holding that Jalali month's 1st (so every "m" row from there on,
        # rate or count, is replaced: each Gregorian month holds one Jalali 1st, on its
        # 19th-24th, so no rate row starts between the two).
        self.jmonth = jalali_month_first(day) if day else None
        self.month = self.jmonth.replace(day=1) if self.jmonth else None

    def events(self, column: str, metric: str) -> tuple[str, list]:
        """The condition on an event's time: from the first day or month recomputed."""
        first = self.jmonth if metric in MONTHLY_METRICS else self.day
        if first is None:
            return "", []
        return f" AND {column} >= %s", [_dt(_local_midnight(first))]

    def rows(self) -> tuple[str, list]:
        """The fact rows an incremental refresh replaces."""
        if self.day is None or self.month is None:  # both or neither
            return "", []
        return " AND ((period = 'd' AND start >= %s) OR (period = 'm' AND start >= %s))", [
            _date(self.day),
            _date(self.month),
        ]


def jalali_month_first(day: dt.date) -> dt.date:
    """The Gregorian date of the 1st of the Jalali month holding `day`."""
    j = jdatetime.date.fromgregorian(date=day)
    return jdatetime.date(j.year, j.month, 1).togregorian()


JMONTH = "reports_jmonth"


def jalali_month_table() -> list[tuple[dt.date, dt.date, dt.date]]:
    """(Gregorian month's 1st, the Jalali 1st inside it, the Jalali 1st before that), for the
    Jalali years 1300-1500: each Gregorian month holds exactly one Jalali 1st (a test checks
    it, on its 19th-24th), so a day's Jalali month is one equality join and one comparison."""
    firsts = [
        jdatetime.date(year, month, 1).togregorian()
        for year in range(1300, 1501)
        for month in range(1, 13)
    ]
    return [(cur.replace(day=1), cur, prev) for prev, cur in itertools.pairwise(firsts)]


def _jalali_months_prepare() -> None:
    """The session's lookup table of Jalali months (temporary, like reports_month)."""
    _execute(f"CREATE TEMP TABLE IF NOT EXISTS {JMONTH} (g date PRIMARY KEY, s date, p date)")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {JMONTH}")  # noqa: S608 (a code constant)  # nosec B608
        if cursor.fetchone()[0]:
            return
        cursor.executemany(
            f"INSERT INTO {JMONTH} (g, s, p) VALUES (%s, %s, %s)",  # noqa: S608 (a code constant)  # nosec B608
            [[_date(g), _date(s), _date(p)] for g, s, p in jalali_month_table()],
        )
    if _postgres():
        _execute(f"ANALYZE {JMONTH}")


def _jalali_month(day: str) -> tuple[str, str]:
    """(JOIN, start SQL): the Gregorian date of the 1st of the Jalali month of `day`."""
    join = f" JOIN {JMONTH} jm ON jm.g = {_month(day)}"
    return join, f"(CASE WHEN {day} >= jm.s THEN jm.s ELSE jm.p END)"


def _start(at: str, metric: str) -> tuple[str, str, str]:
    """(period, start SQL, JOIN it needs) of an event: its local day, or for rates its
    Jalali month."""
    if metric in MONTHLY_METRICS:
        join, start = _jalali_month(_day(at))
        return "m", start, join
    return "d", _day(at), ""


def _insert_residence(since: _Since, steps: _Steps) -> int:
    rows = 0
    for metric, from_sql, at, condition in _RESIDENCE:
        period, start, join = _start(at, metric)
        since_sql, params = since.events(at, metric)
        rows += steps.run(
            metric,
            _execute,
            f"INSERT INTO {FACT} ({_COLUMNS}) "  # noqa: S608 (names from models, not input)  # nosec B608
            f"SELECT 'c', COALESCE(ci.county_id, 0), cit.residence_province_id, NULL, "
            f"'{period}', {start}, '{metric}', 0, COUNT(*) "
            f"FROM {from_sql} JOIN {CIT} cit ON cit.id = a.citizen_id "
            f"LEFT JOIN {CITY} ci ON ci.id = cit.residence_city_id{join} "
            f"WHERE {condition}{since_sql} "
            f"GROUP BY COALESCE(ci.county_id, 0), cit.residence_province_id, {start}",
            params,
        )
    return rows


def _insert_offices(since: _Since, steps: _Steps) -> int:
    rows = 0
    for metric, from_sql, office, at, condition, bucket in _office_sources():
        period, start, join = _start(at, metric)
        since_sql, params = since.events(at, metric)
        rows += steps.run(
            metric,
            _execute,
            f"INSERT INTO {FACT} ({_COLUMNS}) "  # noqa: S608 (names and literals are code constants)  # nosec B608
            f"SELECT 'o', o.id, oc.province_id, oc.county_id, '{period}', {start}, "
            f"'{metric}', {bucket}, COUNT(*) "
            f"FROM {from_sql} JOIN {OFF} o ON o.id = {office} "
            f"JOIN {CITY} oc ON oc.id = o.city_id{join} "
            f"WHERE {condition}{since_sql} "
            f"GROUP BY o.id, oc.province_id, oc.county_id, {start}"
            + ("" if bucket == "0" else f", {bucket}"),
            params,
        )
    # Appointments are counted in their slot's Jalali month, once the sweep has marked them.
    join, month = _jalali_month("s.date")
    for status in (BookingStatus.ATTENDED.value, BookingStatus.MISSED.value):
        since_sql, params = ("", []) if since.jmonth is None else (
            " AND s.date >= %s", [_date(since.jmonth)]
        )  # fmt: skip
        rows += steps.run(
            status,
            _execute,
            f"INSERT INTO {FACT} ({_COLUMNS}) "  # noqa: S608 (names and literals are code constants)  # nosec B608
            f"SELECT 'o', o.id, oc.province_id, oc.county_id, 'm', {month}, '{status}', 0, "
            f"COUNT(*) FROM {BK} b JOIN {SLOT} s ON s.id = b.slot_id "
            f"JOIN {OFF} o ON o.id = s.office_id JOIN {CITY} oc ON oc.id = o.city_id{join} "
            f"WHERE b.status = '{status}'{since_sql} "
            f"GROUP BY o.id, oc.province_id, oc.county_id, {month}",
            params,
        )
    return rows


def _insert_nation_direct(since: _Since) -> int:
    rows = 0
    for metric, statuses in (("sms_sent", SMS_SENT_STATUSES), ("sms_failed", SMS_FAILED_STATUSES)):
        period, start, join = _start("s.created_at", metric)
        since_sql, params = since.events("s.created_at", metric)
        rows += _execute(
            f"INSERT INTO {FACT} ({_COLUMNS}) "  # noqa: S608 (names and literals are code constants)  # nosec B608
            f"SELECT 'n', 0, NULL, NULL, '{period}', {start}, '{metric}', 0, COUNT(*) "
            f"FROM {SMS} s{join} WHERE s.status IN {_in(statuses)}{since_sql} GROUP BY {start}",
            params,
        )
    return rows


def _roll_up(*, since: _Since, eligible: bool) -> int:
    """Rows of the finer grains summed into coarser ones: office → county → province →
    nation (day rows, and the month rows of the rates)."""
    if eligible:
        which = "metric = 'eligible' AND period = 'd'"
    else:
        which = f"metric <> 'eligible' AND (period = 'd' OR metric IN {_in(MONTHLY_METRICS)})"
    since_sql, params = since.rows()
    direct = _in(NATION_DIRECT_METRICS)
    steps = [
        ("'c', county, province, NULL", "county, province", "grain = 'o'"),
        ("'p', province, province, NULL", "province", "grain = 'c'"),
        ("'n', 0, NULL, NULL", "", f"grain = 'p' AND metric NOT IN {direct}"),
    ]
    rows = 0
    for target, group, source in steps:
        group_sql = f"{group}, " if group else ""
        rows += _execute(
            f"INSERT INTO {FACT} ({_COLUMNS}) "  # noqa: S608 (names and literals are code constants)  # nosec B608
            f"SELECT {target}, period, start, metric, bucket, SUM(value) FROM {FACT} "
            f"WHERE {source} AND {which}{since_sql} "
            f"GROUP BY {group_sql}period, start, metric, bucket",
            params,
        )
    return rows


def _months(*, since: _Since, eligible: bool) -> int:
    """Month rows of the counts: the day rows of each calendar month summed, so that a
    count as of a day sums a row per earlier month and the day rows of its own month."""
    which = "metric = 'eligible'" if eligible else f"metric NOT IN {_in(MONTHLY_METRICS)}"
    if not eligible:
        which += " AND metric <> 'eligible'"
    month = _month("start")
    since_sql, params = ("", []) if since.month is None else (
        " AND start >= %s", [_date(since.month)]
    )  # fmt: skip
    return _execute(
        f"INSERT INTO {FACT} ({_COLUMNS}) "  # noqa: S608 (names and literals are code constants)  # nosec B608
        f"SELECT grain, area, province, county, 'm', {month}, metric, bucket, SUM(value) "
        f"FROM {FACT} WHERE period = 'd' AND {which}{since_sql} "
        f"GROUP BY grain, area, province, county, {month}, metric, bucket",
        params,
    )


# Every grain: lets PostgreSQL use the indexes that lead with the grain.
_GRAINS = "grain IN ('n', 'p', 'c', 'o')"


def _previous_month(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


def _running_totals(*, since: _Since, eligible: bool) -> int:
    """Period "c" rows: for every area and count, the total through the end of each month,
    every month from its first one on. A count as of a day is then the "c" row of the month
    before plus the day rows of its own month: a row or two per area, whatever the history.
    An incremental refresh recomputes the months from its first one, on the month before's
    total."""
    which = "metric = 'eligible'" if eligible else (
        f"metric <> 'eligible' AND metric NOT IN {_in(MONTHLY_METRICS)}"
    )  # fmt: skip
    first_month = since.month if since.month and not eligible else None
    if first_month:
        _execute(
            f"DELETE FROM {FACT} WHERE period = 'c' AND {which} AND start >= %s",  # noqa: S608 (names and literals are code constants)  # nosec B608
            [_date(first_month)],
        )
    else:
        _execute(f"DELETE FROM {FACT} WHERE period = 'c' AND {which}")  # noqa: S608 (names and literals are code constants)  # nosec B608
    if first_month:
        earliest = first_month  # the months before keep their totals: no scan for the first
    else:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MIN(start) FROM {FACT} WHERE period = 'm' AND {which}")  # noqa: S608 (names and literals are code constants)  # nosec B608
            earliest = cursor.fetchone()[0]
    if earliest is None:
        return 0
    if isinstance(earliest, str):
        earliest = dt.date.fromisoformat(earliest)
    month = first_month or earliest.replace(day=1)
    last = max(timezone.localdate(), earliest).replace(day=1)
    months = []
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    _execute("CREATE TEMP TABLE IF NOT EXISTS reports_month (m date)")
    _execute("DELETE FROM reports_month")
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO reports_month (m) VALUES (%s)", [[_date(m)] for m in months]
        )
    if _postgres():
        _execute("ANALYZE reports_month")  # temporary tables get no automatic statistics
    key = "k.grain, k.area, k.province, k.county, k.metric"
    # Province is NULL only at the nation grain (area 0); 0 is no province's id. Plain
    # equalities let PostgreSQL hash or merge on every column of the key.
    match = (
        "{t}.grain = k.grain AND {t}.area = k.area AND {t}.metric = k.metric "
        "AND COALESCE({t}.province, 0) = COALESCE(k.province, 0)"
    )
    # The areas and counts to total: every one with a month row (full), or, incrementally,
    # those with a total for the month before or a month row since (no scan of history).
    keys = f"(SELECT * FROM {FACT} WHERE period = 'm' AND {which}) f0"  # noqa: S608 (names and literals are code constants)  # nosec B608
    key_params: list = []
    if first_month:
        keys = (
            f"(SELECT grain, area, province, county, metric, start FROM {FACT} "  # noqa: S608 (names and literals are code constants)  # nosec B608
            f"WHERE {_GRAINS} AND period = 'c' AND start = %s AND {which} UNION ALL "
            f"SELECT grain, area, province, county, metric, start FROM {FACT} "
            f"WHERE {_GRAINS} AND period = 'm' AND start >= %s AND {which}) f0"
        )
        key_params = [_date(_previous_month(first_month)), _date(first_month)]
    base_join, base_value, params = "", "0", []
    if first_month:
        base_join = (
            f"LEFT JOIN {FACT} b ON b.period = 'c' AND b.start = %s AND {match.format(t='b')} "
        )
        base_value, params = "COALESCE(MAX(b.value), 0)", [_date(_previous_month(first_month))]
    # PostgreSQL merges the month rows on (grain, area) alone and filters the rest: a
    # nation's or a busy office's thousands of month rows against each other (24 s for
    # 20,000 applications). Hashing on the whole key is linear.
    # An incremental refresh probes the few keys it recomputes by index: left as planned.
    with _planner_off("enable_mergejoin") if first_month is None else nullcontext():
        return _totals_insert(key, keys, base_join, base_value, match, [*key_params, *params])


@contextmanager
def _planner_off(setting: str):
    if not _postgres():
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s)", [setting])
        before = cursor.fetchone()[0]
        cursor.execute("SELECT set_config(%s, 'off', true)", [setting])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, true)", [setting, before])


def _totals_insert(key, keys, base_join, base_value, match, params) -> int:
    return _execute(
        f"INSERT INTO {FACT} ({_COLUMNS}) "  # noqa: S608 (names and literals are code constants)  # nosec B608
        f"SELECT grain, area, province, county, 'c', m, metric, 0, "
        f"base + SUM(added) OVER (PARTITION BY grain, area, province, metric ORDER BY m) "
        f"FROM (SELECT {key}, mo.m AS m, {base_value} AS base, "
        f"COALESCE(SUM(f.value), 0) AS added "
        f"FROM (SELECT grain, area, province, MAX(county) AS county, metric, "
        f"MIN(start) AS first FROM {keys} GROUP BY grain, area, province, metric) k "
        f"JOIN reports_month mo ON mo.m >= k.first "
        f"{base_join}"
        f"LEFT JOIN {FACT} f ON f.period = 'm' AND f.start = mo.m "
        f"AND {match.format(t='f')} "
        f"GROUP BY {key}, mo.m) totals",
        params,
    )


def birth_floor() -> dt.date:
    """Birth dates before this are stored as this: every as-of date counts them alike."""
    return latest_birth_date_for_age(
        age=settings.CARD_MINIMUM_AGE, on=conf("REPORTS_EARLIEST_DATE")
    )


def _recount_eligible() -> int:
    """The eligible population by county of residence and (clamped) birth date."""
    _execute(f"DELETE FROM {FACT} WHERE metric = 'eligible'")  # noqa: S608 (names and literals are code constants)  # nosec B608
    floor = _date(birth_floor())
    born = "CASE WHEN cit.birth_date < %s THEN %s ELSE cit.birth_date END"
    rows = _execute(
        f"INSERT INTO {FACT} ({_COLUMNS}) "  # noqa: S608 (names and literals are code constants)  # nosec B608
        f"SELECT 'c', COALESCE(ci.county_id, 0), cit.residence_province_id, NULL, 'd', "
        f"{born}, 'eligible', 0, COUNT(*) FROM {CIT} cit "
        f"LEFT JOIN {CITY} ci ON ci.id = cit.residence_city_id "
        "WHERE cit.is_alive = %s AND cit.has_photo_shenasnameh = %s "
        f"GROUP BY COALESCE(ci.county_id, 0), cit.residence_province_id, {born}",
        [floor, floor, True, True, floor, floor],
    )
    rows += _roll_up(since=_Since(None), eligible=True)
    rows += _months(since=_Since(None), eligible=True)
    rows += _running_totals(since=_Since(None), eligible=True)
    return rows


BUILD_SCHEMA = "reports_build"


class _Shadow:
    """A full rebuild on PostgreSQL writes a new fact table, then swaps it in.

    The new table is made in its own schema, put first on the search path, so every statement
    of the refresh writes it under the same name; it gets its indexes once filled (one sorted
    build each, rather than millions of index inserts) and replaces the live table at the end
    of the transaction. Pages keep reading the old figures until then, and the old rows leave
    no dead tuples behind. Without the right to create a schema the refresh works in place.
    """

    def __init__(self, schema: str, path: str, rebuild: list[str]) -> None:
        self.schema, self.path, self.rebuild = schema, path, rebuild

    @classmethod
    def begin(cls) -> _Shadow | None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.oid = %s::regclass",
                [FACT],
            )
            schema = cursor.fetchone()[0]
            cursor.execute("SHOW search_path")
            path = cursor.fetchone()[0]
            live = f'"{schema}".{FACT}'
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('p', 'u') ORDER BY contype",
                [live],
            )
            rebuild = [
                f'ALTER TABLE "{BUILD_SCHEMA}".{FACT} ADD CONSTRAINT "{name}" {definition}'
                for name, definition in cursor.fetchall()
            ]
            cursor.execute(
                "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = "
                "%s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                "WHERE c.conindid = i.indexrelid) ORDER BY i.indexrelid",
                [live],
            )
            for (definition,) in cursor.fetchall():
                on = f" ON {schema}.{FACT} "
                if on not in definition:
                    raise RuntimeError(f"unexpected index definition {definition!r}")
                rebuild.append(definition.replace(on, f' ON "{BUILD_SCHEMA}".{FACT} '))
        try:
            with transaction.atomic():  # a savepoint: the refresh goes on without it
                _execute(f'DROP SCHEMA IF EXISTS "{BUILD_SCHEMA}" CASCADE')
                _execute(f'CREATE SCHEMA "{BUILD_SCHEMA}"')
        except DatabaseError:
            logger.warning("reports: cannot create schema %s, refreshing in place", BUILD_SCHEMA)
            return None
        _execute(
            f'CREATE TABLE "{BUILD_SCHEMA}".{FACT} (LIKE {live} INCLUDING DEFAULTS '
            "INCLUDING IDENTITY INCLUDING CONSTRAINTS INCLUDING STORAGE)"
        )
        _execute(f'SET LOCAL search_path TO "{BUILD_SCHEMA}", {path}')
        return cls(schema, path, rebuild)

    def swap(self, steps: _Steps) -> None:
        """Indexes built, statistics taken, the live table replaced."""
        for number, sql in enumerate(self.rebuild, start=1):
            steps.run(f"index_{number}", _execute, sql)
        steps.run("analyze", _execute, f'ANALYZE "{BUILD_SCHEMA}".{FACT}')
        started = time.perf_counter()
        _execute(f'DROP TABLE "{self.schema}".{FACT}')
        _execute(f'ALTER TABLE "{BUILD_SCHEMA}".{FACT} SET SCHEMA "{self.schema}"')
        _execute(f'DROP SCHEMA "{BUILD_SCHEMA}"')
        _execute(f"SET LOCAL search_path TO {self.path}")
        steps.done.append(("swap", 0, time.perf_counter() - started))


def _citizenship_rebuild() -> int:
    """The citizenship cases' figures, all rebuilt: a few hundred area rows from GROUP BYs
    over the cases (their ages and overdue inquiries are counted as of today)."""
    today = timezone.localdate()
    rows = [CitizenshipFigure(on=today, **figure) for figure in citizenship_figures(on=today)]
    CitizenshipFigure.objects.all().delete()
    CitizenshipFigure.objects.bulk_create(rows)
    return len(rows)


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()), timezone.get_default_timezone())


def reports_refresh(*, full: bool = False, actor=None) -> RefreshResult:
    """Bring the figures' aggregates up to date: the days since the last refresh, or all."""
    started = time.perf_counter()
    now = timezone.now()
    with transaction.atomic():
        state, _ = RefreshState.objects.get_or_create(pk=1)
        state = RefreshState.objects.select_for_update().get(pk=1)
        full = full or state.refreshed_at is None
        since: dt.date | None = None
        if not full:
            margin = dt.timedelta(days=int(conf("REPORTS_REFRESH_MARGIN_DAYS")))
            since = timezone.localdate(state.refreshed_at) - margin
        window = _Since(since)
        rows_sql, params = window.rows()
        steps = _Steps()
        _jalali_months_prepare()
        shadow = _Shadow.begin() if full and _postgres() else None
        if shadow is None:
            steps.run(
                "delete",
                _execute,
                f"DELETE FROM {FACT} WHERE {_GRAINS} "  # noqa: S608 (names and literals are code constants)  # nosec B608
                f"AND metric <> 'eligible'{rows_sql}",
                params,
            )
        rows = _insert_residence(window, steps)
        rows += _insert_offices(window, steps)
        rows += steps.run("nation", _insert_nation_direct, window)
        if full and _postgres():
            # The day rows were all replaced: later steps read them with fresh statistics.
            steps.run("analyze_days", _execute, f"ANALYZE {FACT}")
        rows += steps.run("roll_up", _roll_up, since=window, eligible=False)
        rows += steps.run("months", _months, since=window, eligible=False)
        if full and _postgres():
            # And the month rows, which the running totals join on.
            steps.run("analyze_months", _execute, f"ANALYZE {FACT}")
        rows += steps.run("running_totals", _running_totals, since=window, eligible=False)

        max_citizen = Citizen.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        max_age = dt.timedelta(hours=float(conf("REPORTS_ELIGIBLE_MAX_AGE_HOURS")))
        recount = (
            full
            or state.eligible_at is None
            or max_citizen != state.eligible_max_citizen
            or now - state.eligible_at >= max_age
        )
        if recount:
            rows += steps.run("eligible", _recount_eligible)
            state.eligible_at, state.eligible_max_citizen = now, max_citizen

        rows += steps.run("citizenship", _citizenship_rebuild)

        if shadow is not None:
            shadow.swap(steps)
        elif full and _postgres():
            # Every row was replaced: plan the pages' reads on fresh statistics.
            steps.run("analyze", _execute, f"ANALYZE {FACT}")
        seconds = time.perf_counter() - started
        state.refreshed_at, state.since, state.seconds = now, since, seconds
        if full:
            state.full_at = now
        state.save()
        if full:
            # Incremental refreshes run every few minutes and change no domain state; a full
            # rebuild is rarer and worth a line in the audit log.
            audit_record(
                actor=actor,
                action="reports.refresh",
                object_type="reports.fact",
                to_state="full",
                data={"rows": rows, "seconds": round(seconds, 3), "eligible": recount},
            )
    return RefreshResult(
        full=full,
        since=since,
        eligible_recounted=recount,
        rows=rows,
        seconds=seconds,
        steps=tuple(steps.done),
    )
