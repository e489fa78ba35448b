"""Official holidays loaded from the Jalali data file, and closures of one office."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from hoviat.core.errors import Conflict, ValidationFailed
from hoviat.core.jalali import parse_jalali
from hoviat.core.models import AuditEntry
from hoviat.offices.models import Holiday, OfficeClosure
from hoviat.offices.selectors import is_working_day
from hoviat.offices.services import HOLIDAYS_CSV, holidays_load, office_closure_add

NOW = dt.datetime(2026, 4, 25, 9, 0, tzinfo=dt.UTC)  # Saturday 1405/02/05 in Tehran


def test_the_holiday_file_covers_1405_and_1406_in_persian():
    with HOLIDAYS_CSV.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    years = {row["date"][:4] for row in rows}
    assert years == {"1405", "1406"}
    for row in rows:
        assert "ي" not in row["title"] and "ك" not in row["title"], row
        assert row["basis"] in {"fixed", "published", "derived", "projected"}, row
    dates = [row["date"] for row in rows]
    assert dates == sorted(dates)
    assert len(dates) == len(set(dates))


@pytest.mark.parametrize(
    "jalali",
    [
        "1405/01/01",
        "1405/01/02",
        "1405/01/03",
        "1405/01/04",
        "1405/01/12",
        "1405/01/13",
        "1405/03/14",
        "1405/03/15",
        "1405/11/22",
        "1405/12/29",
        "1406/01/01",
        "1406/01/04",
        "1406/01/13",
        "1406/03/14",
        "1406/11/22",
        "1406/12/29",
    ],
)
def test_the_fixed_solar_holidays_are_loaded(db, jalali):
    holidays_load()
    assert Holiday.objects.filter(date=parse_jalali(jalali)).exists()
    assert not is_working_day(date=parse_jalali(jalali))


def test_holidays_load_stores_gregorian_dates(db):
    result = holidays_load()
    assert result.total == Holiday.objects.count() == result.created
    nowruz = Holiday.objects.get(date=dt.date(2026, 3, 21))
    assert "نوروز" in nowruz.title


def test_holidays_load_is_idempotent(db, django_assert_max_num_queries):
    first = holidays_load()
    snapshot = list(Holiday.objects.values_list("pk", "date", "title"))
    with django_assert_max_num_queries(3):
        again = holidays_load()
    assert (again.created, again.updated) == (0, 0)
    assert again.total == first.total
    assert list(Holiday.objects.values_list("pk", "date", "title")) == snapshot


def test_holidays_load_corrects_a_changed_title_in_place(db, tmp_path):
    Holiday.objects.create(date=dt.date(2026, 3, 21), title="عنوان قدیمی")
    path = tmp_path / "holidays.csv"
    path.write_text("date,title\n۱۴۰۵/۰۱/۰۱,آغاز نوروز\n1405/01/02,عيد نوروز\n", encoding="utf-8")
    result = holidays_load(path=path)
    assert (result.created, result.updated) == (1, 1)
    assert Holiday.objects.get(date=dt.date(2026, 3, 21)).title == "آغاز نوروز"
    # Arabic yeh typed into the file is stored as Persian yeh.
    assert Holiday.objects.get(date=dt.date(2026, 3, 22)).title == "عید نوروز"


def test_holidays_load_names_the_line_of_an_impossible_date(db, tmp_path):
    path = tmp_path / "holidays.csv"
    path.write_text("date,title\n1405/01/01,نوروز\n1405/07/31,روز ناموجود\n", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="line 3") as caught:
        holidays_load(path=path)
    assert caught.value.code == "DATE_IMPOSSIBLE"
    assert not Holiday.objects.exists()


def test_holidays_load_refuses_a_date_given_twice(db, tmp_path):
    path = tmp_path / "holidays.csv"
    path.write_text("date,title\n1405/01/01,نوروز\n1405/1/1,نوروز دوباره\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        holidays_load(path=path)
    assert caught.value.code == "HOLIDAY_DUPLICATE"


@time_machine.travel(NOW, tick=False)
def test_closing_an_office_is_audited(maryam, bushehr_post_office):
    day = dt.date(2026, 4, 29)
    closure = office_closure_add(
        actor=maryam, office=bushehr_post_office, date=day, reason="  قطعی   برق "
    )
    assert closure.reason == "قطعی برق"
    assert not is_working_day(office=bushehr_post_office, date=day)
    entry = AuditEntry.objects.get(action="office.closure_added")
    assert entry.actor_label == "maryam"
    assert (entry.object_type, entry.object_id) == ("offices.office", str(bushehr_post_office.pk))
    assert entry.reason == "قطعی برق"
    assert entry.data == {"date": "2026-04-29", "closure_id": closure.pk}


@time_machine.travel(NOW, tick=False)
def test_closing_an_office_twice_on_one_day_is_a_conflict(maryam, bushehr_post_office):
    day = dt.date(2026, 4, 29)
    office_closure_add(actor=maryam, office=bushehr_post_office, date=day, reason="تعمیرات")
    with pytest.raises(Conflict) as caught:
        office_closure_add(actor=maryam, office=bushehr_post_office, date=day, reason="دوباره")
    assert caught.value.code == "CLOSURE_EXISTS"
    assert OfficeClosure.objects.count() == 1
    assert AuditEntry.objects.filter(action="office.closure_added").count() == 1


@time_machine.travel(NOW, tick=False)
def test_a_day_that_has_passed_cannot_be_closed(maryam, bushehr_post_office):
    office_closure_add(
        actor=maryam,
        office=bushehr_post_office,
        date=dt.date(2026, 4, 25),
        reason="امروز هنوز می‌شود",
    )
    with pytest.raises(ValidationFailed) as caught:
        office_closure_add(
            actor=maryam, office=bushehr_post_office, date=dt.date(2026, 4, 24), reason="دیروز"
        )
    assert caught.value.code == "CLOSURE_IN_PAST"


@time_machine.travel(NOW, tick=False)
def test_a_closure_needs_a_reason(maryam, bushehr_post_office):
    with pytest.raises(ValidationFailed) as caught:
        office_closure_add(
            actor=maryam, office=bushehr_post_office, date=dt.date(2026, 4, 29), reason=" \u200c "
        )
    assert caught.value.code == "CLOSURE_REASON_REQUIRED"
    assert not OfficeClosure.objects.exists()


def test_the_load_holidays_command_reports_what_it_did(db):
    out = io.StringIO()
    call_command("load_holidays", stdout=out)
    call_command("load_holidays", stdout=out)
    first, second = out.getvalue().splitlines()
    assert first.endswith("new, 0 updated)") and not first.startswith("0 ")
    assert second.endswith("(0 new, 0 updated)")


def test_the_load_holidays_command_fails_clearly_on_a_bad_file(db, tmp_path):
    path = tmp_path / "holidays.csv"
    path.write_text("date,title\n1405/13/01,ماه سیزدهم\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 2"):
        call_command("load_holidays", path=str(path))
