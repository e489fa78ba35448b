"""The sandbox bank, through the gateway interface a real Iranian gateway would offer."""

import pytest

from hoviat.payments.gateways import (
    CODE_ALREADY_VERIFIED,
    CODE_AMOUNT_MISMATCH,
    CODE_NOT_PAID,
    CODE_UNKNOWN_AUTHORITY,
    CODE_VERIFIED,
    GatewayError,
    SandboxGateway,
    get_gateway,
    sandbox_signature,
)
from hoviat.payments.models import SandboxStatus, SandboxTransaction
from hoviat.payments.sandbox_bank import (
    CardInput,
    SandboxTransactionCompleted,
    sandbox_return_url,
    sandbox_transaction_cancel,
    sandbox_transaction_pay,
)

pytestmark = pytest.mark.django_db

CALLBACK = "https://hoviat.example/payments/callback"


def card(pan="6037990000000000"):
    return CardInput(pan=pan, cvv2="123", expiry_month=12, expiry_year=8, password="123456")


def callback_params(url):
    from urllib.parse import parse_qsl, urlsplit

    return dict(parse_qsl(urlsplit(url).query))


@pytest.fixture
def gateway():
    return SandboxGateway(base_url="https://hoviat.example")


def test_the_gateway_happy_path_is_request_pay_signed_callback_verify(gateway):
    authority = gateway.request(
        amount_rials=1_450_000, callback_url=CALLBACK, description="هزینه کارت"
    )
    assert authority.startswith("A") and len(authority) == 36
    assert gateway.start_url(authority) == (
        f"https://hoviat.example/payments/sandbox/pay/{authority}"
    )

    row = sandbox_transaction_pay(authority=authority, card=card())
    params = callback_params(sandbox_return_url(row))
    data = gateway.parse_callback(params, amount_rials=1_450_000)
    result = gateway.verify(authority=authority, amount_rials=1_450_000)

    assert params["Status"] == "OK" and data.ok and data.signature_valid
    assert data.authority == authority
    assert result.ok and result.code == CODE_VERIFIED and not result.already_verified
    assert len(result.ref_id) == 12 and result.ref_id.isdigit()
    assert result.card_pan_masked == "603799******0000"


def test_the_callback_keeps_the_merchants_own_query_string(gateway):
    authority = gateway.request(
        amount_rials=10_000, callback_url=CALLBACK + "?lang=fa", description=""
    )
    url = sandbox_return_url(sandbox_transaction_cancel(authority=authority))

    assert url.startswith(CALLBACK + "?lang=fa&Authority=")
    assert callback_params(url)["Status"] == "NOK"


def test_verify_refuses_a_wrong_amount(gateway):
    authority = gateway.request(amount_rials=1_450_000, callback_url=CALLBACK, description="")
    sandbox_transaction_pay(authority=authority, card=card())

    result = gateway.verify(authority=authority, amount_rials=1_000)

    assert not result.ok and result.code == CODE_AMOUNT_MISMATCH and result.ref_id == ""
    assert not SandboxTransaction.objects.get(authority=authority).verified


def test_a_second_verify_says_already_verified_with_the_same_ref_id(gateway):
    authority = gateway.request(amount_rials=1_450_000, callback_url=CALLBACK, description="")
    sandbox_transaction_pay(authority=authority, card=card())

    first = gateway.verify(authority=authority, amount_rials=1_450_000)
    second = gateway.verify(authority=authority, amount_rials=1_450_000)

    assert second.ok and second.already_verified and second.code == CODE_ALREADY_VERIFIED
    assert second.ref_id == first.ref_id


def test_verify_refuses_an_unpaid_a_cancelled_and_an_unknown_transaction(gateway):
    pending = gateway.request(amount_rials=5_000, callback_url=CALLBACK, description="")
    cancelled = gateway.request(amount_rials=5_000, callback_url=CALLBACK, description="")
    sandbox_transaction_cancel(authority=cancelled)

    assert gateway.verify(authority=pending, amount_rials=5_000).code == CODE_NOT_PAID
    assert gateway.verify(authority=cancelled, amount_rials=5_000).code == CODE_NOT_PAID
    assert gateway.verify(authority="A" + "0" * 35, amount_rials=5_000).code == (
        CODE_UNKNOWN_AUTHORITY
    )


def test_a_card_ending_in_0002_is_refused_for_insufficient_funds(gateway):
    authority = gateway.request(amount_rials=5_000, callback_url=CALLBACK, description="")

    row = sandbox_transaction_pay(authority=authority, card=card("6037990000000002"))

    assert row.status == SandboxStatus.FAILED and row.failure_reason == "insufficient_funds"
    assert callback_params(sandbox_return_url(row))["Status"] == "NOK"
    assert not gateway.verify(authority=authority, amount_rials=5_000).ok


def test_a_finished_transaction_cannot_be_paid_again(gateway):
    authority = gateway.request(amount_rials=5_000, callback_url=CALLBACK, description="")
    first = sandbox_transaction_pay(authority=authority, card=card())

    with pytest.raises(SandboxTransactionCompleted):
        sandbox_transaction_pay(authority=authority, card=card())
    with pytest.raises(SandboxTransactionCompleted):
        sandbox_transaction_cancel(authority=authority)
    assert SandboxTransaction.objects.get(authority=authority).ref_id == first.ref_id


def test_a_signature_for_another_status_or_amount_or_secret_is_invalid(gateway, settings):
    authority = gateway.request(amount_rials=5_000, callback_url=CALLBACK, description="")
    signed_nok = sandbox_signature(authority=authority, status="NOK", amount_rials=5_000)

    as_ok = {"Authority": authority, "Status": "OK", "Signature": signed_nok}
    as_nok = {"Authority": authority, "Status": "NOK", "Signature": signed_nok}
    assert not gateway.parse_callback(as_ok, amount_rials=5_000).signature_valid
    assert gateway.parse_callback(as_nok, amount_rials=5_000).signature_valid
    assert not gateway.parse_callback(as_nok, amount_rials=5_001).signature_valid
    settings.SANDBOX_GATEWAY_SECRET = "another secret"
    assert not gateway.parse_callback(as_nok, amount_rials=5_000).signature_valid


def test_the_gateway_refuses_an_amount_below_its_minimum(gateway):
    with pytest.raises(GatewayError) as caught:
        gateway.request(amount_rials=999, callback_url=CALLBACK, description="")
    assert caught.value.code == "PAYMENT_AMOUNT_INVALID"


def test_the_gateway_is_chosen_by_settings(settings):
    settings.PAYMENT_GATEWAY = "sandbox"
    assert isinstance(get_gateway(), SandboxGateway)
