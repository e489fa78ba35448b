"""Starting a payment (service and API), the abandon sweep, and the fee for a lost card."""

import datetime as dt

import pytest
from django.utils import timezone

from hoviat.applications.models import Application
from hoviat.core.errors import InvalidTransition
from hoviat.core.models import AuditEntry
from hoviat.payments.models import Payment, SandboxTransaction
from hoviat.payments.services import (
    PaymentNotNeeded,
    fee_for_lost_card,
    payment_start,
    payments_abandon_sweep,
)
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_starting_a_payment_registers_the_fee_with_the_bank(application, sara_actor):
    payment, url = payment_start(
        application=application, actor=sara_actor, base_url="https://hoviat.example/"
    )

    bank = SandboxTransaction.objects.get(authority=payment.authority)
    assert url == f"https://hoviat.example/payments/sandbox/pay/{payment.authority}"
    assert payment.status == "initiated" and payment.gateway == "sandbox"
    assert payment.amount_rials == bank.amount_rials == 1_450_000
    assert bank.callback_url == "https://hoviat.example/payments/callback"
    assert application.tracking_code in bank.description
    assert AuditEntry.objects.filter(action="payment.initiated", object_id=str(payment.pk)).exists()


def test_the_callback_address_defaults_to_the_public_base_url(application, sara_actor, settings):
    settings.PUBLIC_BASE_URL = "https://kart.example.ir"

    payment, url = payment_start(application=application, actor=sara_actor)

    assert url.startswith("https://kart.example.ir/payments/sandbox/pay/")
    assert SandboxTransaction.objects.get(authority=payment.authority).callback_url == (
        "https://kart.example.ir/payments/callback"
    )


def test_a_new_attempt_abandons_the_earlier_one(application, sara_actor):
    first, _ = payment_start(application=application, actor=sara_actor)
    second, _ = payment_start(application=application, actor=sara_actor)

    first.refresh_from_db()
    assert first.status == "abandoned" and first.failure_reason == "superseded"
    assert second.status == "initiated"
    assert (
        AuditEntry.objects.filter(action="payment.abandoned", object_id=str(first.pk)).count() == 1
    )


def test_paying_an_already_paid_application_is_refused(application, sara_actor):
    Application.objects.filter(pk=application.pk).update(status="paid")
    application.refresh_from_db()

    with pytest.raises(PaymentNotNeeded) as caught:
        payment_start(application=application, actor=sara_actor)

    assert caught.value.code == "PAYMENT_NOT_NEEDED" and caught.value.status == 409
    assert not Payment.objects.exists() and not SandboxTransaction.objects.exists()


def test_paying_a_cancelled_application_is_an_invalid_transition(application, sara_actor):
    Application.objects.filter(pk=application.pk).update(status="cancelled")
    application.refresh_from_db()

    with pytest.raises(InvalidTransition) as caught:
        payment_start(application=application, actor=sara_actor)

    assert caught.value.code == "INVALID_TRANSITION"


def test_the_api_starts_a_payment_for_the_signed_in_citizen(client, application, sara_token):
    response = client.post(
        f"/api/v1/applications/{application.tracking_code}/payment", **bearer(sara_token)
    )

    body = response.json()
    assert response.status_code == 201
    assert body["amount_rials"] == 1_450_000
    assert body["payment_url"].endswith(f"/payments/sandbox/pay/{body['authority']}")
    assert Payment.objects.get().authority == body["authority"]


def test_a_double_submit_with_one_idempotency_key_starts_one_payment(
    client, application, sara_token
):
    url = f"/api/v1/applications/{application.tracking_code}/payment"
    headers = {**bearer(sara_token), "HTTP_IDEMPOTENCY_KEY": "pay-1"}

    first = client.post(url, **headers)
    second = client.post(url, **headers)

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json() and second["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1 and SandboxTransaction.objects.count() == 1


def test_the_api_refuses_to_charge_a_paid_application_as_problem_json(
    client, application, sara_token
):
    Application.objects.filter(pk=application.pk).update(status="paid")

    response = client.post(
        f"/api/v1/applications/{application.tracking_code}/payment", **bearer(sara_token)
    )

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "PAYMENT_NOT_NEEDED"


def test_the_api_hides_another_citizens_application(client, application, sara_token):
    # Another person's application: Sara's mobile does not own its national code.
    other = CitizenFactory()
    Application.objects.filter(pk=application.pk).update(citizen=other, mobile=other.mobile)

    response = client.post(
        f"/api/v1/applications/{application.tracking_code}/payment", **bearer(sara_token)
    )

    assert response.status_code == 404
    assert not Payment.objects.exists()


def test_the_api_needs_a_signed_in_citizen(client, application):
    response = client.post(f"/api/v1/applications/{application.tracking_code}/payment")

    assert response.status_code == 401


def test_the_api_lists_the_attempts_newest_first(client, application, sara_token, sara_actor):
    first, _ = payment_start(application=application, actor=sara_actor)
    second, _ = payment_start(application=application, actor=sara_actor)

    response = client.get(
        f"/api/v1/applications/{application.tracking_code}/payments", **bearer(sara_token)
    )

    rows = response.json()
    assert response.status_code == 200
    assert [r["authority"] for r in rows] == [second.authority, first.authority]
    assert [r["status"] for r in rows] == ["initiated", "abandoned"]
    assert rows[1]["status_label"] == "رها شده" and rows[0]["ref_id"] == ""
    assert "failure_reason" not in rows[0]


def test_the_sweep_abandons_payments_left_at_the_bank_and_is_safe_to_run_twice(
    application, sara_actor
):
    old, _ = payment_start(application=application, actor=sara_actor)
    Payment.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    other = Application.objects.create(
        tracking_code="00000000000",
        citizen=application.citizen,
        kind="first",
        fee_rials=1_450_000,
        mobile=application.mobile,
        status="cancelled",
    )
    fresh = Payment.objects.create(
        application=other, amount_rials=1, gateway="sandbox", authority="A-fresh"
    )

    assert payments_abandon_sweep(older_than_minutes=30) == 1
    assert payments_abandon_sweep(older_than_minutes=30) == 0

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == "abandoned" and old.failure_reason == "timeout" and old.completed_at
    assert fresh.status == "initiated"
    assert AuditEntry.objects.filter(action="payment.abandoned").count() == 1


def test_the_sweep_works_in_batches(application, sara_actor):
    for _ in range(5):
        payment_start(application=application, actor=sara_actor)
    Payment.objects.update(created_at=timezone.now() - dt.timedelta(hours=1))

    # Four were abandoned by the attempts after them; the last one by the sweep.
    assert payments_abandon_sweep(older_than_minutes=30, batch_size=1) == 1
    assert not Payment.objects.filter(status="initiated").exists()


@pytest.mark.parametrize(
    ("previous_losses", "fee"),
    [
        (0, 2_900_000),
        (1, 4_350_000),
        (2, 5_800_000),
        (3, 5_800_000),
        (10, 5_800_000),
    ],
)
def test_the_lost_card_fee_rises_with_each_loss_then_stays(previous_losses, fee, settings):
    settings.FEE_LOST_RIALS = [2_900_000, 4_350_000, 5_800_000]

    assert fee_for_lost_card(previous_losses=previous_losses) == fee


def test_a_negative_loss_count_is_a_bug():
    with pytest.raises(ValueError):
        fee_for_lost_card(previous_losses=-1)
