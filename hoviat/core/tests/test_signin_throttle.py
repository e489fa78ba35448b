"""Staff sign-in is throttled per username and address, on the API, the login page and admin."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client, override_settings

from conftest import PASSWORD
from hoviat.core.models import AuditEntry, User
from hoviat.core.tests.factories import staff_authenticator, totp_now

LIMIT = 10
HOME = "203.0.113.7"
ELSEWHERE = "198.51.100.9"


def api_sign_in(client, password, address=HOME, username="reza"):
    otp = totp_now(staff_authenticator(User.objects.get(username=username)))
    return client.post(
        "/api/v1/auth/token",
        {"username": username, "password": password, "otp": otp},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def fail_until_locked(client, address=HOME, username="reza"):
    for _ in range(LIMIT):
        api_sign_in(client, "wrong guess", address, username)


@override_settings(AXES_FAILURE_LIMIT=LIMIT)
def test_ten_failures_lock_the_api_even_for_the_right_password(client, reza):
    fail_until_locked(client)
    response = api_sign_in(client, PASSWORD)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "SIGNIN_LOCKED"
    assert "دقیقه" in body["detail"]
    assert int(response["Retry-After"]) == 15 * 60
    assert AuditEntry.objects.filter(action="auth.token.locked").exists()


@override_settings(AXES_FAILURE_LIMIT=LIMIT)
def test_nine_failures_do_not_lock_the_right_password_out(client, reza):
    for _ in range(LIMIT - 1):
        assert api_sign_in(client, "wrong guess").status_code == 401
    assert api_sign_in(client, PASSWORD).status_code == 200


@override_settings(AXES_FAILURE_LIMIT=LIMIT)
def test_a_stranger_guessing_elsewhere_does_not_lock_reza_out_at_his_desk(client, reza):
    fail_until_locked(client, address=ELSEWHERE)
    assert api_sign_in(client, PASSWORD, address=ELSEWHERE).status_code == 429
    assert api_sign_in(client, PASSWORD, address=HOME).status_code == 200


@override_settings(AXES_FAILURE_LIMIT=LIMIT)
def test_the_lock_ends_after_the_cool_off(client, reza):
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        fail_until_locked(client)
        assert api_sign_in(client, PASSWORD).status_code == 429
        clock.shift(dt.timedelta(minutes=16))
        assert api_sign_in(client, PASSWORD).status_code == 200


@override_settings(AXES_FAILURE_LIMIT=LIMIT)
def test_a_locked_attempt_computes_no_password_hash(client, reza, monkeypatch):
    fail_until_locked(client)
    calls = []
    real_verify = MD5PasswordHasher.verify

    def counting_verify(self, password, encoded):
        calls.append(password)
        return real_verify(self, password, encoded)

    monkeypatch.setattr(MD5PasswordHasher, "verify", counting_verify)
    monkeypatch.setattr(MD5PasswordHasher, "encode", lambda *a, **k: calls.append("encode"))
    assert api_sign_in(client, PASSWORD).status_code == 429
    assert calls == []


@override_settings(AXES_FAILURE_LIMIT=LIMIT)
@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_the_login_pages_are_locked_too_with_a_persian_page(db, reza, path):
    client = Client(REMOTE_ADDR=HOME)
    for _ in range(LIMIT):
        client.post(path, {"username": "reza", "password": "wrong guess"})
    response = client.post(path, {"username": "reza", "password": PASSWORD})
    assert response.status_code == 429
    text = response.content.decode()
    assert "ورود موقتاً بسته است" in text
    assert "۱۵" in text
    assert "_auth_user_id" not in client.session
