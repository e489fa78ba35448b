"""Issue 14: guessing codes and sending SMS cost an attacker, not the service or the audit log."""

import base64
import datetime as dt
import json
import re

import pytest
import time_machine
from altcha import solve_challenge_v1
from django.utils import timezone

from hoviat.applications.models import OtpChallenge
from hoviat.core.models import AuditEntry
from hoviat.notifications.models import SmsMessage

pytestmark = pytest.mark.django_db

MOBILE = "09171234567"


@pytest.fixture(autouse=True)
def _easy_challenges(settings):
    # The same protocol with less work, so the tests solve in milliseconds.
    settings.POW_CHALLENGE_MAX_NUMBER = 2000


def _request(client, mobile=MOBILE, address="127.0.0.1", solution=None):
    body = {"mobile": mobile}
    if solution is not None:
        body["challenge_solution"] = solution
    return client.post(
        "/api/v1/auth/otp", body, content_type="application/json", REMOTE_ADDR=address
    )


def _verify(client, code, mobile=MOBILE, address="127.0.0.1"):
    return client.post(
        "/api/v1/auth/otp/verify",
        {"mobile": mobile, "code": code},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def _sent_code(mobile=MOBILE):
    body = SmsMessage.objects.filter(to=mobile, kind="otp").latest("id").body
    digits = re.search(r"[۰-۹]{6}", body).group(0)
    return digits.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))


def _solve(challenge: dict, **tamper) -> str:
    solution = solve_challenge_v1(
        challenge["challenge"], challenge["salt"], "SHA-256", challenge["maxNumber"]
    )
    payload = {
        "algorithm": challenge["algorithm"],
        "challenge": challenge["challenge"],
        "number": solution.number,
        "salt": challenge["salt"],
        "signature": challenge["signature"],
        **tamper,
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()


def _failed_audits() -> int:
    return AuditEntry.objects.filter(action="auth.otp.failed").count()


# --- Guessing ------------------------------------------------------------------------------


def test_guesses_past_the_limit_are_refused_without_being_compared(client):
    _request(client)
    for _ in range(5):
        assert (
            _verify(client, "000000" if _sent_code() != "000000" else "111111").status_code == 401
        )
    for _ in range(5):
        assert _verify(client, _sent_code()).json()["code"] == "OTP_LOCKED"
    assert _failed_audits() == 5
    assert OtpChallenge.objects.get().failed_attempts == 5


def test_the_right_code_after_four_misses_signs_in_and_is_not_counted_as_a_miss(client):
    _request(client)
    wrong = "000000" if _sent_code() != "000000" else "111111"
    for _ in range(4):
        _verify(client, wrong)
    assert _verify(client, _sent_code()).status_code == 200
    _request(client, address="10.0.0.2")
    assert _verify(client, _sent_code()).status_code == 200


def test_the_lockout_message_says_how_many_minutes_it_lasts(client):
    _request(client)
    wrong = "000000" if _sent_code() != "000000" else "111111"
    for _ in range(5):
        _verify(client, wrong)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=20)):
        locked = _verify(client, _sent_code())
    assert locked.status_code == 429
    assert "۴۰ دقیقه" in locked.json()["detail"]
    assert 39 * 60 < int(locked["Retry-After"]) <= 40 * 60


def test_a_rate_limited_request_says_how_many_minutes_are_left(client):
    for i in range(5):
        _request(client, address=f"10.0.0.{i}")
    refused = _request(client, address="10.0.0.9")
    assert refused.json()["code"] == "RATE_LIMITED"
    assert "۶۰ دقیقه" in refused.json()["detail"]
    assert int(refused["Retry-After"]) > 0


def test_wrong_codes_for_numbers_with_no_code_waiting_write_no_audit_row(client):
    answers = [_verify(client, "123456", mobile=f"0912{i:07d}").status_code for i in range(50)]
    assert _failed_audits() == 0
    assert answers[:20] == [401] * 20
    assert set(answers[20:]) == {429}


def test_the_limit_on_codes_for_numbers_with_no_code_waiting_is_per_address(client):
    for i in range(20):
        _verify(client, "123456", mobile=f"0912{i:07d}")
    assert _verify(client, "123456", mobile="09120000999").status_code == 429
    assert _verify(client, "123456", mobile="09120000999", address="10.9.9.9").status_code == 401


# --- Sending codes ---------------------------------------------------------------------------


def test_the_fourth_code_request_from_one_address_needs_a_solved_challenge(client):
    for i in range(3):
        assert _request(client, mobile=f"0917000000{i}").status_code == 202
    asked = _request(client, mobile="09170000003")
    assert asked.status_code == 428
    assert asked.json()["code"] == "CHALLENGE_REQUIRED"
    challenge = asked.json()["challenge"]
    assert set(challenge) >= {"algorithm", "challenge", "maxNumber", "salt", "signature"}

    solved = _solve(challenge)
    assert _request(client, mobile="09170000003", solution=solved).status_code == 202
    # A solution is spent once.
    again = _request(client, mobile="09170000004", solution=solved)
    assert again.status_code == 428
    assert again.json()["code"] == "CHALLENGE_INVALID"
    assert "challenge" in again.json()
    assert SmsMessage.objects.filter(to="09170000004").count() == 0


def test_a_forged_or_expired_solution_is_refused(client):
    for i in range(3):
        _request(client, mobile=f"0917000000{i}")
    challenge = _request(client, mobile="09170000003").json()["challenge"]
    forged_number = _solve(challenge, number=10**6)
    forged_signature = _solve(challenge, signature="0" * 64)
    for forged in (forged_number, forged_signature, "not base64 at all", ""):
        refused = _request(client, mobile="09170000003", solution=forged)
        assert refused.status_code == 428, forged
    late = _solve(challenge)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=6)):
        assert _request(client, mobile="09170000003", solution=late).status_code == 428
    assert SmsMessage.objects.filter(to="09170000003").count() == 0


def test_code_requests_are_limited_per_address(client, settings):
    settings.OTP_CHALLENGE_AFTER = 1000
    answers = [_request(client, mobile=f"0913{i:07d}").status_code for i in range(40)]
    assert answers[:30] == [202] * 30
    assert set(answers[30:]) == {429}
    assert _request(client, mobile="09139999999", address="10.1.1.1").status_code == 202


def test_code_requests_are_limited_overall(client, settings):
    settings.OTP_REQUESTS_PER_MINUTE = 10
    answers = [
        _request(client, mobile=f"0914{i:07d}", address=f"10.2.0.{i}").status_code
        for i in range(12)
    ]
    assert answers == [202] * 10 + [429] * 2
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=1, seconds=1)):
        assert _request(client, mobile="09149999999", address="10.2.1.1").status_code == 202


def test_the_sign_in_page_hands_the_browser_a_challenge_to_solve(client):
    for i in range(3):
        _request(client, mobile=f"0917000000{i}")
    page = client.post("/citizen/sign-in/", {"mobile": "09170000003"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "data-pow-challenge=" in html
    assert "js/pow.js" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # no inline script (CSP)
    assert SmsMessage.objects.filter(to="09170000003").count() == 0
