"""Jalali dates: stored Gregorian, shown and typed Jalali."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import jdatetime
import pytest
from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from hoviat.core.jalali import (
    InvalidDate,
    age_on,
    format_jalali,
    jalali_ymd,
    parse_date,
    parse_jalali,
)
from hoviat.core.templatetags.persian import fa_number, jdate


def reason(parse, raw):
    with pytest.raises(InvalidDate) as caught:
        parse(raw)
    return caught.value.code


def test_sara_s_jalali_birth_date_is_the_fifth_of_august_1991():
    assert parse_jalali("1370/05/14") == dt.date(1991, 8, 5)


@pytest.mark.parametrize(
    "raw", ["۱۳۷۰/۰۵/۱۴", "١٣٧٠/٠٥/١٤", "1370-05-14", "1370-5-14", "1370.05.14", " 1370 / 5 / 14 "]
)
def test_persian_digits_dashes_dots_and_short_parts_are_accepted(raw):
    assert parse_jalali(raw) == dt.date(1991, 8, 5)


def test_1403_is_a_leap_year_so_its_esfand_has_30_days_but_1402_s_has_29():
    assert jdatetime.date(1403, 1, 1).isleap()
    assert not jdatetime.date(1402, 1, 1).isleap()
    assert parse_jalali("1403/12/30") == dt.date(2025, 3, 20)
    assert parse_jalali("1402/12/29") == dt.date(2024, 3, 19)


@pytest.mark.parametrize(
    "raw",
    [
        "1403/12/31",  # Esfand never has 31 days, even in a leap year
        "1402/12/30",  # 1402 is not a leap year
        "1402/07/31",  # Mehr to Bahman have 30 days
        "1403/13/01",
        "1403/00/10",
        "1403/01/00",
        "1403/01/32",
        "0000/01/01",
    ],
)
def test_impossible_jalali_dates_are_refused(raw):
    assert reason(parse_jalali, raw) == "DATE_IMPOSSIBLE"


@pytest.mark.parametrize(
    "raw", ["", None, "1370/05", "14/05/1370", "۱۳۷۰ مرداد ۱۴", "1370/05/14/1", "abcd/ef/gh"]
)
def test_a_date_in_the_wrong_shape_is_refused_with_its_own_code(raw):
    assert reason(parse_jalali, raw) == "DATE_FORMAT"


def test_a_bad_date_is_a_422_validation_problem():
    with pytest.raises(InvalidDate) as caught:
        parse_jalali("1402/07/31")
    assert caught.value.status == 422


def test_format_jalali_short_is_zero_padded_with_persian_digits():
    assert format_jalali(dt.date(1991, 8, 5)) == "۱۳۷۰/۰۵/۱۴"


def test_format_jalali_can_keep_ascii_digits_for_the_api():
    assert format_jalali(dt.date(1991, 8, 5), persian=False) == "1370/05/14"


def test_format_jalali_long_names_the_month():
    assert format_jalali(dt.date(1991, 8, 5), long=True) == "۱۴ مرداد ۱۳۷۰"
    assert format_jalali(dt.date(2024, 3, 20), long=True, persian=False) == "1 فروردین 1403"


def test_format_jalali_of_nothing_is_empty():
    assert format_jalali(None) == ""


def test_an_aware_datetime_is_shown_in_tehran_time():
    # 22:00 UTC on 20 March 2024 is 01:30 on 21 March (2 Farvardin 1403) in Tehran.
    moment = dt.datetime(2024, 3, 20, 22, 0, tzinfo=dt.UTC)
    assert format_jalali(moment, with_time=True, persian=False) == "1403/01/02 01:30"
    assert format_jalali(moment.astimezone(ZoneInfo("Asia/Tehran")), persian=False) == (
        "1403/01/02"
    )


def test_with_time_is_ignored_for_a_plain_date():
    assert format_jalali(dt.date(1991, 8, 5), with_time=True, persian=False) == "1370/05/14"


def test_jalali_ymd_splits_a_date():
    assert jalali_ymd(dt.date(1991, 8, 5)) == (1370, 5, 14)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_every_date_survives_a_round_trip_through_jalali_text(day):
    assert parse_jalali(format_jalali(day, persian=False)) == day
    assert parse_jalali(format_jalali(day)) == day
    assert parse_date(format_jalali(day)) == day


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_every_date_survives_a_round_trip_through_iso_text(day):
    assert parse_date(day.isoformat()) == day


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1991-08-05", dt.date(1991, 8, 5)),
        ("۱۹۹۱-۰۸-۰۵", dt.date(1991, 8, 5)),
        ("1370/05/14", dt.date(1991, 8, 5)),
        ("1370-05-14", dt.date(1991, 8, 5)),
    ],
)
def test_parse_date_accepts_iso_and_jalali(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("2023-02-29", "DATE_IMPOSSIBLE"),
        ("1402/12/30", "DATE_IMPOSSIBLE"),
        ("05/08/1991", "DATE_FORMAT"),
        ("", "DATE_FORMAT"),
    ],
)
def test_parse_date_refuses_bad_dates_of_either_calendar(raw, code):
    assert reason(parse_date, raw) == code


def test_age_counts_a_year_on_the_birthday_itself():
    assert age_on(dt.date(1991, 8, 5), dt.date(2026, 8, 5)) == 35


def test_age_does_not_count_the_year_on_the_day_before_the_birthday():
    assert age_on(dt.date(1991, 8, 5), dt.date(2026, 8, 4)) == 34


def test_a_29_february_birthday_counts_from_1_march_in_a_common_year():
    born = dt.date(2008, 2, 29)
    assert age_on(born, dt.date(2023, 2, 28)) == 14
    assert age_on(born, dt.date(2023, 3, 1)) == 15
    assert age_on(born, dt.date(2024, 2, 29)) == 16


def test_the_jdate_filter_shows_persian_digits():
    assert jdate(dt.date(1991, 8, 5)) == "۱۳۷۰/۰۵/۱۴"
    assert jdate(dt.date(1991, 8, 5), "long") == "۱۴ مرداد ۱۳۷۰"
    assert jdate(None) == ""
    assert jdate("1991-08-05") == ""


def test_the_filters_work_inside_a_template():
    template = Template(
        "{% load persian %}{{ day|jdate }} · {{ day|jdate:'long' }} · {{ moment|jdatetime }}"
        " · {{ count|fa_number }} · {{ phone|fa_digits }}"
    )
    rendered = template.render(
        Context(
            {
                "day": dt.date(1991, 8, 5),
                "moment": dt.datetime(2024, 3, 20, 22, 0, tzinfo=dt.UTC),
                "count": 1234567,
                "phone": "09171234567",
            }
        )
    )
    assert rendered == ("۱۳۷۰/۰۵/۱۴ · ۱۴ مرداد ۱۳۷۰ · ۱۴۰۳/۰۱/۰۲ ۰۱:۳۰ · ۱٬۲۳۴٬۵۶۷ · ۰۹۱۷۱۲۳۴۵۶۷")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1234567, "۱٬۲۳۴٬۵۶۷"),
        (0, "۰"),
        (-2500, "-۲٬۵۰۰"),
        (93.87, "۹۳٫۸۷"),
        (Decimal("1450000.5"), "۱٬۴۵۰٬۰۰۰٫۵۰"),
        (None, ""),
        ("", ""),
        ("نامعلوم", "نامعلوم"),
    ],
)
def test_fa_number_uses_persian_digits_and_separators(value, shown):
    assert fa_number(value) == shown


def test_fa_label_shows_the_persian_label_of_a_code_from_any_of_the_owning_apps_dicts():
    from dataclasses import dataclass

    from hoviat.core.templatetags.persian import fa_decimal, fa_label

    @dataclass
    class Reason:
        fa: str

    assert fa_label("card", {"card": "استعلام کارت"}) == "استعلام کارت"
    assert fa_label("LOAN", {"LOAN": ("وام", "Loan")}) == "وام"
    assert fa_label("NOT_FOUND", {"NOT_FOUND": Reason("یافت نشد")}) == "یافت نشد"
    assert fa_label("NEW_CODE", {}) == "NEW_CODE"  # never hidden
    assert fa_label("", {}) == "" and fa_label(None, {}) == ""
    assert fa_decimal(30.04) == "۳۰٫۰" and fa_decimal(1234.5, 2) == "۱٬۲۳۴٫۵۰"
    assert fa_decimal(None) == ""
