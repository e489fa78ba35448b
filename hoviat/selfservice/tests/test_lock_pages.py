"""The lock page: choose what to lock, confirm with the code sent by SMS, see it in the
history; bad choices answered beside their field."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from hoviat.inquiry import locks
from hoviat.notifications.models import SmsMessage
from hoviat.selfservice.tests.test_history_pages import identity_ask, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_lock_copy():
    locks.forget()
    yield
    locks.forget()


@pytest.fixture
def sara_in(client, sara):
    signed_in(client, sara.mobile)
    client.post("/me/who/", {"national_code": "0499370899"})
    return client


@pytest.fixture
def bank(db):
    from tests.factories import ApiKeyFactory, PartnerFactory

    key = ApiKeyFactory(partner=PartnerFactory(name="بانک سپه"))
    return Client(headers={"X-API-Key": key.raw})


def sent_code(mobile: str) -> str:
    body = SmsMessage.objects.filter(to=mobile, kind="otp").latest("id").body
    return re.search(r"[۰-۹]{6}", body).group(0)  # typed as received, in Persian digits


def test_a_citizen_locks_their_card_with_the_code_and_banks_are_told(sara_in, sara, bank):
    response = sara_in.post(
        "/me/lock/", {"action": "lock", "lock-kinds": ["all"], "lock-duration": "forever"}
    )
    assert response["Location"] == "/me/lock/confirm/"
    confirm = sara_in.get("/me/lock/confirm/").content.decode()
    assert "همهٔ استعلام‌ها" in confirm

    done = sara_in.post("/me/lock/confirm/", {"code": sent_code(sara.mobile)}, follow=True)

    page = done.content.decode()
    assert "کارت شما قفل شد" in page and "کارت شما قفل است" in page
    assert identity_ask(bank).json()["reason_code"] == "LOCKED_BY_HOLDER"
    history = sara_in.get("/me/").content.decode()
    assert "کارت را قفل کردید" in history and "قفل‌شده" in history


def test_a_temporary_unlock_from_the_page_says_when_the_lock_returns(sara_in, sara):
    sara_in.post(
        "/me/lock/", {"action": "lock", "lock-kinds": ["card"], "lock-duration": "forever"}
    )
    sara_in.post("/me/lock/confirm/", {"code": sent_code(sara.mobile)})

    sara_in.post(
        "/me/lock/", {"action": "unlock", "unlock-duration": "minutes", "unlock-minutes": "10"}
    )
    page = sara_in.post("/me/lock/confirm/", {"code": sent_code(sara.mobile)}, follow=True)

    text = page.content.decode()
    assert "قفل برای ۱۰ دقیقه باز شد" in text and "قفل موقتاً باز است" in text
    assert "قفل را موقتاً باز کردید" in sara_in.get("/me/").content.decode()


def test_a_wrong_code_is_refused_beside_the_field_and_nothing_is_locked(sara_in, sara):
    sara_in.post("/me/lock/", {"action": "lock", "lock-kinds": ["all"], "lock-duration": "forever"})

    page = sara_in.post("/me/lock/confirm/", {"code": "000000"}).content.decode()

    assert 'data-testid="error-summary"' in page and "نادرست" in page
    assert "کارت شما قفل نیست" in sara_in.get("/me/lock/").content.decode()


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"lock-duration": "forever"}, "دست‌کم یک مورد"),
        ({"lock-kinds": ["everything"], "lock-duration": "forever"}, "قابل قفل نیست"),
        ({"lock-kinds": ["all"], "lock-duration": "minutes"}, "برای چند دقیقه"),
        ({"lock-kinds": ["all"], "lock-duration": "minutes", "lock-minutes": "0"}, "دست‌کم ۱ دقیقه"),
        ({"lock-kinds": ["all"], "lock-duration": "minutes", "lock-minutes": "99999"}, "۳۰ روز"),
    ],
)
def test_bad_choices_are_answered_beside_their_field_and_no_code_is_sent(
    sara_in, sara, form, message
):
    page = sara_in.post("/me/lock/", {"action": "lock", **form}).content.decode()

    assert 'data-testid="error-summary"' in page and message in page
    assert not SmsMessage.objects.filter(to=sara.mobile).exists()


def test_the_confirm_page_without_a_choice_goes_back_to_the_lock_page(sara_in):
    assert sara_in.get("/me/lock/confirm/")["Location"] == "/me/lock/"


def test_someone_not_signed_in_cannot_reach_the_lock_page(client):
    assert client.get("/me/lock/")["Location"].startswith("/citizen/sign-in/")
    assert json.dumps(client.session.get("selfservice_holder")) == "null"
