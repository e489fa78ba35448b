"""The integrator's page, the published keys, the log page, admin, OpenAPI and the guide."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.test import Client

from hoviat.core.tests.factories import staff_sign_in
from hoviat.inquiry import signing
from hoviat.inquiry.reasons import (
    PROBLEMS,
    PURPOSES,
    REASONS,
    RESULTS,
    SCOPES,
    problem_table_markdown,
    reason_table_markdown,
)

CARD = {"national_code": "0499370899", "card_serial": "IR0000000001", "purpose": "LOAN"}
ROOT = Path(settings.BASE_DIR)


def signed_in(user) -> Client:
    client = Client()
    staff_sign_in(client, user)
    return client


def test_the_guide_page_lists_every_reason_code_in_persian(db):
    page = Client().get("/inquiry/")

    text = page.content.decode()
    assert page.status_code == 200
    for reason in REASONS.values():
        assert f'data-code="{reason.code}"' in text
        assert reason.fa in text
    assert '<html lang="fa" dir="rtl">' in text


def test_the_published_keys_are_a_jwks_without_private_parts(bank):
    bank.post("/inquiry/card", CARD)  # the first answer creates the key (development)

    response = Client().get("/inquiry/keys")

    document = response.json()
    assert response["Access-Control-Allow-Origin"] == "*"
    (key,) = document["keys"]
    assert (key["kty"], key["crv"], key["alg"]) == ("EC", "P-256", "ES256")
    assert "d" not in key and "PRIVATE" not in response.content.decode()


def test_a_rotated_key_stays_published_and_old_answers_still_verify(bank):
    old = bank.post("/inquiry/card", CARD)
    signing.signing_key_rotate()
    new = bank.post("/inquiry/card", CARD)

    jwks = Client().get("/inquiry/keys").json()

    assert len(jwks["keys"]) == 2
    old_kid = signing.detached_verify(old.content, old[signing.HEADER], jwks)["kid"]
    new_kid = signing.detached_verify(new.content, new[signing.HEADER], jwks)["kid"]
    assert old_kid != new_kid


def test_a_retired_key_is_withdrawn_and_its_answers_no_longer_verify(bank):
    import pytest

    old = bank.post("/inquiry/card", CARD)
    kid = old[signing.HEADER]
    header_kid = signing.detached_verify(old.content, kid, Client().get("/inquiry/keys").json())[
        "kid"
    ]
    signing.signing_key_retire(kid=header_kid, reason="leaked")

    with pytest.raises(ValueError):
        signing.detached_verify(old.content, kid, Client().get("/inquiry/keys").json())


def test_the_log_page_shows_inquiries_to_a_national_admin_only(bank, nasrin, reza):
    bank.post("/inquiry/card", CARD)

    page = signed_in(nasrin).get("/inquiry/log/")
    refused = signed_in(reza).get("/inquiry/log/")

    assert page.status_code == 200
    text = page.content.decode()
    assert bank.name in text and REASONS["NOT_FOUND"].fa in text
    # Codes as people read them: the Persian label shown, the code only in a tooltip.
    row = text.split('data-testid="log"')[1].split("</table>")[0]
    cells = re.sub(r'title="[^"]*"', "", row)
    for code in ("NOT_FOUND", "LOAN", ">card<", "invalid"):
        assert code not in cells
    assert PURPOSES["LOAN"][0] in cells and SCOPES["card"] in cells and RESULTS["invalid"] in cells
    assert refused.status_code == 403
    assert Client().get("/inquiry/log/").status_code == 302


def test_a_key_created_in_admin_is_shown_once(bank, nasrin):
    admin = signed_in(nasrin)

    response = admin.post(
        "/admin/inquiry/apikey/add/",
        {"partner": bank.partner.pk, "label": "second", "expires_at_0": "", "expires_at_1": ""},
        follow=True,
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="new-key"' in text
    raw = text.split('data-testid="new-key">')[1].split("<")[0]
    assert Client(headers={"X-API-Key": raw}).get("/api/v1/inquiry/ping").status_code == 200
    listing = admin.get("/admin/inquiry/apikey/").content.decode()
    assert raw not in listing


def test_a_partner_created_in_admin_is_audited(nasrin):
    from hoviat.core.models import AuditEntry
    from hoviat.inquiry.models import Partner

    response = signed_in(nasrin).post(
        "/admin/inquiry/partner/add/",
        {
            "name": "بیمه ایران",
            "scopes": ["identity", "card"],
            "attributes": ["expires_on"],
            "rate_limit_per_minute": 60,
            "daily_quota": 1000,
            "allowed_networks": "10.9.0.0/16",
            "is_active": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    partner = Partner.objects.get(name="بیمه ایران")
    assert partner.scopes == ["card", "identity"]
    assert partner.allowed_networks == ["10.9.0.0/16"]
    assert AuditEntry.objects.filter(
        action="inquiry.partner_created", object_id=str(partner.pk)
    ).exists()


def test_the_openapi_document_has_examples_and_the_signature_header(db):
    schema = Client().get("/api/v1/openapi.json").json()

    card = schema["paths"]["/api/v1/inquiry/card"]["post"]
    assert "X-JWS-Signature" in card["responses"]["200"]["headers"]
    components = schema["components"]["schemas"]
    for name in ("CardIn", "CardOut", "ReceiptIn", "IdentityIn", "VerifyIn", "ChallengeOut"):
        assert components[name]["examples"], name
    assert "BANK_ACCOUNT_OPENING" in components["CardIn"]["properties"]["purpose"]["enum"]
    assert set(schema["paths"]) >= {
        "/api/v1/inquiry/receipt",
        "/api/v1/inquiry/identity",
        "/api/v1/inquiry/paper-card",
        "/api/v1/auth/card/challenge",
        "/api/v1/auth/card/verify",
    }
    assert "PartnerKey" in schema["components"]["securitySchemes"]


def test_the_guide_in_docs_carries_the_current_reason_table():
    guide = (ROOT / "docs" / "inquiry.md").read_text(encoding="utf-8")

    for code in list(REASONS) + list(PROBLEMS):
        assert f"`{code}`" in guide, code
    # Printed from the one table: regenerate with reason_table_markdown() when it changes.
    assert reason_table_markdown() in guide
    assert problem_table_markdown() in guide
    assert "curl" in guide and "X-JWS-Signature" in guide


def test_the_signing_key_is_rotated_only_when_due(db):
    import datetime as dt

    import time_machine

    key = signing.signing_key_create()

    assert signing.signing_key_rotate_if_due(within=dt.timedelta(days=30)) is None
    with time_machine.travel(key.signs_until - dt.timedelta(days=10)):
        new = signing.signing_key_rotate_if_due(within=dt.timedelta(days=30))
    assert new is not None and new.kid != key.kid


def test_keys_are_revoked_and_rotated_from_the_admin_list(bank, make_partner, nasrin):
    from hoviat.inquiry.models import ApiKey

    other = make_partner()
    admin = signed_in(nasrin)

    rotated = admin.post(
        "/admin/inquiry/apikey/",
        {"action": "rotate_keys", "_selected_action": [other.key.pk]},
        follow=True,
    )
    admin.post(
        "/admin/inquiry/apikey/",
        {"action": "revoke_keys", "_selected_action": [bank.key.pk]},
        follow=True,
    )

    assert ApiKey.objects.get(pk=bank.key.pk).revoked_at is not None
    assert bank.client.get("/api/v1/inquiry/ping").json()["code"] == "API_KEY_REVOKED"
    old = ApiKey.objects.get(pk=other.key.pk)
    assert old.replaced_by is not None and old.expires_at is not None
    assert old.replaced_by.prefix in rotated.content.decode()


def test_every_result_and_endpoint_the_services_log_has_a_persian_label():
    services = ROOT / "hoviat" / "inquiry" / "services"
    source = "\n".join(p.read_text() for p in services.glob("*.py"))
    results = set(re.findall(r'result="([a-z_]+)"', source))
    results |= set(re.findall(r'"([a-z_]+)" if [a-z.]+ else "([a-z_]+)"', source)[0])
    results |= {"valid", "invalid"}
    assert results <= set(RESULTS)
    assert set(re.findall(r'endpoint="([a-z_]+)"', source)) <= set(SCOPES)
