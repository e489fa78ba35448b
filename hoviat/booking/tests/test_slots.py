import datetime as dt

from django.core.management import call_command

from hoviat.booking.models import Slot
from hoviat.booking.services import slots_generate, slots_generate_all
from hoviat.booking.tests.conftest import SATURDAY
from hoviat.offices.models import Holiday, OfficeClosure
from hoviat.offices.selectors import OFFICE_TZ
from hoviat.offices.tests.factories import OfficeFactory

THURSDAY = SATURDAY + dt.timedelta(days=5)
FRIDAY = SATURDAY + dt.timedelta(days=6)


def test_slots_follow_the_office_hours_each_working_day(bushehr_post_office, clock):
    created = slots_generate(office=bushehr_post_office, start=SATURDAY, end=FRIDAY)

    per_day = {day: Slot.objects.filter(date=day).count() for day in (SATURDAY, THURSDAY, FRIDAY)}
    # 07:30–14:30 in 15-minute slots is 28; Thursday to 12:00 is 18; Friday is closed.
    assert per_day == {SATURDAY: 28, THURSDAY: 18, FRIDAY: 0}
    assert created == 5 * 28 + 18
    first = Slot.objects.filter(date=SATURDAY).order_by("starts_at").first()
    assert first.starts_at == dt.datetime(2026, 11, 21, 7, 30, tzinfo=OFFICE_TZ)
    assert first.ends_at - first.starts_at == dt.timedelta(minutes=15)
    assert (first.capacity, first.taken) == (bushehr_post_office.capacity_per_slot, 0)


def test_slots_skip_holidays_and_the_office_closures(bushehr_post_office, clock):
    sunday, monday = SATURDAY + dt.timedelta(days=1), SATURDAY + dt.timedelta(days=2)
    Holiday.objects.create(date=sunday, title="تعطیل رسمی")
    OfficeClosure.objects.create(office=bushehr_post_office, date=monday, reason="تعمیرات")

    slots_generate(office=bushehr_post_office, start=SATURDAY, end=monday)

    assert set(Slot.objects.values_list("date", flat=True).distinct()) == {SATURDAY}


def test_generating_again_creates_nothing_twice(bushehr_post_office, clock):
    slots_generate(office=bushehr_post_office, start=SATURDAY, end=SATURDAY)

    assert slots_generate(office=bushehr_post_office, start=SATURDAY, end=SATURDAY) == 0
    assert Slot.objects.count() == 28


def test_all_active_offices_get_slots_for_the_days_ahead(bushehr_post_office, clock):
    OfficeFactory(code="OFF-CLOSED", is_active=False, city=bushehr_post_office.city)

    created = slots_generate_all(days_ahead=2)  # Saturday to Monday

    assert created == 3 * 28
    assert set(Slot.objects.values_list("office_id", flat=True).distinct()) == {
        bushehr_post_office.pk
    }


def test_the_generate_slots_command_reports_what_it_made(bushehr_post_office, clock, capsys):
    call_command("generate_slots", "--days", "0")

    assert capsys.readouterr().out.strip() == "slots created: 28"
