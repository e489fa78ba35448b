"""Callbacks that arrive together (a double-clicked return button, two tabs) on PostgreSQL."""

import threading
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.db import connection

from hoviat.applications.models import Application
from hoviat.core.models import AuditEntry
from hoviat.notifications.models import SmsMessage
from hoviat.payments.sandbox_bank import CardInput, sandbox_return_url, sandbox_transaction_pay
from hoviat.payments.services import payment_callback_handle, payment_start

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CARD = CardInput(
    pan="6037990000000000", cvv2="123", expiry_month=12, expiry_year=8, password="123456"
)


def paid_callback(authority: str) -> dict[str, str]:
    row = sandbox_transaction_pay(authority=authority, card=CARD)
    return dict(parse_qsl(urlsplit(sandbox_return_url(row)).query))


def run_together(*calls) -> list[str]:
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []

    def run(call) -> None:
        try:
            barrier.wait()
            outcomes.append(call().status)
        except Exception as exc:  # the test reports any exception as an outcome
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(call,)) for call in calls]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sorted(outcomes)


def test_the_same_callback_twice_at_once_pays_once(application, sara_actor):
    payment, _ = payment_start(application=application, actor=sara_actor)
    params = paid_callback(payment.authority)

    outcomes = run_together(
        lambda: payment_callback_handle(params=params),
        lambda: payment_callback_handle(params=params),
    )

    assert outcomes == ["succeeded", "succeeded"]
    assert AuditEntry.objects.filter(action="application.paid").count() == 1
    assert SmsMessage.objects.filter(kind="payment_succeeded").count() == 1


def test_two_paid_attempts_at_once_pay_once_and_flag_the_other_for_refund(application, sara_actor):
    first, _ = payment_start(application=application, actor=sara_actor)
    second, _ = payment_start(application=application, actor=sara_actor)
    first_params, second_params = paid_callback(first.authority), paid_callback(second.authority)

    outcomes = run_together(
        lambda: payment_callback_handle(params=first_params),
        lambda: payment_callback_handle(params=second_params),
    )

    assert outcomes == ["refund_due", "succeeded"]
    assert Application.objects.get(pk=application.pk).status == "paid"
    assert AuditEntry.objects.filter(action="application.paid").count() == 1


def test_a_callback_and_a_new_attempt_at_once_do_not_deadlock(application, sara_actor):
    payment, _ = payment_start(application=application, actor=sara_actor)
    params = paid_callback(payment.authority)

    outcomes = run_together(
        lambda: payment_callback_handle(params=params),
        lambda: payment_start(application=application, actor=sara_actor)[0],
    )

    # Either the new attempt came first (and was abandoned by the payment), or it came
    # second and was told the fee is paid; never a deadlock, never two payments.
    assert "succeeded" in outcomes
    assert set(outcomes) - {"succeeded"} <= {"initiated", "PaymentNotNeeded"}
    assert application.payments.filter(status="succeeded").count() == 1
    assert not application.payments.filter(status="initiated").exists()
