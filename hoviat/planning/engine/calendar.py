"""The twin's working calendar: Iranian holidays, Fridays off, Thursday half days, Jalali months.

Holidays come from the `holidays` package (its Iran calendar follows the official solar and
lunar holidays); the simulation only asks, per day, how much of a full working day it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import holidays
import jdatetime


@lru_cache(maxsize=8)
def iran_holidays(first_year: int, last_year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("IR", years=range(first_year, last_year + 1)))


@dataclass(frozen=True)
class Day:
    index: int
    date: dt.date
    jalali_year: int
    jalali_month: int
    jalali_day: int
    month_index: int  # 1 = the simulation's first month
    holiday: bool
    work_share: float  # of a full working day: 0 on Fridays and holidays, 0.5 on Thursdays

    @property
    def month_label(self) -> str:
        return f"{self.jalali_year:04d}-{self.jalali_month:02d}"


def jalali_start(label: str) -> dt.date:
    year, month, day = (int(part) for part in label.split("-"))
    return jdatetime.date(year, month, day).togregorian()


def build_days(start: dt.date, count: int) -> list[Day]:
    holiday_set = iran_holidays(start.year, (start + dt.timedelta(days=count)).year + 1)
    first = jdatetime.date.fromgregorian(date=start)
    days = []
    for index in range(count):
        date = start + dt.timedelta(days=index)
        j = jdatetime.date.fromgregorian(date=date)
        holiday = date in holiday_set
        weekday = date.weekday()  # Monday 0 … Friday 4
        if holiday or weekday == 4:
            share = 0.0
        elif weekday == 3:
            share = 0.5
        else:
            share = 1.0
        days.append(
            Day(
                index=index,
                date=date,
                jalali_year=j.year,
                jalali_month=j.month,
                jalali_day=j.day,
                month_index=(j.year - first.year) * 12 + j.month - first.month + 1,
                holiday=holiday,
                work_share=share,
            )
        )
    return days


def days_in_months(start: dt.date, months: int) -> int:
    """How many days the first `months` Jalali months from `start` hold."""
    j = jdatetime.date.fromgregorian(date=start)
    year, month = j.year, j.month + months
    while month > 12:
        year, month = year + 1, month - 12
    end = jdatetime.date(year, month, 1).togregorian()
    return (end - start).days
