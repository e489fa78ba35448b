"""Receipt, identity and old paper card inquiries, through the API."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from hoviat.applications.models import Application
from hoviat.inquiry.signing import HEADER, detached_verify

SARA = "0499370899"


def receipt_ask(bank, receipt, **extra):
    return bank.post(
        "/inquiry/receipt",
        {
            "national_code": SARA,
            "tracking_code": receipt.application.tracking_code,
            "purpose": "SIM_CARD",
            **extra,
        },
    )


# --- Receipts --------------------------------------------------------------------------------


def test_a_current_receipt_of_an_enrolled_application_is_valid(bank, saras_receipt):
    response = receipt_ask(bank, saras_receipt)

    body = response.json()
    assert (body["result"], body["reason_code"], body["application_status"]) == (
        "valid",
        "OK",
        "enrolled",
    )
    assert body["receipt_valid_until"] == saras_receipt.valid_until.isoformat()
    detached_verify(response.content, response[HEADER], Client().get("/inquiry/keys").json())


def test_a_reissued_receipt_is_superseded_and_the_new_one_valid(bank, saras_receipt, reza):
    from hoviat.enrolment.services import receipt_reissue

    new = receipt_reissue(operator=reza, tracking_code=saras_receipt.application.tracking_code)

    old_body = receipt_ask(bank, saras_receipt, receipt_number=saras_receipt.receipt_number).json()
    new_body = receipt_ask(bank, saras_receipt, receipt_number=new.receipt_number).json()
    current = receipt_ask(bank, saras_receipt).json()

    assert (old_body["result"], old_body["reason_code"]) == ("invalid", "RECEIPT_SUPERSEDED")
    assert (new_body["result"], new_body["reason_code"]) == ("valid", "OK")
    assert current["reason_code"] == "OK"


def test_a_receipt_no_longer_stands_in_once_the_card_is_delivered(bank, saras_receipt):
    Application.objects.filter(pk=saras_receipt.application_id).update(status="delivered")

    body = receipt_ask(bank, saras_receipt).json()

    assert (body["result"], body["reason_code"]) == ("invalid", "APPLICATION_DELIVERED")


def test_a_receipt_past_its_date_is_expired(bank, saras_receipt):
    with time_machine.travel(saras_receipt.valid_until + dt.timedelta(days=2), tick=False):
        body = receipt_ask(bank, saras_receipt).json()

    assert (body["result"], body["reason_code"]) == ("invalid", "RECEIPT_EXPIRED")


def test_a_receipt_with_someone_elses_code_is_not_found(bank, saras_receipt):
    body = bank.post(
        "/inquiry/receipt",
        {
            "national_code": "0012345679",
            "tracking_code": saras_receipt.application.tracking_code,
            "purpose": "SIM_CARD",
        },
    ).json()

    assert body["reason_code"] == "NOT_FOUND"
    assert body["application_status"] is None and body["receipt_valid_until"] is None


def test_an_application_not_yet_enrolled_has_no_receipt(bank, saras_receipt):
    Application.objects.filter(pk=saras_receipt.application_id).update(status="booked")
    saras_receipt.delete()

    body = receipt_ask(bank, saras_receipt).json()

    assert (body["result"], body["reason_code"]) == ("invalid", "RECEIPT_NOT_ISSUED")


# --- Identity --------------------------------------------------------------------------------


def identity_ask(bank, **fields):
    return bank.post(
        "/inquiry/identity",
        {"national_code": SARA, "birth_date": "1991-08-05", "purpose": "LOAN", **fields},
    )


def test_it_matches_an_identity_with_iso_or_jalali_birth_dates_and_names(bank, sara):
    assert identity_ask(bank).json()["match"] is True
    assert identity_ask(bank, birth_date="۱۳۷۰/۰۵/۱۴").json()["match"] is True
    # Arabic yeh and kaf are the same letters as the Persian ones.
    assert identity_ask(bank, first_name="سارا", last_name="محمدي").json()["match"] is True


def test_it_answers_no_without_saying_which_detail_differs(bank, sara):
    wrong_date = identity_ask(bank, birth_date="1991-08-06")
    wrong_name = identity_ask(bank, first_name="زهرا")
    nobody = identity_ask(bank, national_code="0012345679")

    for response in (wrong_date, wrong_name, nobody):
        body = response.json()
        assert body["match"] is False
        assert set(body) == {"match", "inquiry_id", "answered_at"}


def test_it_throttles_questions_about_one_national_code_across_partners(
    make_partner, sara, settings
):
    settings.INQUIRY_IDENTITY_PER_CODE_LIMIT = 3
    first, second = make_partner(), make_partner()
    moment = timezone.now()

    with time_machine.travel(moment, tick=False):
        statuses = [
            identity_ask(p, birth_date=f"1991-08-0{i}").status_code
            for i, p in enumerate([first, second, first], start=1)
        ]
        refused = identity_ask(second)
        other_person = identity_ask(second, national_code="0012345679")

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.json()["code"] == "IDENTITY_THROTTLED"
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert other_person.status_code == 200


def test_it_refuses_an_impossible_birth_date(bank, sara):
    response = identity_ask(bank, birth_date="1370/13/40")

    assert response.status_code == 422
    assert response.json()["code"] == "DATE_IMPOSSIBLE"


def test_a_deceased_person_does_not_match(bank, sara):
    sara.is_alive = False
    sara.save(update_fields=["is_alive"])

    assert identity_ask(bank).json()["match"] is False


# --- Old paper cards -------------------------------------------------------------------------


@pytest.fixture
def saras_paper_card(sara):
    from hoviat.registry.models import OldCard

    return OldCard.objects.create(
        citizen=sara, card_number="0499370899-01", issued_on=dt.date(2009, 3, 1)
    )


def paper_ask(bank, card, national_code=SARA):
    return bank.post(
        "/inquiry/paper-card",
        {"national_code": national_code, "card_number": card.card_number, "purpose": "NOTARY"},
    )


def cutoff(nasrin, *, accepted_until, effective_from):
    from hoviat.delivery.models import PaperCardCutoff

    return PaperCardCutoff.objects.create(
        accepted_until=accepted_until,
        effective_from=effective_from,
        reference="مصوبه هیئت وزیران (آزمایشی)",
        created_by=nasrin,
    )


def test_a_paper_card_is_accepted_until_the_cutoff(bank, saras_paper_card, nasrin):
    today = timezone.localdate()
    cutoff(nasrin, accepted_until=today + dt.timedelta(days=10), effective_from=today)

    body = paper_ask(bank, saras_paper_card).json()

    assert (body["result"], body["reason_code"]) == ("valid", "OK")
    assert body["accepted_until"] == (today + dt.timedelta(days=10)).isoformat()


def test_a_paper_card_past_the_cutoff_is_refused(bank, saras_paper_card, nasrin):
    today = timezone.localdate()
    cutoff(nasrin, accepted_until=today - dt.timedelta(days=1), effective_from=today)

    body = paper_ask(bank, saras_paper_card).json()

    assert (body["result"], body["reason_code"]) == ("invalid", "PAPER_CARD_CUTOFF_PASSED")


def test_a_paper_card_invalidated_by_a_smart_card_is_refused(bank, saras_paper_card):
    saras_paper_card.invalidated_on = timezone.localdate() - dt.timedelta(days=3)
    saras_paper_card.save(update_fields=["invalidated_on"])

    body = paper_ask(bank, saras_paper_card).json()

    assert (body["result"], body["reason_code"]) == ("invalid", "PAPER_CARD_INVALIDATED")


def test_a_paper_card_of_someone_else_is_not_found(bank, saras_paper_card):
    body = paper_ask(bank, saras_paper_card, national_code="0012345679").json()

    assert (body["result"], body["reason_code"]) == ("invalid", "NOT_FOUND")


def test_receipt_and_identity_inquiries_stay_within_a_few_queries(bank, saras_receipt):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    receipt_ask(bank, saras_receipt)  # loads the signing key and the API key once per process
    with CaptureQueriesContext(connection) as receipt_queries:
        assert receipt_ask(bank, saras_receipt).json()["reason_code"] == "OK"
    with CaptureQueriesContext(connection) as first_identity:
        assert identity_ask(bank).json()["match"] is True
    with CaptureQueriesContext(connection) as next_identity:
        assert identity_ask(bank).json()["match"] is True

    def statements(captured):
        return [q["sql"] for q in captured if "SAVEPOINT" not in q["sql"]]

    # Count, read, log.
    assert len(statements(receipt_queries)) <= 3, statements(receipt_queries)
    # Count, count the subject, read, log; the first question about a code starts its
    # subject counter (one INSERT more).
    assert len(statements(first_identity)) <= 5, statements(first_identity)
    assert len(statements(next_identity)) <= 4, statements(next_identity)
