"""PKI reads: the published receipt keys, verifying receipts, the CA certificates and CRL."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from hoviat.pki import hooks, keystore
from hoviat.pki.digital_cards import CardVerdict, verify_card_qr
from hoviat.pki.letters import LetterVerdict, verify_letter_qr
from hoviat.pki.models import CaKind, CertificateAuthority, ReceiptSigningKey, RevocationList
from hoviat.pki.receipts import (
    ReceiptVerdict,
    b64url_decode,
    public_key_jwk,
    verify_receipt_qr,
)


@lru_cache(maxsize=64)
def _public_key(pem: str) -> ec.EllipticCurvePublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ImproperlyConfigured("A receipt-signing key is not an EC key")
    return key


def receipt_key_signing(*, now: dt.datetime | None = None) -> ReceiptSigningKey | None:
    """The key that signs receipts at `now` (the newest, if periods overlap), or None."""
    return keystore.key_signing(ReceiptSigningKey, now=now)


def receipt_public_keys() -> list[ReceiptSigningKey]:
    """Every key whose receipts verify: all but the retired, newest first."""
    return list(
        ReceiptSigningKey.objects.filter(retired_at__isnull=True).order_by("-active_from", "-id")
    )


def receipt_keys_document() -> dict[str, Any]:
    """The published keys as a JWKS (RFC 7517), with each key's signing period and PEM."""
    keys = []
    for key in receipt_public_keys():
        jwk = public_key_jwk(_public_key(key.public_key_pem))
        jwk.update(
            active_from=key.active_from.isoformat(),
            signs_until=key.signs_until.isoformat(),
            pem=key.public_key_pem,
        )
        keys.append(jwk)
    return {"keys": keys}


def receipt_verification_keys() -> dict[bytes, ec.EllipticCurvePublicKey]:
    return {
        b64url_decode(key.kid): _public_key(key.public_key_pem) for key in receipt_public_keys()
    }


def receipt_qr_verify(*, text: str, now: dt.datetime | None = None) -> ReceiptVerdict:
    """Verify a receipt's QR text against the keys this system publishes."""
    return verify_receipt_qr(text, receipt_verification_keys(), now or timezone.now())


def card_qr_verify(*, text: str, now: dt.datetime | None = None) -> CardVerdict:
    """Verify a digital card's QR text against the keys this system publishes (offline)."""
    return verify_card_qr(text, receipt_verification_keys(), now or timezone.now())


def card_standing_online(
    *, card_serial: str, today: dt.date | None = None
) -> hooks.CardStanding | None:
    """The card's status now, from the stage that keeps cards (the `card_standing` hook);
    None when no stage answers."""
    return hooks.card_standing.first(card_serial=card_serial, today=today or timezone.localdate())


def decision_letter_qr_verify(*, text: str) -> LetterVerdict:
    """Verify a citizenship decision letter's QR text against the keys this system publishes."""
    return verify_letter_qr(text, receipt_verification_keys())


def ca_current(kind: str) -> CertificateAuthority | None:
    """The newest CA of a kind (root or issuing), whatever its state."""
    return CertificateAuthority.objects.filter(kind=kind).order_by("-not_before", "-id").first()


def ca_certificate_der(kind: str) -> bytes | None:
    ca = ca_current(kind)
    if ca is None:
        return None
    return x509.load_pem_x509_certificate(ca.cert_pem.encode()).public_bytes(
        serialization.Encoding.DER
    )


def crl_current_der() -> bytes | None:
    """The newest stored CRL of the current issuing CA, as published (DER)."""
    ca = ca_current(CaKind.ISSUING)
    if ca is None:
        return None
    crl = (
        RevocationList.objects.filter(issuer=ca)
        .order_by("-number")
        .only("der", "next_update")
        .first()
    )
    if crl is None or crl.next_update <= timezone.now():
        return None
    return bytes(crl.der)
