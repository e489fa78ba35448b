import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from hoviat.applications.models import OtpChallenge
from hoviat.notifications.models import SmsMessage

pytestmark = pytest.mark.django_db


def _sent_code(mobile):
    body = SmsMessage.objects.filter(to=mobile, kind="otp").latest("id").body
    digits = re.search(r"[۰-۹]{6}", body).group(0)
    return digits.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))


def _request(client, mobile="09171234567", address="127.0.0.1"):
    return client.post(
        "/api/v1/auth/otp",
        {"mobile": mobile},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def _verify(client, code, mobile="09171234567"):
    return client.post(
        "/api/v1/auth/otp/verify", {"mobile": mobile, "code": code}, content_type="application/json"
    )


def test_a_citizen_signs_in_with_the_code_sent_by_sms(client):
    assert _request(client).status_code == 202
    response = _verify(client, _sent_code("09171234567"))
    assert response.status_code == 200
    assert response.json()["token"]


def test_the_code_is_stored_only_as_a_hash(client):
    _request(client)
    code = _sent_code("09171234567")
    assert code not in OtpChallenge.objects.get().code_hash


def test_a_code_works_only_once(client):
    _request(client)
    code = _sent_code("09171234567")
    assert _verify(client, code).status_code == 200
    again = _verify(client, code)
    assert again.status_code == 401
    assert again.json()["code"] == "OTP_INVALID"


def test_a_code_expires_after_two_minutes(client):
    _request(client)
    code = _sent_code("09171234567")
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=121)):
        assert _verify(client, code).json()["code"] == "OTP_INVALID"


def test_a_sixth_code_request_in_an_hour_is_refused_with_retry_after(client):
    # From five addresses, so that only the mobile's own limit is met.
    for i in range(5):
        assert _request(client, address=f"10.0.0.{i}").status_code == 202
    response = _request(client, address="10.0.0.9")
    assert response.status_code == 429
    assert response.json()["code"] == "RATE_LIMITED"
    assert int(response["Retry-After"]) > 0


def test_five_wrong_codes_lock_the_number_even_for_the_right_code(client):
    _request(client)
    code = _sent_code("09171234567")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert _verify(client, wrong).status_code == 401
    locked = _verify(client, code)
    assert locked.status_code == 429
    assert locked.json()["code"] == "OTP_LOCKED"


@pytest.mark.parametrize("typed", ["۰۹۱۷۱۲۳۴۵۶۷", "+989171234567", "0917 123 4567", "9171234567"])
def test_the_mobile_may_be_typed_in_persian_digits_or_international_form(client, typed):
    assert _request(client, typed).status_code == 202
    assert SmsMessage.objects.filter(to="09171234567").exists()


@pytest.mark.parametrize("typed", ["0817123456", "abc", "091712345678", ""])
def test_a_malformed_mobile_is_refused(client, typed):
    response = _request(client, typed)
    assert response.status_code == 422
    assert response.json()["code"] == "MOBILE_INVALID"
