"""Card authentication: a one-time challenge, the card's signature over it checked
(chain, validity, revocation, card state), and the sweep of old challenges."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.utils import timezone

from hoviat.inquiry import cardauth, selectors
from hoviat.inquiry.conf import conf
from hoviat.inquiry.errors import CardAuthFailed, InquiryProblem
from hoviat.inquiry.locks import holder_locked
from hoviat.inquiry.models import ApiKey, CardChallenge
from hoviat.inquiry.services._answering import (
    SignedAnswer,
    _admit,
    _answer,
    _shown,
    subject_hash,
)
from hoviat.pki.receipts import b64url, b64url_decode

__all__ = [
    "card_authenticate",
    "challenge_consume",
    "challenge_create",
    "challenges_sweep",
]


def _challenge_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def challenge_create(*, key: ApiKey) -> tuple[str, dt.datetime]:
    """A fresh one-time challenge (32 random bytes, base64url) for this partner."""
    _admit(key, "card_auth")
    raw = secrets.token_bytes(32)
    now = timezone.now()
    expires_at = now + dt.timedelta(seconds=conf("INQUIRY_CHALLENGE_SECONDS"))
    CardChallenge.objects.create(
        challenge_hash=_challenge_hash(raw),
        partner_id=key.partner_id,
        created_at=now,
        expires_at=expires_at,
    )
    return b64url(raw), expires_at


def _challenge_bytes(text: str) -> bytes:
    try:
        raw = b64url_decode((text or "").strip())
    except (ValueError, TypeError):
        raise InquiryProblem("CHALLENGE_UNKNOWN") from None
    if len(raw) != 32:
        raise InquiryProblem("CHALLENGE_UNKNOWN")
    return raw


def challenge_consume(*, key: ApiKey, challenge: str) -> bytes:
    """Use up a challenge issued to this partner: once, and before it expires."""
    raw = _challenge_bytes(challenge)
    now = timezone.now()
    digest = _challenge_hash(raw)
    used = CardChallenge.objects.filter(
        challenge_hash=digest,
        partner_id=key.partner_id,
        used_at__isnull=True,
        expires_at__gt=now,
    ).update(used_at=now)
    if used:
        return raw
    row = (
        CardChallenge.objects.filter(challenge_hash=digest, partner_id=key.partner_id)
        .values_list("used_at", "expires_at")
        .first()
    )
    if row is None:
        raise InquiryProblem("CHALLENGE_UNKNOWN")
    if row[0] is not None:
        raise InquiryProblem("CHALLENGE_REPLAYED")
    raise InquiryProblem("CHALLENGE_EXPIRED")


def card_authenticate(
    *, key: ApiKey, challenge: str, certificate_pem: str, signature: str
) -> SignedAnswer:
    """Verify a card's signature over our challenge: chain, validity, revocation, card state.

    A refusal is a signed problem+json (403) that still carries authenticated: false and the
    reason_code, so the partner can prove what it was told either way.
    """
    _admit(key, "card_auth")
    certificate = cardauth.parse_certificate(certificate_pem)
    signature_der = cardauth.parse_signature(signature)
    raw = challenge_consume(key=key, challenge=challenge)
    now = timezone.now()
    check = cardauth.certificate_check(
        certificate, challenge=raw, signature_der=signature_der, now=now
    )
    reason, holder = check.reason_code, None
    if reason == "OK":
        standing, holder = selectors.card_standing_by_csn(
            csn=check.csn, today=timezone.localdate(now)
        )
        reason = standing.reason_code if not standing.valid else "OK"
    subject = subject_hash(holder) if holder else ""
    if holder and holder_locked(subject_hash=subject, kind="card_auth", now=now):
        # The holder locked card authentication: refused, and logged under their subject so
        # their own history shows who tried.
        reason = "LOCKED_BY_HOLDER"
    if reason == "OK":
        return _answer(
            key=key,
            endpoint="card_auth",
            purpose="CARD_AUTH",
            result="authenticated",
            reason_code="OK",
            national_code=holder,
            subject=subject,
            fields={
                "authenticated": True,
                "national_code": _shown(key, "national_code", holder),
                "reason_code": "OK",
            },
        )
    failure = CardAuthFailed(reason)
    problem = failure.as_problem()
    problem["instance"] = "/api/v1/auth/card/verify"
    return _answer(
        key=key,
        endpoint="card_auth",
        purpose="CARD_AUTH",
        result="refused",
        reason_code=reason,
        national_code=None,
        subject=subject if reason == "LOCKED_BY_HOLDER" else "",
        fields=problem,
        status=failure.status,
    )


def challenges_sweep(*, older_than: dt.timedelta = dt.timedelta(hours=1)) -> int:
    """Delete challenges expired more than `older_than` ago (set-based)."""
    deleted, _ = CardChallenge.objects.filter(expires_at__lt=timezone.now() - older_than).delete()
    return deleted
