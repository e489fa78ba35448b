"""Receipt-signing keys: create, rotate, retire (through hoviat.pki.keystore), and the
signed QR text of a receipt."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings

from hoviat.core.errors import DomainError
from hoviat.pki import keystore, selectors
from hoviat.pki.digital_cards import CardClaims, sign_card_qr
from hoviat.pki.letters import LetterClaims, sign_letter_qr
from hoviat.pki.models import ReceiptSigningKey
from hoviat.pki.receipts import ReceiptClaims, b64url_decode, sign_receipt_qr

__all__ = [
    "ReceiptKeyMissing",
    "decision_letter_qr_sign",
    "digital_card_qr_sign",
    "receipt_key_active",
    "receipt_key_create",
    "receipt_key_init",
    "receipt_key_retire",
    "receipt_key_rotate",
    "receipt_key_rotate_if_due",
    "receipt_qr_sign",
]


class ReceiptKeyMissing(DomainError):
    code = "RECEIPT_KEY_MISSING"
    status = 503
    title = "No receipt-signing key"
    default_detail = (
        "کلید امضای رسید آماده نیست. مدیر سامانه باید فرمان «hoviat pki init» را اجرا کند."
    )


# Decrypted private keys by kid, for this process: signing happens for every receipt
# rendered, and a key's private half never changes once created.
_PRIVATE_KEYS: dict[str, ec.EllipticCurvePrivateKey] = {}


def _signing_period() -> dt.timedelta:
    return dt.timedelta(days=settings.PKI_RECEIPT_KEY_SIGNING_DAYS)


def _private_key(key: ReceiptSigningKey) -> ec.EllipticCurvePrivateKey:
    cached = _PRIVATE_KEYS.get(key.kid)
    if cached is not None:
        return cached
    private = keystore.private_key_load(key, label="receipt-signing")
    _PRIVATE_KEYS[key.kid] = private
    return private


def receipt_key_create(
    *, actor: Any = None, active_from: dt.datetime | None = None
) -> ReceiptSigningKey:
    """Generate a P-256 receipt-signing key, store it encrypted, and audit its creation."""
    key, private = keystore.key_create(
        ReceiptSigningKey,
        period=_signing_period(),
        action="pki.receipt_key_created",
        actor=actor,
        active_from=active_from,
    )
    _PRIVATE_KEYS[key.kid] = private
    return key


def receipt_key_active() -> ReceiptSigningKey:
    """The key that signs receipts now (made on demand where PKI_RECEIPT_KEY_AUTO_CREATE)."""
    key = selectors.receipt_key_signing()
    if key is not None:
        return key
    if not settings.PKI_RECEIPT_KEY_AUTO_CREATE:
        raise ReceiptKeyMissing()
    # Two processes racing here may each create a key: harmless, both are published and
    # the newer one signs from then on.
    return receipt_key_create()


def receipt_key_init(*, actor: Any = None) -> tuple[ReceiptSigningKey, bool]:
    """The key that signs now, created if there is none; True when it was just created."""
    key = selectors.receipt_key_signing()
    if key is not None:
        return key, False
    return receipt_key_create(actor=actor), True


def receipt_key_rotate(*, actor: Any = None) -> ReceiptSigningKey:
    """A new signing key from now on; the previous ones stop signing but stay published."""
    return keystore.key_rotate(
        ReceiptSigningKey,
        create=lambda now: receipt_key_create(actor=actor, active_from=now),
        action="pki.receipt_key_rotated",
        actor=actor,
    )


def receipt_key_rotate_if_due(
    *, within: dt.timedelta, actor: Any = None
) -> ReceiptSigningKey | None:
    """Rotate when no key signs now or the signing one stops within `within`; else None."""
    return keystore.key_rotate_if_due(
        signing=selectors.receipt_key_signing(),
        within=within,
        rotate=lambda: receipt_key_rotate(actor=actor),
    )


def receipt_key_retire(*, kid: str, reason: str, actor: Any = None) -> ReceiptSigningKey:
    """Withdraw a key (e.g. leaked): no longer published, so its receipts stop verifying."""
    key = keystore.key_retire(
        ReceiptSigningKey,
        kid=kid,
        reason=reason,
        action="pki.receipt_key_retired",
        code="RECEIPT_KEY",
        actor=actor,
    )
    _PRIVATE_KEYS.pop(kid, None)
    return key


def receipt_qr_sign(*, claims: ReceiptClaims) -> str:
    """The QR text (HVR1:…) for a receipt, signed with the current receipt-signing key."""
    key = receipt_key_active()
    return sign_receipt_qr(claims, _private_key(key), kid=b64url_decode(key.kid))


def digital_card_qr_sign(*, claims: CardClaims) -> str:
    """The QR text (HVC1:…) of a digital card, signed with the current receipt-signing key
    (the keys published at /pki/receipt-keys verify both)."""
    key = receipt_key_active()
    return sign_card_qr(claims, _private_key(key), kid=b64url_decode(key.kid))


def decision_letter_qr_sign(*, claims: LetterClaims) -> str:
    """The QR text (HVD1:…) of a citizenship decision letter, signed with the current
    receipt-signing key (published with the others, so a letter verifies offline)."""
    key = receipt_key_active()
    return sign_letter_qr(claims, _private_key(key), kid=b64url_decode(key.kid))
