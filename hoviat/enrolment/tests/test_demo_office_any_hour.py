"""README's journey at any hour (issue 16, item 1): the demo's round-the-clock office.

At 23:30 on a Friday that is also an official holiday, every ordinary office is shut and its
slots are behind it, yet at the demo office Sara books a seat in the next quarter hour, its
operator Nima enrols her, and a walk-in at 23:55 takes the 00:00 slot and is enrolled after
midnight. The ordinary office beside it keeps its rules: nothing free, no walk-in seat.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.test import Client

from hoviat.applications.models import ApplicationStatus
from hoviat.booking.models import Booking
from hoviat.booking.selectors import offices_by_free_capacity
from hoviat.booking.services import slots_generate_all
from hoviat.core.jalali import format_jalali
from hoviat.core.models import Role
from hoviat.core.tests.factories import UserFactory
from hoviat.enrolment.devices import simulator_for
from hoviat.enrolment.errors import WalkInNoRoom
from hoviat.enrolment.services import enrolment_check_in
from hoviat.enrolment.tests.conftest import full_payload, token_client
from hoviat.offices.demo import ALWAYS_OPEN_CODE, _always_open_office
from hoviat.offices.models import Holiday, Office
from hoviat.offices.selectors import OFFICE_TZ
from hoviat.registry.tests.factories import CitizenFactory
from tests.factories import ApplicationFactory

# Friday 6 Azar 1405, 23:30 in Bushehr, made a holiday below as well.
LATE = dt.datetime(2026, 11, 27, 23, 30, tzinfo=OFFICE_TZ)
TODAY = LATE.date()

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_office(bushehr_city) -> Office:
    """The office `hoviat demo` makes, by the demo's own code."""
    _always_open_office({"IR-06": bushehr_city})
    return Office.objects.get(code=ALWAYS_OPEN_CODE)


@pytest.fixture
def nima(demo_office):
    return UserFactory(username="nima", role=Role.OFFICE_OPERATOR, office=demo_office)


@pytest.fixture
def late_friday_holiday(demo_office, bushehr_post_office):
    Holiday.objects.create(date=TODAY, title="تعطیل آزمایشی")
    with time_machine.travel(LATE, tick=False) as traveller:
        slots_generate_all(days_ahead=1)  # what the booking demo and the daily job run
        yield traveller


def at(hour: int, minute: int, day: dt.date = TODAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=OFFICE_TZ)


def test_the_demo_office_has_seats_late_tonight_and_the_ordinary_office_none(
    late_friday_holiday, demo_office
):
    offices = {o.code: o for o in offices_by_free_capacity(province_code="IR-06", date=TODAY)}
    assert offices[ALWAYS_OPEN_CODE].free == demo_office.capacity_per_slot  # 23:45 only
    assert offices[ALWAYS_OPEN_CODE].first_free_at == at(23, 45)
    assert offices[ALWAYS_OPEN_CODE].always_open is True
    assert offices["POST-0601"].free == 0
    # The next hours go on past midnight, every quarter hour.
    tomorrow = {
        o.code: o
        for o in offices_by_free_capacity(province_code="IR-06", date=TODAY + dt.timedelta(1))
    }
    assert tomorrow[ALWAYS_OPEN_CODE].first_free_at == at(0, 0, TODAY + dt.timedelta(1))
    assert tomorrow[ALWAYS_OPEN_CODE].free == 96 * demo_office.capacity_per_slot


def test_sara_books_tonight_on_the_page_and_is_enrolled_by_the_demo_operator(
    late_friday_holiday, demo_office, nima, sara
):
    application = ApplicationFactory(citizen=sara, status=ApplicationStatus.PAID)
    client = Client()
    session = client.session
    session["citizen_mobile"] = sara.mobile
    session.save()

    page = client.get(f"/citizen/book/{application.public_id}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert demo_office.name in text and 'data-testid="demo-office"' in text
    assert format_jalali(TODAY) in text  # today is offered, not tomorrow

    slot = demo_office.slots.get(starts_at=at(23, 45))
    client.post(f"/citizen/book/{application.public_id}/book/", {"slot_id": slot.pk})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.BOOKED

    visit = {**full_payload(application, simulator_for(citizen=sara))}
    response = token_client(nima).post(
        "/api/v1/enrolments", json.dumps(visit), content_type="application/json"
    )
    assert response.status_code == 201, response.content.decode()
    assert response.json()["application_status"] == "enrolled"
    assert Booking.objects.get(application=application).status == "attended"


def test_a_walk_in_at_23_55_takes_the_midnight_slot_and_is_enrolled_after_midnight(
    late_friday_holiday, demo_office, nima, reza
):
    person = CitizenFactory(residence_city=demo_office.city)
    application = ApplicationFactory(citizen=person, status=ApplicationStatus.PAID)
    late_friday_holiday.move_to(at(23, 55))

    # The ordinary office at this hour: no seat for a walk-in.
    with pytest.raises(WalkInNoRoom):
        enrolment_check_in(operator=reza, tracking_code=application.tracking_code)

    enrolment = enrolment_check_in(operator=nima, tracking_code=application.tracking_code)
    assert enrolment.walk_in is True
    booking = Booking.objects.get(application=application, status="booked")
    assert booking.slot.starts_at == at(0, 0, TODAY + dt.timedelta(1))

    late_friday_holiday.move_to(at(0, 10, TODAY + dt.timedelta(1)))
    response = token_client(nima).post(
        "/api/v1/enrolments",
        json.dumps(full_payload(application, simulator_for(citizen=person))),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content.decode()
    booking.refresh_from_db()
    assert booking.status == "attended"
