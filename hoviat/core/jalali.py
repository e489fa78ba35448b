"""Jalali (solar hijri) dates: stored Gregorian, shown and typed Jalali."""

from __future__ import annotations

import datetime as dt
import re

import jdatetime
from django.utils import timezone

from hoviat.core.errors import ValidationFailed
from hoviat.core.text import fold_digits, persian_digits

MONTHS = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)
WEEKDAYS = ("شنبه", "یکشنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه")

_DATE = re.compile(r"^\s*(\d{4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*$")


class InvalidDate(ValidationFailed):
    code = "DATE_INVALID"


def parse_jalali(value: str) -> dt.date:
    """'1370/05/14' (Persian digits welcome) to a Gregorian date; impossible dates refused."""
    match = _DATE.match(fold_digits(value or ""))
    if not match:
        raise InvalidDate("تاریخ باید به شکل ۱۳۷۰/۰۵/۱۴ باشد.", code="DATE_FORMAT")
    year, month, day = (int(part) for part in match.groups())
    try:
        return jdatetime.date(year, month, day).togregorian()
    except ValueError:
        raise InvalidDate("چنین تاریخی در تقویم وجود ندارد.", code="DATE_IMPOSSIBLE") from None


def parse_date(value: str) -> dt.date:
    """An ISO date (YYYY-MM-DD) or a Jalali one (year below 1700 means Jalali)."""
    folded = fold_digits(value or "").strip()
    match = _DATE.match(folded)
    if not match:
        raise InvalidDate("تاریخ باید به شکل ۱۳۷۰/۰۵/۱۴ یا 1991-08-05 باشد.", code="DATE_FORMAT")
    year, month, day = (int(part) for part in match.groups())
    if year < 1700:
        return parse_jalali(folded)
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise InvalidDate("چنین تاریخی در تقویم وجود ندارد.", code="DATE_IMPOSSIBLE") from None


def to_jalali(value: dt.date | dt.datetime) -> jdatetime.date | jdatetime.datetime:
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return jdatetime.datetime.fromgregorian(datetime=value)
    return jdatetime.date.fromgregorian(date=value)


def jalali_ymd(value: dt.date) -> tuple[int, int, int]:
    j = jdatetime.date.fromgregorian(date=value)
    return j.year, j.month, j.day


def format_jalali(
    value: dt.date | dt.datetime | None,
    *,
    persian: bool = True,
    with_time: bool = False,
    long: bool = False,
) -> str:
    """1403/05/14, or «۱۴ مرداد ۱۴۰۳» with long=True; Persian digits unless persian=False."""
    if value is None:
        return ""
    j = to_jalali(value)
    if long:
        text = f"{j.day} {MONTHS[j.month - 1]} {j.year}"
    else:
        text = f"{j.year:04d}/{j.month:02d}/{j.day:02d}"
    if with_time and isinstance(j, jdatetime.datetime):
        text += f" {j.hour:02d}:{j.minute:02d}"
    return persian_digits(text) if persian else text


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """Whole years between birth and a date (a 29 Feb birthday counts from 1 Mar in a common
    year)."""
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def today_local() -> dt.date:
    return timezone.localdate()
