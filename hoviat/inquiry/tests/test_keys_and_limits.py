"""Who may ask, what, how often: keys, scopes, networks, rate limits, quotas, bad input."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from hoviat.core.models import AuditEntry
from hoviat.inquiry import services
from hoviat.inquiry.models import ApiKey, InquiryLog
from hoviat.inquiry.tests.conftest import Partner

CARD = {"national_code": "0499370899", "card_serial": "IR0000000001", "purpose": "LOAN"}


def card_ask(client: Client, **headers):
    return client.post(
        "/api/v1/inquiry/card",
        data=json.dumps(CARD),
        content_type="application/json",
        headers=headers or None,
    )


def assert_problem(response, status: int, code: str):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    assert body["detail"]  # Persian text for people
    return body


def test_it_refuses_a_request_without_a_key(db):
    assert_problem(card_ask(Client()), 401, "API_KEY_MISSING")


def test_it_refuses_a_wrong_key_and_a_key_of_the_right_shape_but_wrong_secret(bank):
    assert_problem(card_ask(Client(), **{"X-API-Key": "not-a-key"}), 401, "API_KEY_INVALID")
    scheme, prefix, _ = bank.raw.split(".")
    forged = f"{scheme}.{prefix}.{'A' * 43}"
    assert_problem(card_ask(Client(), **{"X-API-Key": forged}), 401, "API_KEY_INVALID")


def test_the_key_is_stored_only_as_a_hash(bank):
    key = ApiKey.objects.get(pk=bank.key.pk)
    secret = bank.raw.split(".")[2]

    assert secret not in key.key_hash and secret not in str(
        AuditEntry.objects.values_list("data", flat=True)[::1]
    )
    assert len(key.key_hash) == 64


def test_a_revoked_key_stops_at_once(bank, nasrin):
    services.api_key_revoke(key_id=bank.key.pk, reason="leaked in a log", actor=nasrin)

    assert_problem(card_ask(bank.client), 401, "API_KEY_REVOKED")
    assert AuditEntry.objects.filter(action="inquiry.api_key_revoked").count() == 1


def test_a_rotated_key_overlaps_with_its_successor_then_expires(bank):
    new_raw, _ = services.api_key_rotate(key_id=bank.key.pk, overlap=dt.timedelta(days=2))
    successor = Client(headers={"X-API-Key": new_raw})

    assert card_ask(bank.client).status_code == 200
    assert card_ask(successor).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(days=2, minutes=1)):
        assert_problem(card_ask(bank.client), 401, "API_KEY_EXPIRED")
        assert card_ask(successor).status_code == 200


def test_it_refuses_an_endpoint_outside_the_partners_scopes(make_partner):
    operator = make_partner("اپراتور تلفن همراه", scopes=["identity"])

    body = assert_problem(operator.post("/inquiry/card", CARD), 403, "SCOPE_NOT_GRANTED")

    assert body["scope"] == "card"
    assert not InquiryLog.objects.exists()


def test_it_refuses_a_source_address_outside_the_partners_networks(make_partner):
    bank = make_partner(networks=["10.20.0.0/16"])

    assert_problem(
        bank.client.post(
            "/api/v1/inquiry/card",
            data=json.dumps(CARD),
            content_type="application/json",
            REMOTE_ADDR="192.0.2.7",
        ),
        403,
        "NETWORK_NOT_ALLOWED",
    )
    inside = bank.client.post(
        "/api/v1/inquiry/card",
        data=json.dumps(CARD),
        content_type="application/json",
        REMOTE_ADDR="10.20.3.4",
    )
    assert inside.status_code == 200


def test_a_suspended_partner_is_refused(bank):
    services.partner_update(partner_id=bank.partner.pk, changes={"is_active": False})

    assert_problem(card_ask(bank.client), 403, "PARTNER_SUSPENDED")


def test_it_limits_requests_per_minute_with_retry_after(make_partner):
    bank = make_partner(rate=3)
    moment = timezone.now().replace(second=10, microsecond=0)

    with time_machine.travel(moment, tick=False):
        assert [bank.post("/inquiry/card", CARD).status_code for _ in range(3)] == [200] * 3
        refused = bank.post("/inquiry/card", CARD)
    assert_problem(refused, 429, "RATE_LIMITED")
    assert refused["Retry-After"] == "50"
    with time_machine.travel(moment + dt.timedelta(seconds=51), tick=False):
        assert bank.post("/inquiry/card", CARD).status_code == 200


def test_the_rate_limit_is_per_key(make_partner):
    bank = make_partner(rate=1)
    raw, _ = services.api_key_create(partner_id=bank.partner.pk)
    second = Partner(bank.name, raw, bank.partner, None)
    moment = timezone.now().replace(second=0)

    with time_machine.travel(moment, tick=False):
        assert bank.post("/inquiry/card", CARD).status_code == 200
        assert second.post("/inquiry/card", CARD).status_code == 200
        assert bank.post("/inquiry/card", CARD).status_code == 429


def test_it_stops_at_the_daily_quota_until_midnight_in_tehran(make_partner):
    bank = make_partner(quota=2)
    # 22:00 in Tehran (UTC+03:30): two hours to midnight.
    moment = dt.datetime(2026, 11, 22, 18, 30, tzinfo=dt.UTC)

    with time_machine.travel(moment, tick=False):
        assert bank.post("/inquiry/card", CARD).status_code == 200
    with time_machine.travel(moment + dt.timedelta(minutes=5), tick=False):
        assert bank.post("/inquiry/card", CARD).status_code == 200
        refused = bank.post("/inquiry/card", CARD)
    assert_problem(refused, 429, "QUOTA_EXCEEDED")
    assert refused["Retry-After"] == str(2 * 3600 - 5 * 60)
    with time_machine.travel(moment + dt.timedelta(hours=2, minutes=1), tick=False):
        assert bank.post("/inquiry/card", CARD).status_code == 200


def test_it_refuses_an_unknown_purpose(bank):
    body = assert_problem(
        bank.post("/inquiry/card", {**CARD, "purpose": "CURIOSITY"}), 422, "PURPOSE_UNKNOWN"
    )
    assert "BANK_ACCOUNT_OPENING" in body["allowed"]


@pytest.mark.parametrize(
    ("national_code", "code"),
    [
        ("0499370898", "NATIONAL_CODE_CHECKSUM"),
        ("12345", "NATIONAL_CODE_LENGTH"),
        ("04993708x9", "NATIONAL_CODE_FORMAT"),
        ("1111111111", "NATIONAL_CODE_REPEATED"),
    ],
)
def test_it_refuses_malformed_national_codes(bank, national_code, code):
    assert_problem(bank.post("/inquiry/card", {**CARD, "national_code": national_code}), 422, code)


def test_it_refuses_a_body_missing_fields(bank):
    assert_problem(bank.post("/inquiry/card", {"purpose": "LOAN"}), 422, "VALIDATION_FAILED")


def test_the_ping_checks_the_key_but_counts_nothing(make_partner):
    bank = make_partner(quota=1)

    for _ in range(3):
        response = bank.client.get("/api/v1/inquiry/ping")
        assert response.status_code == 200
    assert response.json() == {"ok": True, "partner": bank.name}
    assert not InquiryLog.objects.exists()
    assert_problem(Client().get("/api/v1/inquiry/ping"), 401, "API_KEY_MISSING")


def test_the_partner_command_prints_a_working_key_once(db, capsys):
    call_command(
        "partner",
        "create",
        "بانک سپه",
        "--scopes",
        "card,receipt",
        "--rate-limit",
        "100",
        "--daily-quota",
        "5000",
        "--networks",
        "10.0.0.0/8",
    )
    raw = capsys.readouterr().out.strip()

    response = Client(headers={"X-API-Key": raw}).post(
        "/api/v1/inquiry/card",
        data=json.dumps(CARD),
        content_type="application/json",
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 200
    partner = ApiKey.objects.get().partner
    assert (partner.scopes, partner.rate_limit_per_minute, partner.daily_quota) == (
        ["card", "receipt"],
        100,
        5000,
    )
    assert partner.allowed_networks == ["10.0.0.0/8"]
    assert AuditEntry.objects.filter(action="inquiry.partner_created").exists()


def test_the_partner_command_rotates_and_revokes_keys(bank, capsys):
    call_command("partner", "key-rotate", bank.key.prefix, "--overlap-days", "0")
    new_raw = capsys.readouterr().out.strip()

    assert_problem(card_ask(bank.client), 401, "API_KEY_EXPIRED")
    successor = Client(headers={"X-API-Key": new_raw})
    assert card_ask(successor).status_code == 200

    call_command("partner", "key-revoke", new_raw.split(".")[1])
    assert_problem(card_ask(successor), 401, "API_KEY_REVOKED")


def test_it_refuses_unknown_scopes_when_registering_a_partner(db):
    from hoviat.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        services.partner_create(name="x", scopes=["card", "everything"])
    assert caught.value.code == "SCOPE_UNKNOWN"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/inquiry/card", "card_serial"),
        ("/inquiry/receipt", "receipt_number"),
        ("/inquiry/paper-card", "card_number"),
    ],
)
def test_odd_characters_in_a_number_are_not_found_rather_than_an_error(bank, path, field):
    body = {
        "national_code": "0499370899",
        "tracking_code": "140512345678",
        "card_serial": "IR1",
        "card_number": "1",
        "purpose": "LOAN",
        field: "IR\x00' OR 1=1 --",
    }

    response = bank.post(path, body)

    assert response.status_code == 200, response.content
    assert response.json()["reason_code"] == "NOT_FOUND"


def test_a_key_with_an_odd_prefix_is_invalid_without_a_lookup(db):
    client = Client(headers={"X-API-Key": "hv1.zz'zz\u06f1zzzz.secret"})

    assert_problem(card_ask(client), 401, "API_KEY_INVALID")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_rate_limit_holds_when_each_count_commits_on_its_own(make_partner):
    # Outside a test transaction, as in production: the count commits asynchronously.
    bank = make_partner(rate=5)
    moment = timezone.now().replace(second=1)

    with time_machine.travel(moment, tick=False):
        statuses = [bank.post("/inquiry/card", CARD).status_code for _ in range(7)]

    assert statuses == [200] * 5 + [429] * 2


def test_a_key_revoked_here_stops_at_once_even_if_just_used(bank):
    assert card_ask(bank.client).status_code == 200  # the key is now kept by this process

    services.api_key_revoke(key_id=bank.key.pk, reason="leaked")

    assert_problem(card_ask(bank.client), 401, "API_KEY_REVOKED")


def test_a_key_revoked_by_another_process_stops_within_the_cache_delay(bank, monkeypatch, settings):
    from hoviat.inquiry import selectors

    settings.INQUIRY_KEY_CACHE_SECONDS = 5
    moment = [1000.0]
    monkeypatch.setattr(selectors, "_clock", lambda: moment[0])
    assert card_ask(bank.client).status_code == 200
    # Another web process revokes: this one's copy is not told.
    ApiKey.objects.filter(pk=bank.key.pk).update(revoked_at=timezone.now())

    moment[0] += 4  # within INQUIRY_KEY_CACHE_SECONDS (5)
    assert card_ask(bank.client).status_code == 200
    moment[0] += 1.5
    assert_problem(card_ask(bank.client), 401, "API_KEY_REVOKED")
