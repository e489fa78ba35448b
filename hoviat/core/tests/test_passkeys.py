"""Staff may use a passkey (WebAuthn) as their second factor, beside the authenticator app."""

import pytest
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import expect

from conftest import PASSWORD
from hoviat.core.models import AuditEntry
from hoviat.core.tests.factories import browser_sign_in, staff_authenticator
from hoviat.core.tests.test_browser_csp import watch_the_console

CEREMONIES = [
    "/accounts/passkeys/registration/begin/",
    "/accounts/passkeys/registration/complete/",
    "/accounts/passkeys/authentication/begin/",
    "/accounts/passkeys/authentication/complete/",
]


@pytest.mark.parametrize("url", CEREMONIES)
def test_no_passkey_ceremony_works_for_someone_not_signed_in(client, url):
    response = client.post(url, {}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "not_authenticated"


def test_a_password_alone_cannot_add_a_passkey_beside_an_authenticator(client, reza):
    staff_authenticator(reza)
    client.post("/accounts/login/", {"username": "reza", "password": PASSWORD})
    response = client.post(CEREMONIES[0], {}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "user_not_verified"


def test_staff_signed_in_with_a_password_may_start_a_passkey_ceremony(client, reza, settings):
    settings.OTP_WEBAUTHN_RP_ID = "hoviat.example"
    client.post("/accounts/login/", {"username": "reza", "password": PASSWORD})
    options = client.post(CEREMONIES[0], {}, content_type="application/json").json()
    assert options["rp"]["id"] == "hoviat.example"
    assert options["user"]["name"] == "reza"


def with_a_passkey_device(page):
    """Chromium's virtual authenticator: a passkey that always answers with the user verified."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )


def password_only(page, username, next_url):
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("نام کاربری").fill(username)
    page.get_by_label("گذرواژه").fill(PASSWORD)
    page.get_by_role("button", name="ورود").click()


@pytest.fixture
def passkeys_for_the_live_server(settings, live_server):
    assert live_server.url.startswith("http://localhost:")
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_enrol_a_passkey_instead_of_an_authenticator_then_sign_in_with_it(
    page, reza, passkeys_for_the_live_server
):
    problems = watch_the_console(page)  # the library's scripts run under our CSP
    with_a_passkey_device(page)
    password_only(page, "reza", "/office/")
    page.get_by_role("button", name="ثبت کلید عبور (Passkey)").click()
    expect(page).to_have_url("/office/")
    assert WebAuthnCredential.objects.filter(user=reza, confirmed=True).count() == 1

    page.context.clear_cookies()
    password_only(page, "reza", "/office/")
    expect(page).to_have_url("/accounts/second-factor/?next=/office/")
    page.get_by_role("button", name="تأیید با کلید عبور").click()
    expect(page).to_have_url("/office/")
    assert AuditEntry.objects.filter(
        action="auth.second_factor.passed", data__device="WebAuthnCredential"
    ).exists()
    assert problems == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_with_an_authenticator_add_a_passkey_then_pass_with_it(
    page, reza, passkeys_for_the_live_server
):
    with_a_passkey_device(page)
    page.goto("/accounts/login/?next=/office/")
    browser_sign_in(page, "reza", PASSWORD)
    expect(page).to_have_url("/office/")
    page.goto("/accounts/second-factor/")
    expect(page.get_by_text("هنوز کلید عبوری ثبت نکرده‌اید.")).to_be_visible()
    page.get_by_role("button", name="ثبت کلید عبور (Passkey)").click()
    expect(page.locator("#passkey-list li")).to_have_count(1)

    page.context.clear_cookies()
    password_only(page, "reza", "/office/")
    page.get_by_role("button", name="تأیید با کلید عبور").click()
    expect(page).to_have_url("/office/")


def a_passkey(user):
    """A confirmed passkey row (its key is never checked on this path)."""
    return WebAuthnCredential.objects.create(
        user=user, name="passkey", confirmed=True, credential_id=b"id", public_key=b"key"
    )


@pytest.mark.parametrize("policy", ["required", "optional"])
def test_a_passkey_counts_as_a_second_factor_on_the_pages_but_not_for_a_token(
    client, reza, settings, policy
):
    settings.STAFF_SECOND_FACTOR = policy
    a_passkey(reza)
    client.post("/accounts/login/", {"username": "reza", "password": PASSWORD})
    page = client.get("/accounts/second-factor/?next=/office/").content.decode()
    assert "تأیید با کلید عبور" in page
    response = client.post(
        "/api/v1/auth/token",
        {"username": "reza", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "SECOND_FACTOR_REQUIRED"
