"""Every address in README's "Where things are" table answers with the browser-security
headers, for an employee, a citizen and a passer-by alike; what may show personal data is
never kept by a browser or a proxy."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from hoviat.core.headers import CACHEABLE_PATHS
from hoviat.core.tests.factories import staff_authenticator, staff_sign_in, totp_now

README = Path(settings.BASE_DIR) / "README.md"


def readme_addresses() -> list[str]:
    """The addresses of README's "Where things are" table, in its order."""
    table = README.read_text().split("## Where things are", 1)[1].split("\n## ", 1)[0]
    addresses = []
    for line in table.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            addresses += re.findall(r"`([^`]+)`", first_cell)
    return addresses


ADDRESSES = readme_addresses()


def test_the_readme_table_is_read_whole():
    assert "/citizen/" in ADDRESSES
    assert "/pki/ocsp" in ADDRESSES
    assert len(ADDRESSES) >= 20


@pytest.fixture(params=["anonymous", "staff", "citizen"])
def visitor(request, nasrin, sara) -> Client:
    client = Client()
    if request.param == "staff":
        staff_sign_in(client, nasrin)  # password and second factor both passed
    elif request.param == "citizen":
        session = client.session
        session["citizen_mobile"] = sara.mobile
        session.save()
    return client


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


@pytest.mark.parametrize("address", ADDRESSES)
def test_every_page_of_the_readme_carries_the_security_headers(visitor, address):
    response = visitor.get(address, secure=True)

    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    if address not in CACHEABLE_PATHS:
        assert "no-store" in response["Cache-Control"], (address, response.status_code)


def test_a_citizens_own_page_is_never_stored(sara):
    client = Client()
    session = client.session
    session["citizen_mobile"] = sara.mobile
    session.save()
    response = client.get("/citizen/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_an_api_answer_is_never_stored(reza):
    client = Client()
    device = staff_authenticator(reza)
    token = client.post(
        "/api/v1/auth/token",
        {"username": "reza", "password": "correct horse battery", "otp": totp_now(device)},
        content_type="application/json",
    )
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.json()['token']}"})
    assert me.status_code == 200
    assert "no-store" in token["Cache-Control"]
    assert "no-store" in me["Cache-Control"]


def test_the_tracking_result_is_never_stored(db):
    response = Client().post(
        "/track/", {"national_code": "0499370899", "tracking_code": "ABCDEFGH"}
    )
    assert "no-store" in response["Cache-Control"]


def test_the_signed_in_cookies_are_secure():
    assert settings.SESSION_COOKIE_SECURE is True
    assert settings.CSRF_COOKIE_SECURE is True


def test_the_pages_hold_no_inline_script_or_style_attribute():
    """The CSP refuses them: an inline one would silently not run in the browser."""
    templates = Path(settings.BASE_DIR, "hoviat").rglob("*.html")
    offenders = []
    for template in templates:
        if template.name.endswith("_pdf.html"):  # drawn by WeasyPrint, never served as HTML
            continue
        text = template.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text):
            offenders.append(f"{template}: inline <script>")
        if re.search(r"\son[a-z]+=|\sstyle=\"|<style", text):
            offenders.append(f"{template}: inline handler or style")
    assert offenders == []
