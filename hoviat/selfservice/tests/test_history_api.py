"""Who asked about me, through the API as a citizen's app calls it: a bank's real inquiries,
then the citizen's own list, paged, and nobody else's."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from hoviat.inquiry import locks
from hoviat.inquiry.models import InquiryLog
from hoviat.inquiry.services import subject_hash
from hoviat.notifications.models import SmsMessage
from hoviat.registry.tests.factories import CitizenFactory
from hoviat.selfservice.history import PAGE_SIZE
from tests.factories import ApiKeyFactory, CitizenSessionFactory, PartnerFactory

SARA = "0499370899"
OTHER = "0012345679"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_lock_copy():
    locks.forget()  # each test's database starts empty; so must this process's copy
    yield
    locks.forget()


@pytest.fixture
def as_sara(sara):
    token = CitizenSessionFactory(mobile=sara.mobile).token
    return Client(headers={"Authorization": f"Bearer {token}", "X-National-Code": SARA})


@pytest.fixture
def bank(db):
    key = ApiKeyFactory(partner=PartnerFactory(name="بانک ملت"))
    return Client(headers={"X-API-Key": key.raw})


def identity_ask(bank, national_code=SARA, purpose="LOAN"):
    return bank.post(
        "/api/v1/inquiry/identity",
        data=json.dumps(
            {"national_code": national_code, "birth_date": "1991-08-05", "purpose": purpose}
        ),
        content_type="application/json",
    )


def test_a_citizen_sees_who_asked_about_them_why_and_what_they_were_told(as_sara, bank):
    assert identity_ask(bank).status_code == 200
    assert identity_ask(bank, purpose="SIM_CARD").status_code == 200

    response = as_sara.get("/api/v1/me/inquiries")

    assert response.status_code == 200, response.content
    first, second = response.json()
    assert (first["partner"], first["purpose"], first["purpose_fa"], first["kind"]) == (
        "بانک ملت",
        "SIM_CARD",
        "واگذاری سیم‌کارت",
        "identity",
    )
    assert (first["result"], first["reason_code"]) == ("match", "")
    assert second["purpose"] == "LOAN" and second["at"] <= first["at"]
    assert "X-Next-Page" not in response


def test_inquiries_about_someone_else_are_not_in_my_list(as_sara, bank, sara):
    CitizenFactory(national_code=OTHER)
    identity_ask(bank, national_code=OTHER)

    assert as_sara.get("/api/v1/me/inquiries").json() == []


def test_another_persons_history_is_not_found(sara, bank):
    identity_ask(bank)
    someone = CitizenSessionFactory(mobile="09359999999").token
    client = Client(headers={"Authorization": f"Bearer {someone}", "X-National-Code": SARA})

    response = client.get("/api/v1/me/inquiries")

    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"
    assert client.get("/api/v1/me/lock").status_code == 404


def test_the_history_needs_a_signed_in_citizen(sara):
    assert Client(headers={"X-National-Code": SARA}).get("/api/v1/me/inquiries").status_code == 401


def _log_rows(partner, n: int, start: dt.datetime) -> None:
    InquiryLog.objects.bulk_create(
        InquiryLog(
            inquiry_id=uuid.uuid4(),
            at=start + dt.timedelta(minutes=i),
            partner=partner,
            key_prefix="test",
            endpoint="card",
            purpose="BANK_TRANSACTION",
            result="valid",
            reason_code="",
            subject_hash=subject_hash(SARA),
        )
        for i in range(n)
    )


def test_pages_follow_each_other_without_gaps_or_repeats(as_sara):
    partner = PartnerFactory(name="بانک تجارت")
    _log_rows(partner, PAGE_SIZE + 7, timezone.now() - dt.timedelta(days=3))

    first = as_sara.get("/api/v1/me/inquiries")
    token = first["X-Next-Page"]
    assert f'?page={token}>; rel="next"' in first["Link"]
    second = as_sara.get(f"/api/v1/me/inquiries?page={token}")

    assert len(first.json()) == PAGE_SIZE and len(second.json()) == 7
    times = [row["at"] for row in first.json() + second.json()]
    assert times == sorted(times, reverse=True) and len(set(times)) == PAGE_SIZE + 7
    assert "X-Next-Page" not in second


@pytest.mark.parametrize("page", ["yesterday", "1-2-3", "1-", "1-" + "9" * 19])
def test_a_page_token_we_did_not_give_is_refused(as_sara, page):
    response = as_sara.get(f"/api/v1/me/inquiries?page={page}")

    assert response.status_code == 422
    assert response.json()["code"] == "PAGE_INVALID"


# --- Lock my card ---------------------------------------------------------------------------


def sent_code(mobile: str) -> str:
    body = SmsMessage.objects.filter(to=mobile, kind="otp").latest("id").body
    return (
        re.search(r"[۰-۹]{6}", body).group(0).translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
    )


def fresh_code(client, sara) -> str:
    assert client.post("/api/v1/me/lock/otp").status_code == 202
    return sent_code(sara.mobile)


def lock(client, body):
    return client.post("/api/v1/me/lock", data=json.dumps(body), content_type="application/json")


def unlock(client, body):
    return client.delete("/api/v1/me/lock", data=json.dumps(body), content_type="application/json")


def test_a_locked_card_answers_banks_locked_by_holder_and_unlocking_restores_it(
    as_sara, bank, sara
):
    response = lock(as_sara, {"kinds": ["all"], "code": fresh_code(as_sara, sara)})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "locked": True,
        "kinds": ["all"],
        "locked_until": None,
        "paused_until": None,
    }

    body = identity_ask(bank).json()
    assert (body["result"], body["reason_code"]) == ("invalid", "LOCKED_BY_HOLDER")
    mine = as_sara.get("/api/v1/me/inquiries").json()
    assert mine[0]["reason_code"] == "LOCKED_BY_HOLDER"

    assert unlock(as_sara, {"code": fresh_code(as_sara, sara)}).json()["locked"] is False
    assert identity_ask(bank).json()["match"] is True


def test_a_lock_for_some_minutes_says_until_when(as_sara, sara):
    before = timezone.now()
    body = lock(
        as_sara, {"kinds": ["card", "receipt"], "minutes": 30, "code": fresh_code(as_sara, sara)}
    ).json()

    assert body["kinds"] == ["card", "receipt"]
    until = dt.datetime.fromisoformat(body["locked_until"])
    assert before + dt.timedelta(minutes=30) <= until <= timezone.now() + dt.timedelta(minutes=30)


def test_a_temporary_unlock_keeps_the_lock_for_afterwards(as_sara, sara):
    lock(as_sara, {"kinds": ["identity"], "code": fresh_code(as_sara, sara)})

    body = unlock(as_sara, {"minutes": 10, "code": fresh_code(as_sara, sara)}).json()

    assert (body["locked"], body["kinds"]) == (False, ["identity"])
    assert body["paused_until"] is not None


def test_a_lock_without_a_fresh_code_is_refused(as_sara, sara):
    no_code = lock(as_sara, {"kinds": ["all"]})
    assert no_code.status_code == 403
    assert no_code.json()["code"] == "OTP_REQUIRED"

    code = fresh_code(as_sara, sara)
    assert lock(as_sara, {"kinds": ["all"], "code": code}).status_code == 200
    used_again = unlock(as_sara, {"code": code})
    assert used_again.status_code == 401
    assert used_again.json()["code"] == "OTP_INVALID"
    assert as_sara.get("/api/v1/me/lock").json()["locked"] is True


@pytest.mark.parametrize("minutes", [0, -5, 43201])
def test_minutes_out_of_range_are_refused_before_the_code_is_spent(as_sara, sara, minutes):
    code = fresh_code(as_sara, sara)

    response = lock(as_sara, {"kinds": ["all"], "minutes": minutes, "code": code})

    assert response.status_code == 422
    assert response.json()["code"] == "LOCK_MINUTES_OUT_OF_RANGE"
    assert lock(as_sara, {"kinds": ["all"], "code": code}).status_code == 200


@pytest.mark.parametrize("kinds", [["everything"], [], ["card", "paper"]])
def test_unknown_kinds_are_refused(as_sara, sara, kinds):
    response = lock(as_sara, {"kinds": kinds, "code": fresh_code(as_sara, sara)})

    assert response.status_code == 422
    assert response.json()["code"] == "LOCK_KIND_UNKNOWN"
    assert as_sara.get("/api/v1/me/lock").json()["locked"] is False


def test_nobody_else_can_lock_my_card(sara):
    someone = CitizenSessionFactory(mobile="09359999999").token
    client = Client(headers={"Authorization": f"Bearer {someone}", "X-National-Code": SARA})

    assert client.post("/api/v1/me/lock/otp").status_code == 404
    assert lock(client, {"kinds": ["all"], "code": "123456"}).status_code == 404
    assert unlock(client, {"code": "123456"}).status_code == 404
