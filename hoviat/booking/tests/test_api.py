import datetime as dt
import json

import pytest
from django.test import Client

from hoviat.booking.models import Booking, Slot
from hoviat.booking.services import booking_hold, slots_generate
from hoviat.booking.tests.conftest import SATURDAY, application_for, slot_at
from hoviat.core.audit import Actor
from hoviat.core.text import persian_digits
from hoviat.offices.models import OfficeClosure
from hoviat.offices.selectors import OFFICE_TZ
from hoviat.offices.tests.factories import OfficeFactory
from hoviat.places.tests.factories import CityFactory, CountyFactory
from hoviat.registry.tests.factories import CitizenFactory

SUNDAY = SATURDAY + dt.timedelta(days=1)
ANYONE = Actor("citizen", "", "citizen")


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    assert body["detail"]
    return body


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _tehran(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=OFFICE_TZ)


def _post(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def _put(client, url, body):
    return client.put(url, json.dumps(body), content_type="application/json")


# --- Office search ---------------------------------------------------------------------------


@pytest.fixture
def three_offices(office, bushehr_city):
    """Three Bushehr offices on Sunday: 56 free seats, 53 free, and one closed for the day."""
    busy = OfficeFactory(
        code="CNT-0601", kind="counter", name="پیشخوان دولت ۱۰۲", city=bushehr_city
    )
    shut = OfficeFactory(
        code="REG-0601", kind="registration", name="ثبت احوال بوشهر", city=bushehr_city
    )
    for each in (busy, shut):
        slots_generate(office=each, start=SATURDAY, end=SUNDAY)
    Slot.objects.filter(
        pk__in=[
            slot_at(busy, SUNDAY, 9).pk,
            slot_at(busy, SUNDAY, 10).pk,
            slot_at(busy, SUNDAY, 11).pk,
        ]
    ).update(taken=1)
    OfficeClosure.objects.create(office=shut, date=SUNDAY, reason="انبارگردانی")
    return office, busy, shut


def test_office_search_is_ordered_by_free_capacity(three_offices):
    post, busy, shut = three_offices

    response = Client().get("/api/v1/offices", {"province": "IR-06", "date": "2026-11-22"})

    assert response.status_code == 200
    body = response.json()
    assert body["date"] == "2026-11-22" and body["date_jalali"] == "1405/09/01"
    ranked = [(o["code"], o["free"]) for o in body["offices"]]
    assert ranked == [(post.code, 56), (busy.code, 53), (shut.code, 0)]
    assert _at(body["offices"][0]["first_free_at"]) == _tehran(SUNDAY, 7, 30)
    assert body["offices"][2]["first_free_at"] is None


def test_office_search_counts_only_slots_still_ahead_today(three_offices):
    response = Client().get("/api/v1/offices", {"province": "ir-06"})  # today, 08:00

    post = next(o for o in response.json()["offices"] if o["code"] == three_offices[0].code)
    assert post["free"] == 25 * 2  # 08:15 to 14:15, the 07:30–08:00 slots have started


def test_office_search_filters_by_city_and_kind_with_persian_digits(
    three_offices, bushehr_city, bushehr
):
    elsewhere = CityFactory(
        county=CountyFactory(province=bushehr, name_en="Genaveh"),
        name_en="Genaveh",
        name_fa="گناوه",
    )
    OfficeFactory(code="POST-0602", kind="post", city=elsewhere)

    response = Client().get(
        "/api/v1/offices",
        {
            "province": "IR-06",
            "city": persian_digits(bushehr_city.pk),
            "type": "post",
            "date": "۱۴۰۵/۰۹/۰۱",
        },
    )

    assert response.status_code == 200
    assert [o["code"] for o in response.json()["offices"]] == [three_offices[0].code]


def test_office_search_for_an_unknown_province_is_not_found(office):
    _problem(Client().get("/api/v1/offices", {"province": "IR-99"}), 404, "PROVINCE_NOT_FOUND")


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"province": "IR-06", "type": "bank"}, "OFFICE_KIND_INVALID"),
        ({"province": "IR-06", "date": "1405/13/01"}, "DATE_IMPOSSIBLE"),
        ({"province": "IR-06", "date": "tomorrow"}, "DATE_FORMAT"),
        ({"province": "IR-06", "date": "2026-11-20"}, "DATE_OUT_OF_RANGE"),
        ({"province": "IR-06", "city": "بوشهر"}, "CITY_INVALID"),
    ],
)
def test_office_search_explains_bad_input(office, params, code):
    _problem(Client().get("/api/v1/offices", params), 422, code)


# --- Slots of an office ----------------------------------------------------------------------


def test_slots_of_an_office_show_their_free_seats(office):
    Slot.objects.filter(pk=slot_at(office, SUNDAY, 9).pk).update(taken=2)
    OfficeClosure.objects.create(
        office=office, date=SUNDAY + dt.timedelta(days=1), reason="تعمیرات"
    )

    response = Client().get(
        f"/api/v1/offices/{persian_digits(office.pk)}/slots",
        {"from": "1405/09/01", "to": "2026-11-23"},
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["office_id"], body["from"], body["to"]) == (office.pk, "2026-11-22", "2026-11-23")
    assert {s["date"] for s in body["slots"]} == {"2026-11-22"}  # Monday closed
    nine = next(s for s in body["slots"] if _at(s["starts_at"]) == _tehran(SUNDAY, 9))
    assert (nine["capacity"], nine["free"]) == (2, 0)
    assert sum(s["free"] for s in body["slots"]) == 27 * 2


def test_slots_default_to_a_week_from_today_and_hide_started_ones(office):
    body = Client().get(f"/api/v1/offices/{office.pk}/slots").json()

    assert (body["from"], body["to"]) == ("2026-11-21", "2026-11-27")
    assert _at(body["slots"][0]["starts_at"]) == _tehran(SATURDAY, 8, 15)


def test_slots_refuse_more_than_31_days(office):
    response = Client().get(
        f"/api/v1/offices/{office.pk}/slots", {"from": "2026-11-21", "to": "2026-12-22"}
    )
    _problem(response, 422, "DATE_RANGE_TOO_LONG")


def test_slots_of_an_unknown_office_are_not_found(office):
    _problem(Client().get("/api/v1/offices/999999/slots"), 404, "OFFICE_NOT_FOUND")
    _problem(Client().get("/api/v1/offices/abc/slots"), 422, "OFFICE_ID_INVALID")


# --- The appointment -------------------------------------------------------------------------


def _url(application) -> str:
    return f"/api/v1/applications/{application.tracking_code}/appointment"


def test_sara_holds_a_slot_until_she_pays(office, sara_application, sara_client):
    slot = slot_at(office, SUNDAY, 9)

    response = _post(sara_client, _url(sara_application), {"slot_id": slot.pk})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "held" and body["application_status"] == "pre_registered"
    assert _at(body["hold_expires_at"]) == _tehran(SATURDAY, 8, 10)
    assert body["slot"]["id"] == slot.pk and body["office"]["id"] == office.pk
    assert sara_client.get(_url(sara_application)).json()["status"] == "held"


def test_a_paid_citizen_books_directly_through_the_api(office, sara, sara_client):
    application = application_for(sara, status="paid")

    response = _post(
        sara_client, _url(application), {"slot_id": persian_digits(slot_at(office, SUNDAY, 9).pk)}
    )

    assert response.status_code == 201, response.content
    assert (response.json()["status"], response.json()["application_status"]) == (
        "booked",
        "booked",
    )


def test_a_full_slot_is_refused_with_a_clear_error(office, sara_application, sara_client):
    slot = slot_at(office, SUNDAY, 9)
    for _ in range(slot.capacity):
        booking_hold(application=application_for(CitizenFactory()), slot_id=slot.pk, actor=ANYONE)

    body = _problem(
        _post(sara_client, _url(sara_application), {"slot_id": slot.pk}), 409, "SLOT_FULL"
    )
    assert "پر شده" in body["detail"]
    assert not sara_application.bookings.exists()


def test_a_past_slot_is_refused(office, sara_application, sara_client):
    slot = slot_at(office, SATURDAY, 7, 45)
    _problem(_post(sara_client, _url(sara_application), {"slot_id": slot.pk}), 422, "SLOT_IN_PAST")


def test_a_closed_office_is_refused(office, sara_application, sara_client):
    OfficeClosure.objects.create(office=office, date=SUNDAY, reason="قطع برق")
    _problem(
        _post(sara_client, _url(sara_application), {"slot_id": slot_at(office, SUNDAY, 9).pk}),
        409,
        "OFFICE_CLOSED",
    )


@pytest.mark.parametrize("slot_id", ["۱۲a", "", "-3", "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩"])
def test_a_mistyped_slot_id_is_refused(office, sara_application, sara_client, slot_id):
    _problem(
        _post(sara_client, _url(sara_application), {"slot_id": slot_id}), 422, "SLOT_ID_INVALID"
    )
    assert not Booking.objects.exists()


def test_a_slot_id_in_arabic_digits_is_understood(office, sara_application, sara_client):
    arabic = str(slot_at(office, SUNDAY, 9).pk).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    response = _post(sara_client, _url(sara_application), {"slot_id": f" {arabic} "})
    assert response.status_code == 201, response.content


def test_a_double_submit_books_once(office, sara_application, sara_client):
    url, body = _url(sara_application), {"slot_id": slot_at(office, SUNDAY, 9).pk}

    first = _post(sara_client, url, body, headers={"Idempotency-Key": "k-1"})
    second = _post(sara_client, url, body, headers={"Idempotency-Key": "k-1"})

    assert (first.status_code, second.status_code) == (201, 201)
    assert second["Idempotent-Replayed"] == "true"
    assert first.json() == second.json()
    assert Booking.objects.count() == 1
    assert slot_at(office, SUNDAY, 9).taken == 1


def test_reschedule_and_cancel_through_the_api(office, sara, sara_client):
    application = application_for(sara, status="paid")
    old, new = slot_at(office, SUNDAY, 9), slot_at(office, SUNDAY, 13)
    _post(sara_client, _url(application), {"slot_id": old.pk})

    moved = _put(sara_client, _url(application), {"slot_id": new.pk})

    assert moved.status_code == 200, moved.content
    assert (moved.json()["status"], moved.json()["slot"]["id"]) == ("booked", new.pk)
    old.refresh_from_db()
    assert old.taken == 0

    cancelled = sara_client.delete(_url(application))

    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["application_status"]) == (
        "cancelled",
        "paid",
    )
    new.refresh_from_db()
    assert new.taken == 0
    _problem(sara_client.delete(_url(application)), 404, "APPOINTMENT_NOT_FOUND")


def test_posting_again_once_booked_says_to_reschedule(office, sara, sara_client):
    application = application_for(sara, status="paid")
    _post(sara_client, _url(application), {"slot_id": slot_at(office, SUNDAY, 9).pk})

    _problem(
        _post(sara_client, _url(application), {"slot_id": slot_at(office, SUNDAY, 10).pk}),
        409,
        "ALREADY_BOOKED",
    )


def test_the_appointment_needs_the_citizen_to_sign_in(office, sara_application):
    response = _post(Client(), _url(sara_application), {"slot_id": 1})
    _problem(response, 401, "AUTHENTICATION_REQUIRED")


def test_nobody_books_for_someone_elses_application(office, sara_client):
    reza_citizen = CitizenFactory(mobile="09120000000")
    theirs = application_for(reza_citizen)

    response = _post(sara_client, _url(theirs), {"slot_id": slot_at(office, SUNDAY, 9).pk})

    _problem(response, 404, "APPLICATION_NOT_FOUND")
    assert not Booking.objects.exists()
