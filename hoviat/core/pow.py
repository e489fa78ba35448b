"""Self-hosted proof of work (ALTCHA challenges): costs a script time, costs a person a second.

The server signs each challenge with a key derived from SECRET_KEY, so it keeps no state until a
solution comes back; a solution is then spent once (a rate bucket per salt), so it cannot be
replayed. No third-party service is involved: the browser solves it with static/js/pow.js.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from typing import Any, cast

from altcha import ChallengeOptionsV1, create_challenge_v1, extract_params_v1, verify_solution_v1
from altcha.v1 import PayloadType
from django.conf import settings
from django.utils import timezone

from hoviat.core.errors import DomainError, RateLimited
from hoviat.core.ratelimit import rate_limit_hit


class ChallengeRequired(DomainError):
    code = "CHALLENGE_REQUIRED"
    status = 428
    title = "Precondition required"
    default_detail = "برای ادامه، مرورگر شما باید یک معمای کوتاه را حل کند. دوباره تلاش کنید."


class ChallengeInvalid(ChallengeRequired):
    code = "CHALLENGE_INVALID"
    default_detail = "پاسخ معما معتبر نیست یا پیش‌تر به کار رفته است. معمای تازه را حل کنید."


def _key() -> bytes:
    return hashlib.sha256(f"pow-challenge:{settings.SECRET_KEY}".encode()).digest()


def pow_challenge_new() -> dict[str, Any]:
    """A fresh signed challenge, as the ALTCHA widget and static/js/pow.js expect it."""
    expires = timezone.now() + dt.timedelta(seconds=settings.POW_CHALLENGE_TTL_SECONDS)
    challenge = create_challenge_v1(
        ChallengeOptionsV1(
            algorithm="SHA-256",
            max_number=settings.POW_CHALLENGE_MAX_NUMBER,
            hmac_key=_key(),
            expires=expires,
        )
    )
    return challenge.to_dict()


def _decode(solution: str) -> dict[str, Any] | None:
    try:
        payload = json.loads(base64.b64decode(solution, validate=True).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


def pow_solution_spend(*, solution: str | None) -> None:
    """Accept a solved, signed, unexpired challenge once; otherwise raise with a fresh one."""
    payload = _decode(solution or "") if solution else None
    ok = False
    if payload is not None:
        try:
            ok, _ = verify_solution_v1(cast(PayloadType, payload), _key(), check_expires=True)
        except (TypeError, ValueError, KeyError):
            ok = False
    if ok and payload is not None:
        # One-time use: the first spend of a salt fills its bucket, a replay finds it full.
        expires = int(extract_params_v1(cast(PayloadType, payload)).get("expires", ["0"])[0])
        try:
            rate_limit_hit(
                scope="pow-spent",
                subject=str(payload["salt"]),
                limit=1,
                window=dt.timedelta(seconds=max(1, expires - int(timezone.now().timestamp()))),
            )
            return
        except RateLimited:
            ok = False
    raise (ChallengeInvalid if solution else ChallengeRequired)(
        extra={"challenge": pow_challenge_new()}
    )
