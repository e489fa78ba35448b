"""Card inquiry through the API, as a bank calls it, with real cards and signed answers."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hoviat.inquiry.models import InquiryLog
from hoviat.inquiry.services import subject_hash
from hoviat.inquiry.signing import HEADER, detached_verify
from hoviat.inquiry.tests.conftest import card_set_status

SARA = "0499370899"


def ask(bank, card, national_code=SARA, purpose="BANK_ACCOUNT_OPENING"):
    return bank.post(
        "/inquiry/card",
        {"national_code": national_code, "card_serial": card.csn, "purpose": purpose},
    )


def test_it_says_an_active_card_is_valid_with_its_expiry(bank, saras_card):
    response = ask(bank, saras_card)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["result"] == "valid"
    assert body["reason_code"] == "OK"
    assert body["card_status"] == "active"
    assert body["expires_on"] == saras_card.expires_on.isoformat()
    assert body["inquiry_id"] and body["answered_at"]


def test_every_answer_is_signed_and_verifies_with_the_published_keys(bank, saras_card):
    response = ask(bank, saras_card)
    jwks = Client().get("/inquiry/keys").json()

    header = detached_verify(response.content, response[HEADER], jwks)

    assert header["alg"] == "ES256"
    assert header["kid"] == jwks["keys"][0]["kid"]
    assert response[HEADER].count(".") == 2 and ".." in response[HEADER]  # detached payload


def test_a_replayed_answer_keeps_its_signature(bank, saras_card):
    body = {"national_code": SARA, "card_serial": saras_card.csn, "purpose": "LOAN"}
    first = bank.post("/inquiry/card", body, **{"Idempotency-Key": "retry-1"})
    again = bank.post("/inquiry/card", body, **{"Idempotency-Key": "retry-1"})
    jwks = Client().get("/inquiry/keys").json()

    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content and again[HEADER] == first[HEADER]
    detached_verify(again.content, again[HEADER], jwks)


def test_a_changed_answer_no_longer_verifies(bank, saras_card):
    response = ask(bank, saras_card)
    jwks = Client().get("/inquiry/keys").json()
    forged = response.content.replace(b'"valid"', b'"invalid"')

    with pytest.raises(ValueError):
        detached_verify(forged, response[HEADER], jwks)


def test_it_hides_attributes_the_partner_was_not_granted(make_partner, saras_card):
    bank = make_partner(attributes=[])

    body = ask(bank, saras_card).json()

    assert body["result"] == "valid"
    assert body["card_status"] is None and body["expires_on"] is None


def test_someone_elses_national_code_is_not_found_and_leaks_nothing(bank, saras_card):
    body = ask(bank, saras_card, national_code="0012345679").json()

    assert body == {**body, "result": "invalid", "reason_code": "NOT_FOUND"}
    assert body["card_status"] is None and body["expires_on"] is None


def test_an_unknown_serial_is_not_found(bank, saras_card):
    body = bank.post(
        "/inquiry/card",
        {"national_code": SARA, "card_serial": "IR9999999999", "purpose": "LOAN"},
    ).json()

    assert (body["result"], body["reason_code"]) == ("invalid", "NOT_FOUND")


def test_a_card_not_yet_handed_over_is_not_active(bank, a_strangers_card):
    national_code = a_strangers_card.application.citizen.national_code

    body = ask(bank, a_strangers_card, national_code=national_code).json()

    assert (body["result"], body["reason_code"], body["card_status"]) == (
        "invalid",
        "CARD_NOT_ACTIVE",
        "in_transit",
    )


@pytest.mark.parametrize(
    ("status", "reason"),
    [("suspended", "CARD_SUSPENDED"), ("revoked", "CARD_REVOKED"), ("expired", "CARD_EXPIRED")],
)
def test_a_suspended_revoked_or_expired_card_is_invalid(bank, saras_card, status, reason):
    card_set_status(saras_card, status)

    body = ask(bank, saras_card).json()

    assert (body["result"], body["reason_code"], body["card_status"]) == (
        "invalid",
        reason,
        status,
    )


def test_a_card_past_its_printed_expiry_is_expired_without_an_extension(bank, saras_card):
    with time_machine.travel(saras_card.expires_on + dt.timedelta(days=3), tick=False):
        body = ask(bank, saras_card).json()

    assert (body["result"], body["reason_code"]) == ("invalid", "CARD_EXPIRED")


def test_a_card_past_its_printed_expiry_is_valid_under_an_extension(bank, saras_card, nasrin):
    from hoviat.delivery.models import ValidityExtension

    printed = saras_card.expires_on
    ValidityExtension.objects.create(
        expiring_before=printed + dt.timedelta(days=30),
        valid_until=printed + dt.timedelta(days=365),
        effective_from=printed - dt.timedelta(days=10),
        reference="مصوبه هیئت وزیران (آزمایشی)",
        created_by=nasrin,
    )

    with time_machine.travel(printed + dt.timedelta(days=3), tick=False):
        body = ask(bank, saras_card).json()

    assert (body["result"], body["reason_code"]) == ("valid", "OK")
    assert body["expires_on"] == (printed + dt.timedelta(days=365)).isoformat()


def test_each_inquiry_is_logged_with_partner_purpose_and_result_but_no_national_code(
    bank, saras_card
):
    response = ask(bank, saras_card, purpose="SIM_CARD")

    row = InquiryLog.objects.get()
    assert (row.partner_id, row.endpoint, row.purpose, row.result, row.reason_code) == (
        bank.partner.pk,
        "card",
        "SIM_CARD",
        "valid",
        "",
    )
    assert row.key_prefix == bank.key.prefix
    assert str(row.inquiry_id) == response.json()["inquiry_id"]
    assert row.response_sha256 == hashlib.sha256(response.content).hexdigest()
    stored = json.dumps([str(v) for v in InquiryLog.objects.values().get().values()])
    assert SARA not in stored and saras_card.csn not in stored


def test_an_inquiry_id_is_a_version_7_uuid_of_the_answers_millisecond(bank, saras_card):
    ask(bank, saras_card)
    row = InquiryLog.objects.get()
    assert row.inquiry_id.version == 7
    assert row.inquiry_id.int >> 80 == int(row.at.timestamp() * 1000)


def test_a_card_inquiry_costs_a_count_a_read_and_a_log_row(bank, saras_card):
    # The signing key and the API key are read once per process (the key again after a few
    # seconds), not per inquiry.
    ask(bank, saras_card)

    with CaptureQueriesContext(connection) as queries:
        response = ask(bank, saras_card)

    assert response.status_code == 200
    statements = [q["sql"].split()[0] for q in queries]
    if connection.vendor == "postgresql":  # the card is read by the counting statement
        assert statements == ["WITH", "INSERT"], [q["sql"] for q in queries]
    else:
        assert statements == ["UPDATE", "SELECT", "INSERT"], [q["sql"] for q in queries]


def test_the_answer_is_dated_now(bank, saras_card):
    body = ask(bank, saras_card).json()

    answered = dt.datetime.fromisoformat(body["answered_at"])
    assert abs((answered - timezone.now()).total_seconds()) < 5


def test_with_a_replica_the_card_is_read_apart_from_the_count(bank, saras_card, monkeypatch):
    # With a replica the read cannot ride along with the count (a write, on the primary).
    from hoviat.inquiry import selectors

    monkeypatch.setattr(selectors, "reads_from_replica", lambda: True)
    ask(bank, saras_card)

    with CaptureQueriesContext(connection) as queries:
        body = ask(bank, saras_card).json()

    assert (body["result"], body["reason_code"], body["card_status"]) == ("valid", "OK", "active")
    assert [q["sql"].split()[0] for q in queries] == ["UPDATE", "SELECT", "INSERT"]


def test_a_refused_count_tells_nothing_about_the_card(make_partner, saras_card):
    bank = make_partner(rate=1)
    with time_machine.travel(timezone.now().replace(second=5), tick=False):
        ask(bank, saras_card)
        refused = ask(bank, saras_card)

    assert refused.status_code == 429
    assert saras_card.csn not in refused.content.decode() and b"active" not in refused.content
    assert InquiryLog.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("durable", [True, False])
def test_every_answer_is_logged_whether_or_not_the_log_is_durable(
    bank, saras_card, settings, durable
):
    # Outside a test transaction, as in production.
    settings.INQUIRY_LOG_DURABLE = durable
    behind = not durable and connection.vendor == "postgresql"

    with CaptureQueriesContext(connection) as queries:
        response = ask(bank, saras_card)

    inserts = [q["sql"] for q in queries.captured_queries if "inquiry_inquirylog" in q["sql"]]
    if behind:
        # Not durable (PostgreSQL): the answer did not wait; the process's log writer thread
        # writes the row within moments, with nobody asking it to.
        assert inserts == []
        deadline = time.monotonic() + 10
        while not InquiryLog.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
    elif connection.vendor == "postgresql":
        # Durable: the row was committed, synchronously, before the answer left, on the group
        # commit's own connection (not the request's: test_hot_path).
        assert inserts == []
        assert InquiryLog.objects.exists()
    else:
        assert len(inserts) == 1  # SQLite: the request's own INSERT
    row = InquiryLog.objects.get()
    assert str(row.inquiry_id) == response.json()["inquiry_id"]
    assert (row.partner_id, row.endpoint, row.result, row.subject_hash) == (
        bank.partner.pk,
        "card",
        "valid",
        subject_hash(SARA),
    )
    assert row.response_sha256 == hashlib.sha256(response.content).hexdigest()


def test_the_subject_hash_is_the_keyed_hmac_the_log_has_always_kept(settings):
    # Rows and holders' locks written by earlier versions must still be found by it.
    import hmac

    secret = hashlib.sha256(b"hoviat-inquiry-subject:" + settings.SECRET_KEY.encode()).digest()
    expected = hmac.new(secret, SARA.encode(), hashlib.sha256).hexdigest()[:32]

    assert subject_hash(SARA) == subject_hash(SARA) == expected
    assert subject_hash("0499370880") != expected
    assert subject_hash("") == subject_hash(None) == ""
