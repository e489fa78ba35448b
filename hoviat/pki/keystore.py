"""Signing keys kept in the database, one lifecycle for every kind of them.

A key is P-256; its private half is stored PEM-encrypted with the PKI passphrase
(HOVIAT_PKI_PASSPHRASE), it is found by its kid (RFC 7638 thumbprint), signs from
`active_from` to `signs_until`, stays published after a rotation so what it signed still
verifies, and is retired (unpublished) when it leaks. Receipt keys (`pki.ReceiptSigningKey`)
and the inquiry answers' keys (`inquiry.InquirySigningKey`) both live this life: each model
has kid, public_key_pem, private_key_pem, created_at, active_from, signs_until, retired_at
and retired_reason. Callers keep their own caches of decrypted keys and their audit names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.utils import timezone

from hoviat.core.audit import audit_record
from hoviat.core.errors import Conflict, NotFound
from hoviat.pki.receipts import b64url, kid_of


def passphrase() -> bytes:
    return settings.PKI_PASSPHRASE.encode()


def key_signing(model: type[models.Model], *, now: dt.datetime | None = None):
    """The key that signs at `now` (the newest, if periods overlap), or None."""
    now = now or timezone.now()
    return (
        model.objects.filter(retired_at__isnull=True, active_from__lte=now, signs_until__gt=now)
        .order_by("-active_from", "-id")
        .first()
    )


def key_create(
    model: type[models.Model],
    *,
    period: dt.timedelta,
    action: str,
    actor: Any = None,
    active_from: dt.datetime | None = None,
) -> tuple[Any, ec.EllipticCurvePrivateKey]:
    """Generate a key, store it encrypted and audit it; returns the row and the private key."""
    now = timezone.now()
    active_from = active_from or now
    private = ec.generate_private_key(ec.SECP256R1())
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase()),
    )
    with transaction.atomic():
        key = model.objects.create(
            kid=b64url(kid_of(private.public_key())),
            public_key_pem=public_pem.decode(),
            private_key_pem=private_pem.decode(),
            created_at=now,
            active_from=active_from,
            signs_until=active_from + period,
        )
        audit_record(
            actor=actor,
            action=action,
            obj=key,
            to_state="signing",
            data={
                "kid": key.kid,
                "active_from": key.active_from.isoformat(),
                "signs_until": key.signs_until.isoformat(),
            },
        )
    return key, private


def private_key_load(key: Any, *, label: str) -> ec.EllipticCurvePrivateKey:
    """Decrypt a stored key (the slow KDF of PEM encryption: callers cache the result)."""
    try:
        private = serialization.load_pem_private_key(key.private_key_pem.encode(), passphrase())
    except (ValueError, TypeError):
        raise ImproperlyConfigured(
            f"Cannot decrypt {label} key {key.kid}: HOVIAT_PKI_PASSPHRASE is not the "
            "passphrase it was created with"
        ) from None
    if (
        not isinstance(private, ec.EllipticCurvePrivateKey)
        or b64url(kid_of(private.public_key())) != key.kid
    ):
        raise ImproperlyConfigured(f"{label.capitalize()} key {key.kid} does not match its kid")
    return private


def key_rotate(
    model: type[models.Model],
    *,
    create: Callable[[dt.datetime], Any],
    action: str,
    actor: Any = None,
):
    """A new key signs from now on (`create(active_from)` makes it); the keys signing until
    now stop signing but stay published."""
    with transaction.atomic():
        now = timezone.now()
        previous = list(
            model.objects.select_for_update().filter(
                retired_at__isnull=True, active_from__lte=now, signs_until__gt=now
            )
        )
        model.objects.filter(pk__in=[old.pk for old in previous]).update(signs_until=now)
        key = create(now)
        audit_record(
            actor=actor,
            action=action,
            obj=key,
            from_state=",".join(old.kid for old in previous),
            to_state=key.kid,
            data={"previous": [old.kid for old in previous], "kid": key.kid},
        )
    return key


def key_rotate_if_due(*, signing: Any, within: dt.timedelta, rotate: Callable[[], Any]):
    """Rotate when no key signs now or the signing one stops within `within`; else None."""
    if signing is not None and signing.signs_until > timezone.now() + within:
        return None
    return rotate()


def key_retire(
    model: type[models.Model],
    *,
    kid: str,
    reason: str,
    action: str,
    code: str,
    actor: Any = None,
):
    """Withdraw a key (e.g. leaked): no longer published, so what it signed stops verifying.
    Refusals carry `code` + "_NOT_FOUND" or "_RETIRED"."""
    with transaction.atomic():
        key = model.objects.select_for_update().filter(kid=kid).first()
        if key is None:
            raise NotFound(f"کلید {kid} یافت نشد.", code=f"{code}_NOT_FOUND")
        if key.retired_at is not None:
            raise Conflict(f"کلید {kid} پیش‌تر کنار گذاشته شده است.", code=f"{code}_RETIRED")
        now = timezone.now()
        key.retired_at, key.retired_reason = now, reason[:200]
        key.signs_until = min(key.signs_until, max(now, key.active_from))
        key.save(update_fields=["retired_at", "retired_reason", "signs_until"])
        audit_record(
            actor=actor,
            action=action,
            obj=key,
            from_state="published",
            to_state="retired",
            reason=reason,
            data={"kid": key.kid},
        )
    return key
