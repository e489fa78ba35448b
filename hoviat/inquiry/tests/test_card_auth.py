"""Card authentication by challenge and response, with Sara's real card: the emulated chip
signs the challenge with its authentication key after her ID PIN."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
import time_machine
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.test import Client
from django.utils import timezone

from hoviat.inquiry.models import InquiryLog
from hoviat.inquiry.signing import HEADER, detached_verify
from hoviat.inquiry.tests.conftest import ID_PIN, card_set_status
from hoviat.pki.models import IssuedCertificate
from hoviat.pki.receipts import b64url_decode
from hoviat.pki.services import card_certificates_revoke, chip_sign_challenge


def certificate_pem(card, kind: str = "auth") -> str:
    der = bytes(IssuedCertificate.objects.get(csn=card.csn, kind=kind).der)
    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM).decode()


def challenge_of(partner) -> str:
    response = partner.post("/auth/card/challenge")
    assert response.status_code == 200, response.content
    return response.json()["challenge"]


def card_signs(card, challenge: str) -> str:
    """What the card reader at the bank does: the chip signs, after the holder's PIN."""
    der = chip_sign_challenge(csn=card.csn, pin=ID_PIN, challenge=b64url_decode(challenge))
    return base64.b64encode(der).decode()


def verify(partner, challenge: str, pem: str, signature: str):
    return partner.post(
        "/auth/card/verify",
        {"challenge": challenge, "certificate_pem": pem, "signature": signature},
    )


def assert_refused(response, reason: str):
    assert response.status_code == 403, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["code"], body["reason_code"], body["authenticated"]) == (reason, reason, False)
    assert body["national_code"] is None
    return body


def test_a_genuine_card_authenticates_and_names_its_holder(bank, saras_card):
    challenge = challenge_of(bank)

    response = verify(
        bank, challenge, certificate_pem(saras_card), card_signs(saras_card, challenge)
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["authenticated"], body["national_code"], body["reason_code"]) == (
        True,
        "0499370899",
        "OK",
    )
    detached_verify(response.content, response[HEADER], Client().get("/inquiry/keys").json())
    row = InquiryLog.objects.get(endpoint="card_auth")
    assert (row.result, row.purpose) == ("authenticated", "CARD_AUTH")


def test_the_holder_is_not_named_without_the_national_code_attribute(make_partner, saras_card):
    agency = make_partner(attributes=["card_status"])
    challenge = challenge_of(agency)

    body = verify(
        agency, challenge, certificate_pem(saras_card), card_signs(saras_card, challenge)
    ).json()

    assert (body["authenticated"], body["national_code"]) == (True, None)


def test_a_raw_r_s_signature_is_accepted_too(bank, saras_card):
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    challenge = challenge_of(bank)
    der = base64.b64decode(card_signs(saras_card, challenge))
    r, s = decode_dss_signature(der)
    raw = base64.urlsafe_b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()

    assert verify(bank, challenge, certificate_pem(saras_card), raw).json()["authenticated"]


def test_a_challenge_is_good_for_one_verify_only(bank, saras_card):
    challenge = challenge_of(bank)
    signature = card_signs(saras_card, challenge)
    assert verify(bank, challenge, certificate_pem(saras_card), signature).status_code == 200

    replay = verify(bank, challenge, certificate_pem(saras_card), signature)

    assert replay.status_code == 409
    assert replay.json()["code"] == "CHALLENGE_REPLAYED"


def test_an_expired_challenge_is_refused(bank, saras_card):
    challenge = challenge_of(bank)
    signature = card_signs(saras_card, challenge)

    with time_machine.travel(timezone.now() + dt.timedelta(seconds=121)):
        response = verify(bank, challenge, certificate_pem(saras_card), signature)

    assert response.status_code == 410
    assert response.json()["code"] == "CHALLENGE_EXPIRED"


def test_a_challenge_issued_to_another_partner_is_unknown(bank, make_partner, saras_card):
    other = make_partner()
    challenge = challenge_of(other)

    response = verify(
        bank, challenge, certificate_pem(saras_card), card_signs(saras_card, challenge)
    )

    assert response.status_code == 404
    assert response.json()["code"] == "CHALLENGE_UNKNOWN"


def test_a_revoked_certificate_is_refused(bank, saras_card):
    card_certificates_revoke(csn=saras_card.csn, reason="lost", actor=None)
    challenge = challenge_of(bank)

    response = verify(
        bank, challenge, certificate_pem(saras_card), card_signs(saras_card, challenge)
    )

    assert_refused(response, "CERT_REVOKED")
    # Refusals are signed too: the bank can prove it was told no.
    detached_verify(response.content, response[HEADER], Client().get("/inquiry/keys").json())


def _foreign_certificate(issuer_name: x509.Name, subject_key, signer_key) -> str:
    now = timezone.now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "IR"),
                    x509.NameAttribute(NameOID.SERIAL_NUMBER, "0499370899"),
                    x509.NameAttribute(NameOID.COMMON_NAME, "سارا محمدی"),
                ]
            )
        )
        .issuer_name(issuer_name)
        .public_key(subject_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(signer_key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def _sign(key, challenge: str) -> str:
    der = key.sign(b64url_decode(challenge), ec.ECDSA(hashes.SHA256()))
    return base64.b64encode(der).decode()


def test_a_self_signed_certificate_is_untrusted(bank, saras_card):
    key = ec.generate_private_key(ec.SECP256R1())
    pem = _foreign_certificate(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Me")]), key, key)
    challenge = challenge_of(bank)

    assert_refused(verify(bank, challenge, pem, _sign(key, challenge)), "CERT_UNTRUSTED")


def test_a_certificate_from_an_impostor_ca_with_our_name_is_untrusted(bank, saras_card):
    ours = x509.load_pem_x509_certificate(certificate_pem(saras_card).encode())
    impostor_ca_key = ec.generate_private_key(ec.SECP256R1())
    key = ec.generate_private_key(ec.SECP256R1())
    pem = _foreign_certificate(ours.issuer, key, impostor_ca_key)
    challenge = challenge_of(bank)

    assert_refused(verify(bank, challenge, pem, _sign(key, challenge)), "CERT_UNTRUSTED")


def test_the_cards_signing_certificate_cannot_authenticate(bank, saras_card):
    challenge = challenge_of(bank)

    response = verify(
        bank, challenge, certificate_pem(saras_card, "sign"), card_signs(saras_card, challenge)
    )

    assert_refused(response, "CERT_NOT_FOR_AUTH")


def test_a_signature_over_another_challenge_is_invalid(bank, saras_card):
    challenge, other = challenge_of(bank), challenge_of(bank)

    response = verify(bank, challenge, certificate_pem(saras_card), card_signs(saras_card, other))

    assert_refused(response, "SIGNATURE_INVALID")


def test_a_genuine_signature_of_a_suspended_card_is_refused(bank, saras_card):
    card_set_status(saras_card, "suspended")
    challenge = challenge_of(bank)

    response = verify(
        bank, challenge, certificate_pem(saras_card), card_signs(saras_card, challenge)
    )

    assert_refused(response, "CARD_SUSPENDED")


def test_a_certificate_past_its_validity_is_expired(bank, saras_card):
    challenge_at = dt.datetime.combine(
        saras_card.expires_on + dt.timedelta(days=2), dt.time(12), tzinfo=dt.UTC
    )
    with time_machine.travel(challenge_at, tick=False):
        challenge = challenge_of(bank)
        response = verify(
            bank, challenge, certificate_pem(saras_card), card_signs(saras_card, challenge)
        )

    assert_refused(response, "CERT_EXPIRED")


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("certificate_pem", "not a certificate", "CERT_MALFORMED"),
        ("signature", "%%%not base64%%%", "SIGNATURE_MALFORMED"),
        ("challenge", "c2hvcnQ", "CHALLENGE_UNKNOWN"),
    ],
)
def test_it_refuses_malformed_input_with_a_clear_code(bank, saras_card, field, value, code):
    challenge = challenge_of(bank)
    body = {
        "challenge": challenge,
        "certificate_pem": certificate_pem(saras_card),
        "signature": card_signs(saras_card, challenge),
        field: value,
    }

    response = bank.post("/auth/card/verify", body)

    assert response.json()["code"] == code
    assert response.status_code in (404, 422)


def test_card_auth_needs_its_scope(make_partner, saras_card):
    bank = make_partner(scopes=["card"])

    response = bank.post("/auth/card/challenge")

    assert response.status_code == 403
    assert response.json()["code"] == "SCOPE_NOT_GRANTED"


def test_a_verify_costs_a_handful_of_queries(bank, saras_card):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    warm = challenge_of(bank)
    verify(bank, warm, certificate_pem(saras_card), card_signs(saras_card, warm))
    challenge = challenge_of(bank)
    signature = card_signs(saras_card, challenge)
    pem = certificate_pem(saras_card)

    with CaptureQueriesContext(connection) as queries:
        response = verify(bank, challenge, pem, signature)

    assert response.status_code == 200
    assert len(queries) <= 5, [q["sql"] for q in queries]


def test_an_rsa_certificate_claiming_our_issuer_is_untrusted(bank, saras_card):
    from cryptography.hazmat.primitives.asymmetric import rsa

    ours = x509.load_pem_x509_certificate(certificate_pem(saras_card).encode())
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = _foreign_certificate(ours.issuer, key, key)
    challenge = challenge_of(bank)
    any_ecdsa = _sign(ec.generate_private_key(ec.SECP256R1()), challenge)

    assert_refused(verify(bank, challenge, pem, any_ecdsa), "CERT_UNTRUSTED")
