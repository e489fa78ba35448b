"""Signed answers: every inquiry answer carries a detached JWS (RFC 7515 appendix F).

The `X-JWS-Signature` response header holds `BASE64URL(header)..BASE64URL(signature)`, a JWS
compact serialisation with the payload left out. The payload is the exact bytes of the
response body; to verify, put BASE64URL(body) between the two dots and check the ES256
signature with the key named by `kid`, published as a JWKS at GET /inquiry/keys. The partner
keeps the body and the header: together they prove what the registry answered, and when (the
body carries `inquiry_id` and `answered_at`).

Protected header: {"alg": "ES256", "kid": <kid>, "typ": "JOSE", "cty": "json"}. The kid is the
base64url of the first 8 bytes of SHA-256 over the key's SubjectPublicKeyInfo, as for the
receipt-signing keys.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from joserfc import jws
from joserfc.jwk import ECKey

from hoviat.core.errors import DomainError
from hoviat.inquiry.conf import conf
from hoviat.inquiry.models import InquirySigningKey
from hoviat.pki import keystore
from hoviat.pki.receipts import b64url, b64url_decode, public_key_jwk

HEADER = "X-JWS-Signature"
ALGORITHMS = ["ES256"]


class SigningKeyMissing(DomainError):
    code = "INQUIRY_SIGNING_KEY_MISSING"
    status = 503
    title = "No inquiry-signing key"
    default_detail = "کلید امضای پاسخ استعلام آماده نیست. «hoviat inquiry rotate-key» را اجرا کنید."


# Decrypting a key runs the slow KDF of PEM encryption: once per process and key.
_JOSE_KEYS: dict[str, ECKey] = {}
# (loaded at, key) of the key signing now: re-read at most every INQUIRY_SIGNING_KEY_CACHE_SECONDS
# so answering costs no query for it; a rotation reaches every process within that delay.
_CURRENT: list[Any] = [0.0, None]


def _jose_key(key: InquirySigningKey) -> ECKey:
    cached = _JOSE_KEYS.get(key.kid)
    if cached is not None:
        return cached
    jose = ECKey.import_key(keystore.private_key_load(key, label="inquiry-signing"))
    _JOSE_KEYS[key.kid] = jose
    return jose


def _forget_current() -> None:
    _CURRENT[:] = [0.0, None]
    _SIGNERS.clear()


def signing_key_create(*, actor: Any = None, active_from: dt.datetime | None = None):
    """Generate a P-256 answer-signing key, store it encrypted, and audit it."""
    key, private = keystore.key_create(
        InquirySigningKey,
        period=dt.timedelta(days=conf("INQUIRY_SIGNING_KEY_DAYS")),
        action="inquiry.signing_key_created",
        actor=actor,
        active_from=active_from,
    )
    _JOSE_KEYS[key.kid] = ECKey.import_key(private)
    _forget_current()
    return key


def signing_key_current(*, now: dt.datetime | None = None) -> InquirySigningKey | None:
    return keystore.key_signing(InquirySigningKey, now=now)


def signing_key_rotate(*, actor: Any = None) -> InquirySigningKey:
    """A new signing key from now on; earlier ones stop signing but stay published."""
    key = keystore.key_rotate(
        InquirySigningKey,
        create=lambda now: signing_key_create(actor=actor, active_from=now),
        action="inquiry.signing_key_rotated",
        actor=actor,
    )
    _forget_current()
    return key


def signing_key_rotate_if_due(*, within: dt.timedelta, actor: Any = None):
    """Rotate when no key signs now or the signing one stops within `within`; else None."""
    return keystore.key_rotate_if_due(
        signing=signing_key_current(),
        within=within,
        rotate=lambda: signing_key_rotate(actor=actor),
    )


def signing_key_retire(*, kid: str, reason: str, actor: Any = None) -> InquirySigningKey:
    """Withdraw a key (e.g. leaked): unpublished, so answers it signed no longer verify."""
    key = keystore.key_retire(
        InquirySigningKey,
        kid=kid,
        reason=reason,
        action="inquiry.signing_key_retired",
        code="SIGNING_KEY",
        actor=actor,
    )
    _JOSE_KEYS.pop(kid, None)
    _forget_current()
    return key


def _signing_key() -> InquirySigningKey:
    loaded_at, key = _CURRENT
    now = time.monotonic()
    if (
        key is not None
        and now - loaded_at < conf("INQUIRY_SIGNING_KEY_CACHE_SECONDS")
        and key.signs_until > timezone.now()
    ):
        return key
    key = signing_key_current()
    if key is None:
        if not conf("INQUIRY_SIGNING_KEY_AUTO_CREATE"):
            raise SigningKeyMissing()
        key = signing_key_create()
    _CURRENT[:] = [now, key]
    return key


# kid -> (BASE64URL(protected header) + ".", private key): what signing needs, made once.
_SIGNERS: dict[str, tuple[bytes, ec.EllipticCurvePrivateKey]] = {}


def _signer(key: InquirySigningKey) -> tuple[bytes, ec.EllipticCurvePrivateKey]:
    cached = _SIGNERS.get(key.kid)
    if cached is None:
        header = {"alg": "ES256", "kid": key.kid, "typ": "JOSE", "cty": "json"}
        encoded = b64url(json.dumps(header, separators=(",", ":")).encode()).encode()
        cached = (encoded + b".", _jose_key(key).private_key)
        _SIGNERS[key.kid] = cached
    return cached


# ECDSA over a SHA-256 digest made by hashlib: the same signature as ECDSA(SHA256()) over the
# input, less the setting up of a hash inside `cryptography` each time (2 µs of 27). Made once:
# a tenth of a signature's CPU otherwise.
_ES256_PREHASHED = ec.ECDSA(Prehashed(hashes.SHA256()))


def detached_signature(body: bytes) -> str:
    """The detached compact JWS (header..signature) of `body` with the current key.

    RFC 7515 with ES256 (RFC 7518 section 3.4): the signing input is
    BASE64URL(header) "." BASE64URL(body), the signature is R || S, 32 bytes each. Written
    with `cryptography` directly (joserfc, which the partner's check uses, verifies it): on
    the hot path joserfc's generality cost more than the signature itself.
    """
    prefix, private = _signer(_signing_key())
    digest = hashlib.sha256(prefix + b64url(body).encode()).digest()
    der = private.sign(digest, _ES256_PREHASHED)
    r, s = decode_dss_signature(der)
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return f"{prefix.decode()}.{b64url(raw)}"


@lru_cache(maxsize=32)
def _public(pem: str) -> ec.EllipticCurvePublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ImproperlyConfigured("An inquiry-signing key is not an EC key")
    return key


def signing_keys_document() -> dict[str, Any]:
    """The published answer-signing keys as a JWKS (RFC 7517), newest first."""
    keys = []
    for key in InquirySigningKey.objects.filter(retired_at__isnull=True).order_by(
        "-active_from", "-id"
    ):
        jwk = public_key_jwk(_public(key.public_key_pem))
        jwk.update(
            active_from=key.active_from.isoformat(),
            signs_until=key.signs_until.isoformat(),
            pem=key.public_key_pem,
        )
        keys.append(jwk)
    return {"keys": keys}


def detached_verify(body: bytes, signature: str, jwks: dict[str, Any]) -> dict[str, Any]:
    """The protected header if `signature` signs `body` with a key of `jwks`; else ValueError.

    The same check a partner makes (examples/inquiry_client.py does it with joserfc too).
    """
    try:
        header_part = signature.split(".", 1)[0]
        kid = json.loads(b64url_decode(header_part))["kid"]
        jwk = next(k for k in jwks["keys"] if k["kid"] == kid)
        public = ECKey.import_key({k: jwk[k] for k in ("kty", "crv", "x", "y")})
        return dict(
            jws.deserialize_compact(
                signature, public, payload=body, algorithms=ALGORITHMS
            ).headers()
        )
    except Exception as exc:  # any failure is "not signed by us"
        raise ValueError(f"signature does not verify: {exc!r}") from None
