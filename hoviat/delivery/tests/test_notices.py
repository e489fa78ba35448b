"""The "card ready" notice: sent through the outbox and the provider, failures visible to the
office and the citizen, the mobile changed by a code to the new number, reminders."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from hoviat.core.models import AuditEntry
from hoviat.core.text import fold_digits
from hoviat.delivery.models import Collection
from hoviat.delivery.selectors import card_waiting_notice, cards_waiting_at
from hoviat.delivery.services import collection_reminders_send, shipment_receive
from hoviat.delivery.tests.fixtures_cards import token_client
from hoviat.notifications.models import SmsMessage
from hoviat.notifications.services import sms_delivery_reports_collect
from hoviat.notifications.tests.fake_kavenegar import FakeKavenegar

NEW_MOBILE = "09351112233"


@pytest.fixture
def kavenegar(settings):
    with FakeKavenegar() as fake:
        settings.SMS_BACKEND = "kavenegar"
        settings.KAVENEGAR_BASE_URL = fake.url
        settings.KAVENEGAR_API_KEY = "test-key"
        settings.KAVENEGAR_SENDER = "10004346"
        yield fake


def _receive_all(transit, reza):
    return shipment_receive(
        shipment_id=transit.shipment.pk, card_serials=[c.csn for c in transit.cards], actor=reza
    )


def test_a_number_the_provider_refuses_fails_the_notice_and_the_office_sees_it(
    in_transit, reza, kavenegar, django_capture_on_commit_callbacks
):
    kavenegar.send_status = 411  # Kavenegar: the receptor is invalid
    with django_capture_on_commit_callbacks(execute=True):
        _receive_all(in_transit, reza)

    notices = SmsMessage.objects.filter(kind="card_ready")
    assert set(notices.values_list("status", flat=True)) == {"failed"}  # no retry helps
    waiting = cards_waiting_at(office_id=reza.office_id, today=timezone.localdate())
    assert len(waiting) == 2 and all(w.notice_failed for w in waiting)
    response = token_client(reza).get("/api/v1/office/cards-waiting?failed_only=true")
    assert response.status_code == 200
    assert {row["notice_status"] for row in response.json()} == {"failed"}


def test_a_delivery_report_of_an_unreachable_number_marks_the_notice_undeliverable(
    in_transit, reza, kavenegar, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _receive_all(in_transit, reza)
    first, second = (Collection.objects.get(card=c).last_sms for c in in_transit.cards)
    assert first.status == second.status == "sent"
    kavenegar.delivery_status = {first.provider_message_id: 6, second.provider_message_id: 10}

    assert sms_delivery_reports_collect() == (1, 1)

    notice = card_waiting_notice(in_transit.applications[0])
    assert notice["notice_failed"] and notice["notice_status"] == "undeliverable"
    assert card_waiting_notice(in_transit.applications[1])["notice_status"] == "delivered"


def test_a_provider_outage_is_retried_with_back_off_not_failed(
    in_transit, reza, kavenegar, django_capture_on_commit_callbacks
):
    kavenegar.fail_http = True
    with django_capture_on_commit_callbacks(execute=True):
        _receive_all(in_transit, reza)
    notice = SmsMessage.objects.filter(kind="card_ready").first()
    assert notice.status == "queued" and notice.attempts == 1
    assert notice.next_attempt_at > timezone.now()


def _code_sent_to(mobile: str) -> str:
    body = SmsMessage.objects.filter(to=mobile, kind="otp").latest("pk").body
    return re.search(r"\d{4,}", fold_digits(body)).group(0)


def test_the_citizen_moves_the_notice_to_a_new_mobile_after_a_code_sent_to_it(
    sara_ready, client, django_capture_on_commit_callbacks
):
    SmsMessage.objects.filter(kind="card_ready").update(status="failed")
    app = sara_ready.application
    ask = {
        "national_code": "0499370899",
        "tracking_code": app.tracking_code,
        "mobile": "۰۹۳۵۱۱۱۲۲۳۳",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/track/card-mobile", json.dumps(ask), content_type="application/json"
        )
    assert response.status_code == 202, response.content
    assert SmsMessage.objects.filter(to=NEW_MOBILE, kind="otp").exists()

    wrong = client.post(
        "/api/v1/track/card-mobile/verify",
        json.dumps({**ask, "code": "000000"}),
        content_type="application/json",
    )
    assert wrong.status_code in (400, 401, 403, 422)
    assert wrong.json()["code"] == "OTP_INVALID"

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            "/api/v1/track/card-mobile/verify",
            json.dumps({**ask, "code": _code_sent_to(NEW_MOBILE)}),
            content_type="application/json",
        )
    assert done.status_code == 200, done.content
    assert done.json()["mobile_tail"] == "2233"
    app.refresh_from_db()
    assert app.mobile == NEW_MOBILE
    notice = Collection.objects.get(card=sara_ready.card).last_sms
    assert notice.to == NEW_MOBILE and notice.kind == "card_ready" and notice.status == "sent"
    assert not card_waiting_notice(app)["notice_failed"]
    assert AuditEntry.objects.filter(
        action="application.mobile_changed", reason="card_ready_notice"
    ).exists()


def test_the_mobile_is_not_changed_for_a_card_that_is_not_waiting(in_transit, client):
    app = in_transit.applications[0]  # shipped, not yet received
    ask = {
        "national_code": app.citizen.national_code,
        "tracking_code": app.tracking_code,
        "mobile": NEW_MOBILE,
    }
    response = client.post(
        "/api/v1/track/card-mobile", json.dumps(ask), content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "CARD_NOT_WAITING"
    assert not SmsMessage.objects.filter(to=NEW_MOBILE).exists()


def test_a_wrong_national_code_learns_nothing(sara_ready, client):
    ask = {
        "national_code": "0013542419",
        "tracking_code": sara_ready.application.tracking_code,
        "mobile": NEW_MOBILE,
    }
    response = client.post(
        "/api/v1/track/card-mobile", json.dumps(ask), content_type="application/json"
    )
    assert response.status_code == 404
    assert response.json()["code"] == "TRACKING_NOT_FOUND"


def test_reminders_go_out_on_their_days_once_each(in_transit, reza, settings):
    settings.DELIVERY_REMINDER_DAYS = (7, 30)
    _receive_all(in_transit, reza)
    arrived = timezone.localdate()

    assert collection_reminders_send(today=arrived + dt.timedelta(days=6)) == 0
    assert collection_reminders_send(today=arrived + dt.timedelta(days=7)) == 2
    assert collection_reminders_send(today=arrived + dt.timedelta(days=8)) == 0  # claimed
    reminders = SmsMessage.objects.filter(kind="card_ready_reminder")
    assert reminders.count() == 2
    assert all(m.body.startswith("هویت: یادآوری") for m in reminders)
    rows = Collection.objects.filter(card__in=in_transit.cards)
    assert {(c.reminders_sent, c.next_reminder_on) for c in rows} == {
        (1, arrived + dt.timedelta(days=30))
    }
    assert {c.last_sms.kind for c in rows} == {"card_ready_reminder"}

    assert collection_reminders_send(today=arrived + dt.timedelta(days=40)) == 2
    assert {(c.reminders_sent, c.next_reminder_on) for c in rows.all()} == {(2, None)}
    assert collection_reminders_send(today=arrived + dt.timedelta(days=80)) == 0


def test_no_reminder_for_a_card_already_handed_over(sara_ready, settings):
    settings.DELIVERY_REMINDER_DAYS = (7,)
    Collection.objects.filter(card=sara_ready.card).update(collected_at=timezone.now())
    sent = collection_reminders_send(today=timezone.localdate() + dt.timedelta(days=7))
    assert sent == 1  # the stranger's card only
    assert not SmsMessage.objects.filter(
        kind="card_ready_reminder", to=sara_ready.application.mobile
    ).exists()


def test_reminders_respect_the_limit(in_transit, reza, settings):
    settings.DELIVERY_REMINDER_DAYS = (7,)
    _receive_all(in_transit, reza)
    day = timezone.localdate() + dt.timedelta(days=7)
    assert collection_reminders_send(today=day, limit=1) == 1
    assert collection_reminders_send(today=day, limit=1) == 1
    assert collection_reminders_send(today=day, limit=1) == 0
