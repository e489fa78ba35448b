"""Receipt-signing keys: creation, encryption at rest, rotation, retirement, publication."""

import datetime as dt

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from hoviat.core.errors import Conflict, NotFound
from hoviat.core.models import AuditEntry
from hoviat.core.tests.factories import audit_log_holds
from hoviat.pki import selectors, services
from hoviat.pki.models import ReceiptSigningKey
from hoviat.pki.receipts import ReceiptStatus, keys_from_jwks, verify_receipt_qr
from hoviat.pki.services import receipt_keys

pytestmark = pytest.mark.django_db


def test_the_first_receipt_signed_in_development_creates_the_key_and_audits_it(current_claims):
    text = services.receipt_qr_sign(claims=current_claims)

    key = ReceiptSigningKey.objects.get()
    assert selectors.receipt_qr_verify(text=text).status == ReceiptStatus.VALID
    assert selectors.receipt_qr_verify(text=text).kid == key.kid
    entry = AuditEntry.objects.get(action="pki.receipt_key_created")
    assert entry.object_id == str(key.pk)
    assert entry.data["kid"] == key.kid
    assert key.signs_until - key.active_from == dt.timedelta(days=365)
    assert audit_log_holds()


def test_without_auto_creation_a_missing_key_is_a_clear_error(settings, current_claims):
    settings.PKI_RECEIPT_KEY_AUTO_CREATE = False

    with pytest.raises(services.ReceiptKeyMissing) as raised:
        services.receipt_qr_sign(claims=current_claims)

    assert raised.value.code == "RECEIPT_KEY_MISSING"
    assert "hoviat pki init" in raised.value.detail
    assert not ReceiptSigningKey.objects.exists()


def test_the_private_key_is_stored_encrypted_with_the_pki_passphrase(settings):
    settings.PKI_PASSPHRASE = "a passphrase for this test"

    key = services.receipt_key_create()

    assert key.private_key_pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(TypeError):  # "password was not given but private key is encrypted"
        serialization.load_pem_private_key(key.private_key_pem.encode(), None)
    serialization.load_pem_private_key(key.private_key_pem.encode(), b"a passphrase for this test")


def test_a_key_encrypted_with_another_passphrase_is_reported_clearly(settings, current_claims):
    settings.PKI_PASSPHRASE = "the passphrase at creation"
    key = services.receipt_key_create()
    receipt_keys._PRIVATE_KEYS.pop(key.kid)  # as in a freshly started process
    settings.PKI_PASSPHRASE = "a different passphrase"

    with pytest.raises(ImproperlyConfigured, match="HOVIAT_PKI_PASSPHRASE"):
        services.receipt_qr_sign(claims=current_claims)


def test_signing_a_receipt_costs_one_query_once_the_key_is_loaded(
    current_claims, django_assert_num_queries
):
    services.receipt_key_create()

    with django_assert_num_queries(1):
        services.receipt_qr_sign(claims=current_claims)


def test_after_rotation_new_receipts_use_the_new_key_and_old_ones_still_verify(current_claims):
    old_key = services.receipt_key_create()
    old_text = services.receipt_qr_sign(claims=current_claims)

    new_key = services.receipt_key_rotate()
    new_text = services.receipt_qr_sign(claims=current_claims)

    assert new_key.kid != old_key.kid
    assert selectors.receipt_key_signing() == new_key
    assert selectors.receipt_qr_verify(text=old_text).kid == old_key.kid
    assert selectors.receipt_qr_verify(text=old_text).is_valid
    assert selectors.receipt_qr_verify(text=new_text).kid == new_key.kid
    assert selectors.receipt_qr_verify(text=new_text).is_valid
    old_key.refresh_from_db()
    assert old_key.signs_until <= timezone.now()
    rotated = AuditEntry.objects.get(action="pki.receipt_key_rotated")
    assert rotated.data == {"previous": [old_key.kid], "kid": new_key.kid}


def test_a_key_whose_signing_period_ended_is_replaced_on_demand_in_development(current_claims):
    old_key = services.receipt_key_create(active_from=timezone.now() - dt.timedelta(days=400))
    assert selectors.receipt_key_signing() is None

    text = services.receipt_qr_sign(claims=current_claims)

    assert selectors.receipt_qr_verify(text=text).kid != old_key.kid
    assert ReceiptSigningKey.objects.count() == 2


def test_a_retired_key_is_withdrawn_and_its_receipts_read_as_unknown_key(current_claims):
    key = services.receipt_key_create()
    text = services.receipt_qr_sign(claims=current_claims)

    services.receipt_key_retire(kid=key.kid, reason="leaked in a test")

    verdict = selectors.receipt_qr_verify(text=text)
    assert verdict.status == ReceiptStatus.UNKNOWN_KEY
    assert verdict.claims is None
    assert selectors.receipt_public_keys() == []
    assert AuditEntry.objects.get(action="pki.receipt_key_retired").reason == "leaked in a test"


def test_retiring_twice_or_an_unknown_kid_is_refused():
    key = services.receipt_key_create()
    services.receipt_key_retire(kid=key.kid, reason="once")

    with pytest.raises(Conflict):
        services.receipt_key_retire(kid=key.kid, reason="twice")
    with pytest.raises(NotFound):
        services.receipt_key_retire(kid="AAAAAAAAAAA", reason="no such key")


def test_the_published_key_list_is_a_cacheable_jwks(client):
    old_key = services.receipt_key_create()
    new_key = services.receipt_key_rotate()

    response = client.get("/pki/receipt-keys")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "max-age=300" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]
    assert response["Access-Control-Allow-Origin"] == "*"
    keys = response.json()["keys"]
    assert [jwk["kid"] for jwk in keys] == [new_key.kid, old_key.kid]
    assert {k: keys[0][k] for k in ("kty", "crv", "alg", "use")} == {
        "kty": "EC",
        "crv": "P-256",
        "alg": "ES256",
        "use": "sig",
    }
    assert keys[0]["pem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert dt.datetime.fromisoformat(keys[1]["signs_until"]) <= timezone.now()
    assert "private" not in response.content.decode().lower()


def test_a_bank_verifies_offline_from_the_published_json_alone(client, current_claims):
    text = services.receipt_qr_sign(claims=current_claims)
    document = client.get("/pki/receipt-keys").json()
    for jwk in document["keys"]:
        jwk.pop("pem")  # x and y are enough

    verdict = verify_receipt_qr(text, keys_from_jwks(document), timezone.now())

    assert verdict.is_valid
    assert verdict.claims == current_claims


def test_the_key_list_only_answers_get(client):
    assert client.post("/pki/receipt-keys").status_code == 405


def test_the_demo_makes_a_signing_key_once():
    from hoviat.pki import demo

    first, again = demo.build(citizens=10, seed=1), demo.build(citizens=10, seed=1)

    key = ReceiptSigningKey.objects.get()
    assert first == f"2 CA(s) created; receipt-signing key {key.kid} (created)"
    assert again == f"0 CA(s) created; receipt-signing key {key.kid} (already there)"
