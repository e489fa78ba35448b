"""Staff pass a second factor after the password: on the pages and for an API token."""

import datetime as dt
import re

import time_machine
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD
from hoviat.core.tests.factories import staff_authenticator, totp_now

START = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def token_request(client, otp=None):
    body = {"username": "reza", "password": PASSWORD}
    if otp is not None:
        body["otp"] = otp
    return client.post("/api/v1/auth/token", body, content_type="application/json")


def test_a_token_needs_the_authenticators_code(client, reza):
    device = staff_authenticator(reza)
    with time_machine.travel(START, tick=False) as clock:
        assert token_request(client).json()["code"] == "SECOND_FACTOR_INVALID"
        assert token_request(client, otp="000000").status_code == 401
        # Each miss makes the authenticator wait longer before it checks again.
        assert token_request(client, otp=totp_now(device)).status_code == 401
        clock.shift(dt.timedelta(minutes=1))
        assert token_request(client, otp=totp_now(device)).status_code == 200


def test_staff_without_an_authenticator_must_enrol_before_getting_a_token(client, reza):
    response = token_request(client)
    assert response.status_code == 403
    assert response.json()["code"] == "SECOND_FACTOR_REQUIRED"


@override_settings(STAFF_SECOND_FACTOR="optional")
def test_the_demo_setting_lets_staff_without_an_authenticator_get_a_token(client, reza):
    assert token_request(client).status_code == 200
    staff_authenticator(reza)
    assert token_request(client).status_code == 401  # once enrolled, always asked


def test_a_password_alone_does_not_open_the_staff_pages(client, reza):
    staff_authenticator(reza)
    client.post("/accounts/login/", {"username": "reza", "password": PASSWORD})
    response = client.get("/office/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/second-factor/?next=/office/")
    assert client.get("/admin/").status_code == 302


def test_staff_enrol_an_authenticator_then_use_it_and_a_recovery_code(client, reza):
    with time_machine.travel(START, tick=False) as clock:
        client.post("/accounts/login/", {"username": "reza", "password": PASSWORD})
        page = client.get("/accounts/second-factor/?next=/office/")
        text = page.content.decode()
        assert "ثبت برنامهٔ رمز یک‌بار مصرف" in text and "<svg" in text

        device = TOTPDevice.objects.get(user=reza, confirmed=False)
        wrong = client.post("/accounts/second-factor/", {"code": "000000", "next": "/office/"})
        assert "کد نادرست است" in wrong.content.decode()
        clock.shift(dt.timedelta(minutes=1))
        done = client.post("/accounts/second-factor/", {"code": totp_now(device), "next": "/"})
        codes = re.findall(r"<li>(\w+)</li>", done.content.decode())
        assert len(codes) == 10
        assert client.get("/office/").status_code == 200

        # Next sign-in: the authenticator is asked for; a recovery code works once.
        client.post("/accounts/logout/")
        clock.shift(dt.timedelta(minutes=1))
        client.post("/accounts/login/", {"username": "reza", "password": PASSWORD})
        assert "تأیید دومرحله‌ای" in client.get("/accounts/second-factor/").content.decode()
        response = client.post("/accounts/second-factor/", {"code": codes[0], "next": "/office/"})
        assert response.status_code == 302 and response["Location"] == "/office/"
        assert client.get("/office/").status_code == 200

        client.post("/accounts/logout/")
        clock.shift(dt.timedelta(minutes=1))
        client.post("/accounts/login/", {"username": "reza", "password": PASSWORD})
        again = client.post("/accounts/second-factor/", {"code": codes[0], "next": "/office/"})
        assert again.status_code == 200
        assert client.get("/office/").status_code == 302


def test_the_second_factor_page_never_redirects_off_site(client, reza):
    device = staff_authenticator(reza)
    client.post("/accounts/login/", {"username": "reza", "password": PASSWORD})
    response = client.post(
        "/accounts/second-factor/", {"code": totp_now(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
