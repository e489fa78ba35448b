"""Our callback: the bank's redirect is checked, verified, and acted on exactly once."""

import datetime as dt
from urllib.parse import parse_qsl, urlsplit

import pytest
import time_machine
from django.utils import timezone

from hoviat.applications.models import Application
from hoviat.core.models import AuditEntry
from hoviat.core.text import persian_digits
from hoviat.notifications.models import SmsMessage
from hoviat.payments.gateways import sandbox_signature
from hoviat.payments.models import Payment, SandboxTransaction
from hoviat.payments.services import (
    PaymentSignatureInvalid,
    payment_callback_handle,
    payment_start,
)
from hoviat.payments.tests.conftest import POOR_CARD

pytestmark = pytest.mark.django_db


def params_of(url):
    return dict(parse_qsl(urlsplit(url).query))


def audit_actions(*actions):
    return list(AuditEntry.objects.filter(action__in=actions).values_list("action", flat=True))


@pytest.fixture
def started(application, sara_actor):
    payment, url = payment_start(
        application=application, actor=sara_actor, base_url="http://testserver"
    )
    return payment, url


def test_an_ok_callback_pays_the_application_with_the_bank_ref_id(started, pay_at_bank, client):
    payment, url = started

    response = client.get(pay_at_bank(url))

    payment.refresh_from_db()
    application = Application.objects.get(pk=payment.application_id)
    assert response.status_code == 200
    assert payment.status == "succeeded" and payment.ref_id and payment.completed_at
    assert payment.card_pan_masked == "603799******0000"
    # No seat was held before paying, so the application is paid and waits for a booking.
    assert application.status == "paid" and application.paid_at is not None
    page = response.content.decode()
    assert persian_digits(payment.ref_id) in page
    assert persian_digits(application.tracking_code) in page
    sms = SmsMessage.objects.get(kind="payment_succeeded")
    assert sms.to == application.mobile
    assert persian_digits(payment.ref_id) in sms.body and "۱٬۴۵۰٬۰۰۰" in sms.body
    paid = AuditEntry.objects.get(action="application.paid")
    assert (paid.from_state, paid.to_state) == ("pre_registered", "paid")
    assert paid.data["ref_id"] == payment.ref_id


def test_a_replayed_ok_callback_is_idempotent(started, pay_at_bank, client):
    payment, url = started
    callback = pay_at_bank(url)

    first = client.get(callback)
    second = client.get(callback)
    again = payment_callback_handle(params=params_of(callback))

    payment.refresh_from_db()
    assert first.status_code == second.status_code == 200
    assert again.status == "succeeded" and again.ref_id == payment.ref_id
    assert audit_actions("application.paid") == ["application.paid"]
    assert audit_actions("payment.succeeded") == ["payment.succeeded"]
    assert SmsMessage.objects.filter(kind="payment_succeeded").count() == 1
    assert persian_digits(payment.ref_id) in second.content.decode()


def test_a_forged_signature_changes_nothing_and_is_audited(started, pay_at_bank, client):
    payment, url = started
    params = params_of(pay_at_bank(url))
    params["Signature"] = "0" * 64
    before = AuditEntry.objects.count()

    response = client.get("/payments/callback", params)

    payment.refresh_from_db()
    assert response.status_code == 400
    assert "PAYMENT_SIGNATURE_INVALID" in response.content.decode()
    assert "قابل تأیید نیست" in response.content.decode()
    assert payment.status == "initiated" and payment.ref_id == ""
    assert Application.objects.get(pk=payment.application_id).status == "pre_registered"
    assert not SandboxTransaction.objects.get(authority=payment.authority).verified
    assert not SmsMessage.objects.filter(kind="payment_succeeded").exists()
    forged = AuditEntry.objects.get(action="payment.forged_callback")
    assert AuditEntry.objects.count() == before + 1
    assert forged.object_id == str(payment.pk) and forged.reason == "bad_signature"


def test_an_ok_status_with_a_nok_signature_is_a_forgery(started, pay_at_bank):
    payment, url = started
    params = params_of(pay_at_bank(url, pan=POOR_CARD))
    params["Status"] = "OK"

    with pytest.raises(PaymentSignatureInvalid):
        payment_callback_handle(params=params)

    payment.refresh_from_db()
    assert payment.status == "initiated"


def test_a_callback_for_an_unknown_authority_gets_the_same_answer_as_a_forgery(db):
    params = {"Authority": "A" + "1" * 35, "Status": "OK", "Signature": "x"}

    with pytest.raises(PaymentSignatureInvalid):
        payment_callback_handle(params=params, client_ip="203.0.113.9")

    forged = AuditEntry.objects.get(action="payment.forged_callback")
    assert forged.reason == "unknown_authority" and forged.data["client_ip"] == "203.0.113.9"


def test_a_nok_callback_fails_the_payment_and_leaves_the_application_pre_registered(
    started, pay_at_bank, client
):
    payment, url = started

    response = client.get(pay_at_bank(url, pan=POOR_CARD))

    payment.refresh_from_db()
    assert response.status_code == 200
    assert "پرداخت انجام نشد" in response.content.decode()
    assert payment.status == "failed" and payment.failure_reason == "bank_nok:insufficient_funds"
    assert "موجودی کارت برای این پرداخت کافی نبود." in response.content.decode()
    assert Application.objects.get(pk=payment.application_id).status == "pre_registered"
    assert audit_actions("payment.failed") == ["payment.failed"]
    assert not audit_actions("application.paid")


def test_cancelling_at_the_bank_fails_the_payment(started, pay_at_bank):
    payment, url = started

    payment_callback_handle(params=params_of(pay_at_bank(url, action="cancel")))

    payment.refresh_from_db()
    assert payment.status == "failed"
    assert payment.failure_reason == "bank_nok:cancelled"


def test_an_unknown_reason_from_the_bank_is_not_kept(started):
    payment, _ = started
    signature = sandbox_signature(
        authority=payment.authority, status="NOK", amount_rials=payment.amount_rials
    )
    params = {"Authority": payment.authority, "Status": "NOK", "Signature": signature}

    result = payment_callback_handle(params={**params, "Reason": "<script>"})

    assert result.failure_reason == "bank_nok"


def test_a_signed_ok_is_not_enough_when_the_bank_does_not_verify(started):
    # Even a correct signature only says what the browser carried; verify has the last word.
    payment, _ = started
    signature = sandbox_signature(
        authority=payment.authority, status="OK", amount_rials=payment.amount_rials
    )

    result = payment_callback_handle(
        params={"Authority": payment.authority, "Status": "OK", "Signature": signature}
    )

    assert result.status == "failed" and result.failure_reason == "verify_-51"
    assert Application.objects.get(pk=payment.application_id).status == "pre_registered"


def test_a_payment_for_an_application_paid_meanwhile_is_flagged_for_refund(
    application, sara_actor, pay_at_bank
):
    old, old_url = payment_start(
        application=application, actor=sara_actor, base_url="http://testserver"
    )
    _, new_url = payment_start(
        application=application, actor=sara_actor, base_url="http://testserver"
    )
    payment_callback_handle(params=params_of(pay_at_bank(new_url)))

    # The citizen also finished paying in the old tab.
    late = payment_callback_handle(params=params_of(pay_at_bank(old_url)))

    application.refresh_from_db()
    assert late.status == "refund_due" and late.ref_id
    assert late.failure_reason.startswith("application_")
    assert application.payments.filter(status="succeeded").count() == 1
    assert audit_actions("application.paid") == ["application.paid"]
    assert SandboxTransaction.objects.get(authority=old.authority).verified
    assert SmsMessage.objects.filter(kind="payment_refund_due").count() == 1


def test_an_abandoned_payment_finished_later_still_pays_an_unpaid_application(started, pay_at_bank):
    payment, url = started
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    from hoviat.payments.services import payments_abandon_sweep

    assert payments_abandon_sweep(older_than_minutes=30) == 1

    result = payment_callback_handle(params=params_of(pay_at_bank(url)))

    assert result.status == "succeeded"
    assert Application.objects.get(pk=payment.application_id).status == "paid"


def test_a_callback_for_a_cancelled_application_is_flagged_for_refund(started, pay_at_bank):
    payment, url = started
    Application.objects.filter(pk=payment.application_id).update(status="cancelled")

    result = payment_callback_handle(params=params_of(pay_at_bank(url)))

    assert result.status == "refund_due"
    assert result.failure_reason == "application_cancelled: refund"


def test_a_seat_held_before_payment_is_booked_by_the_payment(
    application, sara_actor, pay_at_bank, bushehr_post_office
):
    from hoviat.booking.services import booking_hold, slots_generate
    from hoviat.offices.selectors import OFFICE_TZ

    # A Saturday morning in Bushehr, the office open, its week of slots ahead.
    now = dt.datetime(2026, 11, 21, 8, 0, tzinfo=OFFICE_TZ)
    with time_machine.travel(now, tick=False):
        slots_generate(
            office=bushehr_post_office, start=now.date(), end=now.date() + dt.timedelta(days=7)
        )
        slot = bushehr_post_office.slots.filter(starts_at__gt=now).order_by("starts_at")[2]
        held = booking_hold(application=application, slot_id=slot.pk, actor=sara_actor)
        _, url = payment_start(
            application=application, actor=sara_actor, base_url="http://testserver"
        )

        payment_callback_handle(params=params_of(pay_at_bank(url)))

    held.refresh_from_db()
    application.refresh_from_db()
    assert held.status == "booked"
    assert application.status == "booked" and application.paid_at is not None
    assert audit_actions("application.paid", "application.booked") == [
        "application.paid",
        "application.booked",
    ]
    assert SmsMessage.objects.filter(kind="payment_succeeded").count() == 1


def test_the_actor_of_a_callback_is_the_gateway(started, pay_at_bank):
    _, url = started

    payment_callback_handle(params=params_of(pay_at_bank(url)))

    paid = AuditEntry.objects.get(action="application.paid")
    assert (paid.actor_kind, paid.actor_id) == ("system", "gateway:sandbox")
