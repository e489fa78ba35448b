"""PKI writes: receipt-signing keys (create, rotate, retire) and signing receipt QR codes.

Settings read here (all optional):
- PKI_PASSPHRASE: encrypts the private keys at rest. Default: HOVIAT_PKI_PASSPHRASE from the
  environment, else a development secret generated into var/pki_passphrase.
- PKI_RECEIPT_KEY_AUTO_CREATE (default True): when no key signs right now, make one on
  demand, so development, tests and `hoviat demo` just work. Production turns it off and runs
  `hoviat pki init` once (and `hoviat pki rotate-receipt-key` yearly): a missing key is then a
  loud ReceiptKeyMissing instead of a key nobody meant to create.
- PKI_RECEIPT_KEY_SIGNING_DAYS (default 365): how long a new key signs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from hoviat.core.audit import audit_record
from hoviat.core.env import secret_from_env_or_file
from hoviat.core.errors import Conflict, DomainError, NotFound
from hoviat.pki import selectors
from hoviat.pki.models import ReceiptSigningKey
from hoviat.pki.receipts import ReceiptClaims, b64url, b64url_decode, kid_of, sign_receipt_qr


class ReceiptKeyMissing(DomainError):
    code = "RECEIPT_KEY_MISSING"
    status = 503
    title = "No receipt-signing key"
    default_detail = ("کلید امضای رسید آماده نیست. مدیر سامانه باید فرمان "
                      "«hoviat pki init» را اجرا کند.")


# Decrypted private keys by kid, for this process: signing happens for every receipt
# rendered, and a key's private half never changes once created.
_PRIVATE_KEYS: dict[str, ec.EllipticCurvePrivateKey] = {}


def _passphrase() -> bytes:
    value = getattr(settings, "PKI_PASSPHRASE", None) or secret_from_env_or_file(
        "HOVIAT_PKI_PASSPHRASE", settings.VAR_DIR / "pki_passphrase")
    return value.encode()


def _signing_period() -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, "PKI_RECEIPT_KEY_SIGNING_DAYS", 365))


def _private_key(key: ReceiptSigningKey) -> ec.EllipticCurvePrivateKey:
    cached = _PRIVATE_KEYS.get(key.kid)
    if cached is not None:
        return cached
    try:
        private = serialization.load_pem_private_key(key.private_key_pem.encode(), _passphrase())
    except (ValueError, TypeError):
        raise ImproperlyConfigured(
            f"Cannot decrypt receipt-signing key {key.kid}: HOVIAT_PKI_PASSPHRASE is not the "
            "passphrase it was created with") from None
    if not isinstance(private, ec.EllipticCurvePrivateKey) or b64url(
            kid_of(private.public_key())) != key.kid:
        raise ImproperlyConfigured(f"Receipt-signing key {key.kid} does not match its kid")
    _PRIVATE_KEYS[key.kid] = private
    return private


def _key_data(key: ReceiptSigningKey) -> dict[str, Any]:
    return {"kid": key.kid, "active_from": key.active_from.isoformat(),
            "signs_until": key.signs_until.isoformat()}


def receipt_key_create(*, actor: Any = None,
                       active_from: dt.datetime | None = None) -> ReceiptSigningKey:
    """Generate a P-256 receipt-signing key, store it encrypted, and audit its creation."""
    now = timezone.now()
    active_from = active_from or now
    private = ec.generate_private_key(ec.SECP256R1())
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(_passphrase()))
    with transaction.atomic():
        key = ReceiptSigningKey.objects.create(
            kid=b64url(kid_of(private.public_key())), public_key_pem=public_pem.decode(),
            private_key_pem=private_pem.decode(), created_at=now, active_from=active_from,
            signs_until=active_from + _signing_period(),
        )
        audit_record(actor=actor, action="pki.receipt_key_created", obj=key,
                     to_state="signing", data=_key_data(key))
    _PRIVATE_KEYS[key.kid] = private
    return key


def receipt_key_active() -> ReceiptSigningKey:
    """The key that signs receipts now (made on demand where PKI_RECEIPT_KEY_AUTO_CREATE)."""
    key = selectors.receipt_key_signing()
    if key is not None:
        return key
    if not getattr(settings, "PKI_RECEIPT_KEY_AUTO_CREATE", True):
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
    with transaction.atomic():
        now = timezone.now()
        previous = list(ReceiptSigningKey.objects.select_for_update().filter(
            retired_at__isnull=True, active_from__lte=now, signs_until__gt=now))
        for key in previous:
            key.signs_until = now
            key.save(update_fields=["signs_until"])
        key = receipt_key_create(actor=actor, active_from=now)
        audit_record(actor=actor, action="pki.receipt_key_rotated", obj=key,
                     from_state=",".join(old.kid for old in previous), to_state=key.kid,
                     data={"previous": [old.kid for old in previous], "kid": key.kid})
    return key


def receipt_key_rotate_if_due(*, within: dt.timedelta,
                              actor: Any = None) -> ReceiptSigningKey | None:
    """Rotate when no key signs now or the signing one stops within `within`; else None."""
    key = selectors.receipt_key_signing()
    if key is not None and key.signs_until > timezone.now() + within:
        return None
    return receipt_key_rotate(actor=actor)


def receipt_key_retire(*, kid: str, reason: str, actor: Any = None) -> ReceiptSigningKey:
    """Withdraw a key (e.g. leaked): no longer published, so its receipts stop verifying."""
    with transaction.atomic():
        key = ReceiptSigningKey.objects.select_for_update().filter(kid=kid).first()
        if key is None:
            raise NotFound(f"کلید {kid} یافت نشد.", code="RECEIPT_KEY_NOT_FOUND")
        if key.retired_at is not None:
            raise Conflict(f"کلید {kid} پیش‌تر کنار گذاشته شده است.",
                           code="RECEIPT_KEY_RETIRED")
        now = timezone.now()
        key.retired_at, key.retired_reason = now, reason[:200]
        key.signs_until = min(key.signs_until, max(now, key.active_from))
        key.save(update_fields=["retired_at", "retired_reason", "signs_until"])
        audit_record(actor=actor, action="pki.receipt_key_retired", obj=key,
                     from_state="published", to_state="retired", reason=reason,
                     data={"kid": key.kid})
    _PRIVATE_KEYS.pop(kid, None)
    return key


def receipt_qr_sign(*, claims: ReceiptClaims) -> str:
    """The QR text (HVR1:…) for a receipt, signed with the current receipt-signing key."""
    key = receipt_key_active()
    return sign_receipt_qr(claims, _private_key(key), kid=b64url_decode(key.kid))
