"""The working calendar: weekly hours, Fridays, holidays, closures, slots and capacity.

The week used throughout is Ordibehesht 1405, which has no official holiday:
Saturday 1405/02/05 (2026-04-25) to Friday 1405/02/11.
"""

import datetime as dt

import pytest

from hoviat.core.jalali import parse_jalali
from hoviat.offices.models import Holiday, OfficeClosure
from hoviat.offices.selectors import (
    add_working_days,
    daily_capacity,
    is_working_day,
    office_hours_on,
    slot_starts,
    working_days_between,
)
from hoviat.offices.services import holidays_load
from hoviat.offices.tests.factories import OfficeFactory

SATURDAY = parse_jalali("1405/02/05")
WEDNESDAY = parse_jalali("1405/02/09")
THURSDAY = parse_jalali("1405/02/10")
FRIDAY = parse_jalali("1405/02/11")


def t(hour, minute=0):
    return dt.time(hour, minute)


@pytest.fixture
def office(db):
    return OfficeFactory(
        opens_at=t(7, 30),
        closes_at=t(14, 30),
        thursday_closes_at=t(12),
        slot_minutes=15,
        capacity_per_slot=2,
    )


def test_the_test_week_starts_on_a_saturday():
    assert SATURDAY.weekday() == 5
    assert FRIDAY.weekday() == 4


def test_saturday_to_wednesday_are_full_days(office):
    for offset in range(5):
        day = SATURDAY + dt.timedelta(days=offset)
        assert office_hours_on(office=office, date=day) == (t(7, 30), t(14, 30))
        assert is_working_day(office=office, date=day)


def test_thursday_is_a_half_day(office):
    assert office_hours_on(office=office, date=THURSDAY) == (t(7, 30), t(12))
    assert is_working_day(office=office, date=THURSDAY)
    assert is_working_day(date=THURSDAY)


def test_friday_is_closed(office):
    assert office_hours_on(office=office, date=FRIDAY) is None
    assert not is_working_day(office=office, date=FRIDAY)
    assert not is_working_day(date=FRIDAY)
    assert slot_starts(office=office, date=FRIDAY) == []
    assert daily_capacity(office=office, date=FRIDAY) == 0


def test_an_office_that_closes_at_opening_time_on_thursday_does_not_open_on_thursdays(db):
    office = OfficeFactory(opens_at=t(8), thursday_closes_at=t(8))
    assert not is_working_day(office=office, date=THURSDAY)
    assert is_working_day(office=office, date=WEDNESDAY)


def test_an_inactive_office_never_opens(db):
    office = OfficeFactory(is_active=False)
    assert office_hours_on(office=office, date=SATURDAY) is None
    assert daily_capacity(office=office, date=SATURDAY) == 0
    with pytest.raises(ValueError, match="not active"):
        add_working_days(start=SATURDAY, days=1, office=office)


def test_an_official_holiday_closes_every_office(office):
    other = OfficeFactory()
    Holiday.objects.create(date=WEDNESDAY, title="تعطیل آزمایشی")
    assert not is_working_day(office=office, date=WEDNESDAY)
    assert not is_working_day(office=other, date=WEDNESDAY)
    assert not is_working_day(date=WEDNESDAY)
    assert slot_starts(office=other, date=WEDNESDAY) == []


def test_a_closure_closes_only_that_office(office):
    other = OfficeFactory()
    OfficeClosure.objects.create(office=office, date=WEDNESDAY, reason="قطعی برق")
    assert not is_working_day(office=office, date=WEDNESDAY)
    assert is_working_day(office=other, date=WEDNESDAY)
    assert is_working_day(date=WEDNESDAY)


def test_slots_start_at_opening_every_slot_minutes(office):
    slots = slot_starts(office=office, date=SATURDAY)
    assert slots[0].time() == t(7, 30)
    assert slots[1] - slots[0] == dt.timedelta(minutes=15)
    assert len(slots) == 28  # 7 hours of 15-minute slots


def test_slots_end_by_closing_time(db):
    office = OfficeFactory(opens_at=t(7, 30), closes_at=t(14, 30), slot_minutes=25)
    slots = slot_starts(office=office, date=SATURDAY)
    last_end = slots[-1] + dt.timedelta(minutes=25)
    assert last_end.time() <= t(14, 30)
    # One more slot would run past closing: 7:30 + 17 × 25 minutes is 14:35.
    assert (last_end + dt.timedelta(minutes=25)).time() > t(14, 30)
    assert len(slots) == 16
    assert slots[-1].time() == t(13, 45)


def test_a_slot_that_ends_exactly_at_closing_is_offered(office):
    assert slot_starts(office=office, date=SATURDAY)[-1].time() == t(14, 15)
    assert slot_starts(office=office, date=THURSDAY)[-1].time() == t(11, 45)


def test_slots_are_aware_tehran_times(office):
    slot = slot_starts(office=office, date=SATURDAY)[0]
    assert str(slot.tzinfo) == "Asia/Tehran"
    assert slot.utcoffset() == dt.timedelta(hours=3, minutes=30)
    assert slot.astimezone(dt.UTC) == dt.datetime(2026, 4, 25, 4, 0, tzinfo=dt.UTC)


def test_daily_capacity_is_slots_times_people_per_slot(office):
    assert daily_capacity(office=office, date=SATURDAY) == 28 * 2
    assert daily_capacity(office=office, date=THURSDAY) == 18 * 2


def test_working_days_between_skips_fridays_holidays_and_closures(office):
    Holiday.objects.create(date=SATURDAY + dt.timedelta(days=1), title="تعطیل آزمایشی")
    OfficeClosure.objects.create(office=office, date=WEDNESDAY, reason="تعمیرات")
    end = SATURDAY + dt.timedelta(days=7)  # the next Saturday, included
    expected_office = [SATURDAY + dt.timedelta(days=n) for n in (0, 2, 3, 5, 7)]
    assert working_days_between(office=office, start=SATURDAY, end=end) == expected_office
    expected_national = [SATURDAY + dt.timedelta(days=n) for n in (0, 2, 3, 4, 5, 7)]
    assert working_days_between(start=SATURDAY, end=end) == expected_national


def test_working_days_between_an_end_before_the_start_is_empty(office):
    assert working_days_between(office=office, start=FRIDAY, end=SATURDAY) == []
    assert working_days_between(start=FRIDAY, end=SATURDAY) == []


def test_working_days_between_reads_holidays_in_one_query(office, django_assert_num_queries):
    end = SATURDAY + dt.timedelta(days=90)
    with django_assert_num_queries(2):  # holidays, then the office's closures
        working_days_between(office=office, start=SATURDAY, end=end)
    with django_assert_num_queries(1):
        working_days_between(start=SATURDAY, end=end)


def test_add_working_days_does_not_count_the_start(office):
    assert add_working_days(start=SATURDAY, days=0) == SATURDAY
    assert add_working_days(start=WEDNESDAY, days=1) == THURSDAY
    assert add_working_days(start=WEDNESDAY, days=2) == FRIDAY + dt.timedelta(days=1)


def test_add_working_days_skips_an_office_closure(office):
    OfficeClosure.objects.create(office=office, date=THURSDAY, reason="تعمیرات")
    assert add_working_days(start=WEDNESDAY, days=1, office=office) == FRIDAY + dt.timedelta(1)
    assert add_working_days(start=WEDNESDAY, days=1) == THURSDAY


def test_add_working_days_goes_backwards_for_negative_days(office):
    assert add_working_days(start=SATURDAY, days=-1) == THURSDAY - dt.timedelta(days=7)
    assert add_working_days(start=FRIDAY, days=-1, office=office) == THURSDAY


def test_twenty_working_days_from_nowruz_1405_end_on_the_last_day_of_farvardin(db):
    holidays_load()
    # Farvardin 1405: 1–4, 12, 13 and 25 are holidays, and four Fridays fall in it.
    assert add_working_days(start=parse_jalali("1405/01/01"), days=20) == parse_jalali("1405/01/31")


@pytest.mark.parametrize("days", [1, 5, 20, 45, 120, 300])
def test_add_working_days_agrees_with_working_days_between(office, days):
    holidays_load()
    start = parse_jalali("1405/01/01")
    later = working_days_between(
        office=office,
        start=start + dt.timedelta(days=1),
        end=start + dt.timedelta(days=2 * days + 60),
    )
    assert add_working_days(start=start, days=days, office=office) == later[days - 1]
    earlier = working_days_between(
        office=office,
        start=start - dt.timedelta(days=2 * days + 60),
        end=start - dt.timedelta(days=1),
    )
    assert add_working_days(start=start, days=-days, office=office) == earlier[-days]


def test_add_working_days_reads_a_window_at_a_time(office, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        add_working_days(start=SATURDAY, days=20, office=office)


def test_add_working_days_gives_up_on_an_office_closed_for_ten_years(office):
    OfficeClosure.objects.bulk_create(
        OfficeClosure(office=office, date=SATURDAY + dt.timedelta(days=n), reason="نوسازی")
        for n in range(1, 3700)
    )
    with pytest.raises(ValueError, match="within ten years"):
        add_working_days(start=SATURDAY, days=1, office=office)


def test_a_friday_is_known_to_be_closed_without_asking_the_database(
    office, django_assert_num_queries
):
    with django_assert_num_queries(0):
        assert office_hours_on(office=office, date=FRIDAY) is None
