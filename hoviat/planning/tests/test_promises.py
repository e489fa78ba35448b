"""The card promise as a citizen meets it: made when she books, made again at enrolment,
shown by the tracking API and page, re-forecast daily, and one SMS when it slips."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from hoviat.applications.models import ApplicationStatus
from hoviat.booking.models import Slot
from hoviat.core.jalali import format_jalali
from hoviat.core.models import AuditEntry
from hoviat.enrolment.tests.conftest import full_payload
from hoviat.notifications.models import SmsMessage
from hoviat.offices.selectors import OFFICE_TZ
from hoviat.pki import services as pki_services
from hoviat.planning.models import CardForecast, CardPromise
from hoviat.planning.services import promises_make, promises_reforecast
from hoviat.planning.tests.conftest import NOW, SATURDAY
from hoviat.production.models import CardBodyLedger, LedgerKind
from hoviat.production.services import capacity_set, production_run, stock_deliver
from hoviat.production.tests.conftest import FakePki
from tests.factories import ApplicationFactory, enrolled_applications

pytestmark = pytest.mark.django_db


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def track(client, application) -> dict:
    response = post(
        client,
        "/api/v1/track",
        {
            "national_code": application.citizen.national_code,
            "tracking_code": application.tracking_code,
        },
    )
    assert response.status_code == 200, response.content
    return response.json()


def slot_at(office, day: dt.date, hour: int) -> Slot:
    return Slot.objects.get(
        office=office, starts_at=dt.datetime.combine(day, dt.time(hour), tzinfo=OFFICE_TZ)
    )


def book(sara_client, application, slot):
    response = post(
        sara_client,
        f"/api/v1/applications/{application.tracking_code}/appointment",
        {"slot_id": slot.pk},
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_a_citizen_who_books_is_promised_a_date_after_her_appointment(
    office, sara, sara_client, bodies, client, django_capture_on_commit_callbacks
):
    application = ApplicationFactory(citizen=sara, status=ApplicationStatus.PAID)
    appointment_day = SATURDAY + dt.timedelta(days=1)

    with django_capture_on_commit_callbacks(execute=True):
        book(sara_client, application, slot_at(office, appointment_day, 9))

    promise = CardPromise.objects.get(application=application)
    assert promise.point == "booking"
    assert promise.province_id == office.city.province_id
    assert promise.model_version
    assert appointment_day < promise.date
    assert promise.earliest <= promise.date <= promise.latest
    shown = track(client, application)["promise"]
    assert shown["point"] == "booking"
    assert shown["date"] == promise.date.isoformat()
    assert shown["earliest"] == promise.earliest.isoformat()
    assert shown["latest"] == promise.latest.isoformat()
    assert dt.datetime.fromisoformat(shown["made_at"]) == NOW
    assert shown["text"].startswith("با اطمینان ۹ از ۱۰ بین ")
    assert AuditEntry.objects.filter(
        action="card_promise.made", object_id=str(application.pk)
    ).exists()


def test_enrolment_promises_again_and_the_tracking_page_says_it_in_persian(
    office,
    sara,
    sara_client,
    bodies,
    reza_api,
    sara_device,
    client,
    django_capture_on_commit_callbacks,
):
    application = ApplicationFactory(citizen=sara, status=ApplicationStatus.PAID)
    with django_capture_on_commit_callbacks(execute=True):
        book(sara_client, application, slot_at(office, SATURDAY, 9))
    at_booking = CardPromise.objects.get(application=application, point="booking")

    with django_capture_on_commit_callbacks(execute=True):
        response = post(reza_api, "/api/v1/enrolments", full_payload(application, sara_device))
    assert response.status_code == 201, response.content

    at_enrolment = CardPromise.objects.get(application=application, point="enrolment")
    assert at_enrolment.earliest <= at_enrolment.date <= at_enrolment.latest
    # The booking's promise is kept as made: its accuracy is measured too.
    assert CardPromise.objects.get(pk=at_booking.pk).date == at_booking.date
    assert track(client, application)["promise"]["point"] == "enrolment"
    page = client.post(
        "/track/",
        {"national_code": sara.national_code, "tracking_code": application.tracking_code},
    ).content.decode()
    interval = (
        f"با اطمینان ۹ از ۱۰ بین {format_jalali(at_enrolment.earliest, long=True)} "
        f"و {format_jalali(at_enrolment.latest, long=True)}"
    )
    assert interval in page
    assert 'data-testid="promise"' in page


def test_an_application_not_yet_booked_has_no_promise(office, sara, client, bodies):
    application = ApplicationFactory(citizen=sara, status=ApplicationStatus.PAID)

    assert track(client, application)["promise"] is None


# --- Slips ------------------------------------------------------------------------------------


def _slip_sms(application) -> list[SmsMessage]:
    return list(
        SmsMessage.objects.filter(kind="card_promise_slipped", object_id=str(application.pk))
    )


def test_a_slip_is_told_once_and_again_only_when_it_slips_further_than_two_days_from_what_was_told(
    office, sara, bodies, clock, client, django_capture_on_commit_callbacks
):
    # Enrolled on Saturday 21 Nov, made today (nobody ahead, no run yet today), five days of
    # transit (none measured yet): Thursday 26 Nov.
    application = ApplicationFactory(citizen=sara, status=ApplicationStatus.ENROLLED)
    promises_make(application_ids=[application.pk], point="enrolment")
    assert CardPromise.objects.get(application=application).date == dt.date(2026, 11, 26)

    # A stock-out: the bodies on hand are spoiled, the next delivery comes on Tuesday 24th.
    CardBodyLedger.objects.create(
        kind=LedgerKind.ADJUSTMENT, quantity=-1000, at=timezone.now(), note="spoiled"
    )
    delivery = CardBodyLedger.objects.create(
        kind=LedgerKind.DELIVERY, quantity=1000, at=NOW + dt.timedelta(days=3)
    )

    # Sunday's re-forecast: made on the 24th, ready on the 29th, three days late: told.
    clock.move_to(NOW + dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        summary = promises_reforecast()
    assert summary.reforecast == 1 and summary.slips_told == 1
    first = CardForecast.objects.get(application=application)
    assert first.date == dt.date(2026, 11, 29)
    [sms] = _slip_sms(application)
    assert sms.to == application.mobile
    assert format_jalali(first.date, long=True) in sms.body  # «۸ آذر ۱۴۰۵»
    assert track(client, application)["promise"]["date"] == "2026-11-29"

    # Run again the same day: every row was re-forecast already, nothing is done twice.
    assert promises_reforecast().reforecast == 0

    # Monday: the delivery comes two days later (Thursday), so does the card (1 Dec): two
    # days from what she was told is not more than two: no SMS, and she was told the 29th.
    delivery.at += dt.timedelta(days=2)
    delivery.save()
    clock.move_to(NOW + dt.timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        promises_reforecast()
    second = CardForecast.objects.get(application=application)
    assert second.date == dt.date(2026, 12, 1)
    assert len(_slip_sms(application)) == 1
    assert second.told_date == first.date

    # Tuesday: one day later still, a Friday, so made on Saturday and ready on 3 Dec: four
    # days from what she was told: told again, once.
    delivery.at += dt.timedelta(days=1)
    delivery.save()
    clock.move_to(NOW + dt.timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        promises_reforecast()
    third = CardForecast.objects.get(application=application)
    assert third.date == dt.date(2026, 12, 3)
    assert len(_slip_sms(application)) == 2
    assert third.told_date == third.date and third.slips_told == 2


def test_a_card_that_became_ready_is_no_longer_forecast(office, sara, bodies, clock):
    application = ApplicationFactory(citizen=sara, status=ApplicationStatus.ENROLLED)
    promises_make(application_ids=[application.pk], point="enrolment")
    ApplicationFactory._meta.model.objects.filter(pk=application.pk).update(
        status=ApplicationStatus.READY_AT_OFFICE
    )

    clock.move_to(NOW + dt.timedelta(days=1))
    summary = promises_reforecast()

    assert (summary.reforecast, summary.closed) == (0, 1)
    assert CardForecast.objects.get(application=application).closed


def test_the_production_run_promises_again_from_the_day_the_card_was_made(
    bushehr_post_office,
    reza,
    kaveh,
    clock,
    monkeypatch,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.PRODUCTION_QC_FAIL_RATE = 0.0  # no card fails QC: the day it is made is known
    fake = FakePki()
    monkeypatch.setattr(pki_services, "cards_personalise", fake.cards_personalise, raising=False)
    first, second = enrolled_applications(bushehr_post_office, reza, n=2)
    stock_deliver(quantity=10, lot="L1", actor=kaveh)
    capacity_set(daily_capacity=1, actor=kaveh)
    promises_make(application_ids=[first.pk, second.pk], point="enrolment")
    waiting = CardPromise.objects.get(application=second, point="enrolment")

    with django_capture_on_commit_callbacks(execute=True):
        production_run(date=SATURDAY, actor=kaveh)

    made = CardPromise.objects.get(application=first, point="production_start")
    # Made today; with no transit measured yet it travels the configured shipping days.
    assert made.date == SATURDAY + dt.timedelta(days=5)
    # Only the transit is uncertain now: 0.6 to 1.6 times the shipping days.
    assert (made.earliest, made.latest) == (
        SATURDAY + dt.timedelta(days=3),
        SATURDAY + dt.timedelta(days=8),
    )
    assert not CardPromise.objects.filter(application=second, point="production_start").exists()
    # The second waits a day behind the first: its enrolment promise is the later one.
    assert waiting.date > CardPromise.objects.get(application=first, point="enrolment").date


def test_a_citizen_who_moves_her_appointment_later_is_promised_again_without_a_slip_sms(
    office, sara, sara_client, bodies, clock, client, django_capture_on_commit_callbacks
):
    application = ApplicationFactory(citizen=sara, status=ApplicationStatus.PAID)
    with django_capture_on_commit_callbacks(execute=True):
        book(sara_client, application, slot_at(office, SATURDAY + dt.timedelta(days=1), 9))
    first = CardForecast.objects.get(application=application).date

    with django_capture_on_commit_callbacks(execute=True):
        moved = sara_client.put(
            f"/api/v1/applications/{application.tracking_code}/appointment",
            json.dumps({"slot_id": slot_at(office, SATURDAY + dt.timedelta(days=7), 9).pk}),
            content_type="application/json",
        )
    assert moved.status_code == 200, moved.content

    renewed = CardForecast.objects.get(application=application)
    assert (renewed.date - first).days > 2
    assert renewed.told_date == renewed.date
    assert track(client, application)["promise"]["date"] == renewed.date.isoformat()
    # The night after, nothing slipped from what she was told: no SMS.
    clock.move_to(NOW + dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        promises_reforecast()
    assert _slip_sms(application) == []
    # The promise made when she first booked is kept as made: its accuracy is measured.
    assert CardPromise.objects.get(application=application, point="booking").date == first
