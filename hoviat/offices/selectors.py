"""Reads: the working calendar of offices, and which offices a member of staff may see.

The calendar: Saturday to Wednesday an office works from `opens_at` to `closes_at`, Thursday
until `thursday_closes_at`, Friday it is closed, and so it is on an official holiday or on a
day of its own closure. Without an office, the national calendar: Saturday to Thursday, less
Fridays and official holidays. An `always_open` office (the demo's) works every day, holidays
too, from midnight to midnight (`ALL_DAY`), closed only on a closure of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Iterator
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from hoviat.core.errors import NotFound
from hoviat.core.permissions import director_province, is_national_admin, operator_office
from hoviat.offices.models import Holiday, Office, OfficeClosure

# Offices keep Iran's wall-clock hours whatever TIME_ZONE the server runs with.
OFFICE_TZ = ZoneInfo("Asia/Tehran")

THURSDAY = 3  # date.weekday(): Monday is 0
FRIDAY = 4

# add_working_days reads holidays a window at a time: wide enough that a month's estimate
# costs one query, narrow enough that a two-day step does not read a year.
_WINDOW_DAYS = 62
_HORIZON_DAYS = 3660

Hours = tuple[dt.time, dt.time]

# The hours of an always-open office: `dt.time.max` stands for the midnight that ends the day.
ALL_DAY: Hours = (dt.time(0, 0), dt.time.max)


# --- Pure rules (no database) ------------------------------------------------------------


def weekday_hours(*, office: Office, date: dt.date) -> Hours | None:
    """The hours the weekly rule gives an office on a date, before holidays and closures."""
    if not office.is_active:
        return None
    if office.always_open:
        return ALL_DAY
    weekday = date.weekday()
    if weekday == FRIDAY:
        return None
    closes_at = office.thursday_closes_at if weekday == THURSDAY else office.closes_at
    # An office that closes on Thursday at or before it opens does not open on Thursdays.
    if closes_at <= office.opens_at:
        return None
    return office.opens_at, closes_at


def hours_on(
    *,
    office: Office,
    date: dt.date,
    holidays: Container[dt.date],
    closures: Container[dt.date],
) -> Hours | None:
    """The hours of an office on a date, given the holidays and closures already read."""
    if date in closures or (date in holidays and not office.always_open):
        return None
    return weekday_hours(office=office, date=date)


def is_national_working_day(*, date: dt.date, holidays: Container[dt.date]) -> bool:
    return date.weekday() != FRIDAY and date not in holidays


def slots_in(*, office: Office, date: dt.date, hours: Hours | None) -> list[dt.datetime]:
    """Slot starts from opening, every slot_minutes, the last one ending by closing time."""
    if hours is None:
        return []
    opens_at, closes_at = hours
    step = dt.timedelta(minutes=office.slot_minutes)
    # Iran keeps no daylight saving time since 2022, so wall-clock arithmetic is exact.
    start = dt.datetime.combine(date, opens_at, tzinfo=OFFICE_TZ)
    if closes_at == dt.time.max:  # open until midnight (ALL_DAY)
        end = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(0), tzinfo=OFFICE_TZ)
    else:
        end = dt.datetime.combine(date, closes_at, tzinfo=OFFICE_TZ)
    slots = []
    while start + step <= end:
        slots.append(start)
        start += step
    return slots


# --- Reads -----------------------------------------------------------------------------------


def holiday_dates(*, start: dt.date, end: dt.date) -> set[dt.date]:
    """Official holidays from start to end inclusive, in one query."""
    return set(Holiday.objects.filter(date__range=(start, end)).values_list("date", flat=True))


def closure_dates(*, office: Office, start: dt.date, end: dt.date) -> set[dt.date]:
    """The office's own closures from start to end inclusive, in one query."""
    return set(
        OfficeClosure.objects.filter(office=office, date__range=(start, end)).values_list(
            "date", flat=True
        )
    )


def _days(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def opening_hours_between(*, office: Office, start: dt.date, end: dt.date) -> dict[dt.date, Hours]:
    """Each day from start to end inclusive on which the office opens, with its hours."""
    if end < start:
        return {}
    holidays = holiday_dates(start=start, end=end)
    closures = closure_dates(office=office, start=start, end=end)
    opening: dict[dt.date, Hours] = {}
    for day in _days(start, end):
        hours = hours_on(office=office, date=day, holidays=holidays, closures=closures)
        if hours is not None:
            opening[day] = hours
    return opening


def office_hours_on(*, office: Office, date: dt.date) -> Hours | None:
    """(opens, closes) of the office on that date, or None when it is closed."""
    if weekday_hours(office=office, date=date) is None:
        return None  # closed whatever the database says: no need to ask it
    return opening_hours_between(office=office, start=date, end=date).get(date)


def is_working_day(*, office: Office | None = None, date: dt.date) -> bool:
    if office is not None:
        return office_hours_on(office=office, date=date) is not None
    return is_national_working_day(date=date, holidays=holiday_dates(start=date, end=date))


def working_days_between(
    *, office: Office | None = None, start: dt.date, end: dt.date
) -> list[dt.date]:
    """The working days from start to end, both included, in order."""
    if office is not None:
        return sorted(opening_hours_between(office=office, start=start, end=end))
    if end < start:
        return []
    holidays = holiday_dates(start=start, end=end)
    return [
        day for day in _days(start, end) if is_national_working_day(date=day, holidays=holidays)
    ]


def _working_days_from(
    *, start: dt.date, step: int, office: Office | None, horizon: int
) -> Iterator[dt.date]:
    """Working days after (step=1) or before (step=-1) start, up to `horizon` days away,
    read a window at a time."""
    for offset in range(0, horizon, _WINDOW_DAYS):
        near = start + dt.timedelta(days=step * (offset + 1))
        far = start + dt.timedelta(days=step * min(offset + _WINDOW_DAYS, horizon))
        if step > 0:
            yield from working_days_between(office=office, start=near, end=far)
        else:
            yield from reversed(working_days_between(office=office, start=far, end=near))


def add_working_days(*, start: dt.date, days: int, office: Office | None = None) -> dt.date:
    """The date `days` working days after start (before it when negative); start not counted.

    An office that never opens would have it look forever, so it gives up after ten years.
    """
    if days == 0:
        return start
    if office is not None and not office.is_active:
        raise ValueError(f"{office} is not active: it has no working days")
    step = 1 if days > 0 else -1
    found = _working_days_from(start=start, step=step, office=office, horizon=_HORIZON_DAYS)
    for counted, day in enumerate(found, start=1):
        if counted == abs(days):
            return day
    raise ValueError(f"{office} has no {abs(days)} working days within ten years of {start}")


def slot_starts(*, office: Office, date: dt.date) -> list[dt.datetime]:
    """Aware (Asia/Tehran) starts of the office's slots on a date; none when it is closed."""
    return slots_in(office=office, date=date, hours=office_hours_on(office=office, date=date))


def daily_capacity(*, office: Office, date: dt.date) -> int:
    """How many people the office can see on a date: slots times people per slot."""
    return len(slot_starts(office=office, date=date)) * office.capacity_per_slot


# --- Access ----------------------------------------------------------------------------------


def offices_visible_to(user: Any) -> QuerySet[Office]:
    """The offices a member of staff may see: everything, a province, one office, or none."""
    offices = Office.objects.select_related("city", "city__province")
    if is_national_admin(user):
        return offices.all()
    if (province_id := director_province(user)) is not None:
        return offices.filter(city__province_id=province_id)
    if (office_id := operator_office(user)) is not None:
        return offices.filter(pk=office_id)
    return offices.none()


def access_office_for(user: Any, office_id: Any) -> Office:
    """The office if the user may see it; otherwise NotFound, so its existence is not told."""
    try:
        pk = int(office_id)
    except (TypeError, ValueError):
        pk = None
    office = offices_visible_to(user).filter(pk=pk).first() if pk is not None else None
    if office is None:
        raise NotFound("دفتری با این شناسه یافت نشد.", code="OFFICE_NOT_FOUND")
    return office
