"""Signed enrolment receipts: the QR code's payload, signed and verified without a server.

This module imports no Django (only cbor2, base45 and cryptography), so a bank or agency can
copy it and verify receipts offline against the keys published at `GET /pki/receipt-keys`
(see `keys_from_jwks`). The design follows the EU Digital COVID Certificate ("HC1:").

QR text
    "HVR1:" + Base45(zlib(COSE_Sign1)). Base45 (RFC 9285) keeps to the QR code's alphanumeric
    characters, so the code stays small. Readers accept surrounding whitespace, line breaks
    inside, and the prefix in any case; the Base45 part itself is case-sensitive.

COSE_Sign1 (RFC 9052 §4.2), CBOR tag 18 (an untagged array is accepted too)
    [ protected:   bstr .cbor {1: -7 (alg: ES256), 4: kid (8 bytes)},
      unprotected: {},
      payload:     bstr .cbor PAYLOAD,
      signature:   bstr, r || s (64 bytes, not DER) ]
    The signature is ECDSA P-256 / SHA-256 over the Sig_structure (RFC 9052 §4.4)
    ["Signature1", protected, h'', payload].
    kid = the first 8 bytes of SHA-256 over the key's DER SubjectPublicKeyInfo; in the
    published key list it appears as base64url without padding.

PAYLOAD: a CWT claims set (RFC 8392) with one private claim
    1      iss   "IR-NOCR" (National Organization for Civil Registration)
    6      iat   when the receipt was issued, epoch seconds (UTC)
    4      exp   the first second after the valid-until day ends in Tehran time, epoch seconds;
                 a verifier needs no time zone: expired means now >= exp
    "rcp"  the receipt, a map with text keys:
        "v"   1 (this layout; a later layout gets a new number and prefix)
        "nc"  national code, 10 ASCII digits
        "fn"  first name     "ln"  last name (Persian, normalised)
        "bd"  birth date, ISO 8601 YYYY-MM-DD (Gregorian)
        "tc"  tracking code of the application
        "rn"  receipt number
        "vu"  valid until, ISO 8601 YYYY-MM-DD (Gregorian): the last day the receipt stands in
              for the card

Verdicts: valid; expired (genuine but past exp); tampered (the signature does not match the
content); unknown_key (signed by a key that is not published); malformed (not a receipt QR
text at all, or damaged beyond reading).
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import hashlib
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import base45
import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

PREFIX = "HVR1:"
ISSUER = "IR-NOCR"
LAYOUT_VERSION = 1
COSE_SIGN1_TAG = 18
COSE_ALG_ES256 = -7
COSE_HEADER_ALG = 1
COSE_HEADER_KID = 4
CWT_ISS, CWT_EXP, CWT_IAT = 1, 4, 6
RECEIPT_CLAIM = "rcp"
KID_BYTES = 8
MAX_TEXT_CHARS = 4096
# A genuine receipt's COSE structure is a few hundred bytes; anything that inflates past this
# is not ours, and decompression stops here rather than filling memory (a zlib bomb).
MAX_COSE_BYTES = 4096
TEHRAN = ZoneInfo("Asia/Tehran")

_CURVE = ec.SECP256R1()
_ECDSA = ec.ECDSA(hashes.SHA256())


class ReceiptStatus(enum.StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    TAMPERED = "tampered"
    UNKNOWN_KEY = "unknown_key"
    MALFORMED = "malformed"


MESSAGES_FA = {
    ReceiptStatus.VALID: "رسید معتبر است: امضای سازمان ثبت احوال کشور را دارد و مهلت آن "
    "نگذشته است.",
    ReceiptStatus.EXPIRED: "امضای رسید درست است، اما مهلت اعتبار آن به پایان رسیده است و دیگر "
    "به جای کارت ملی پذیرفته نمی‌شود.",
    ReceiptStatus.TAMPERED: "این رسید دست‌کاری شده است: امضای آن با محتوایش نمی‌خواند. به آن "
    "اعتماد نکنید.",
    ReceiptStatus.UNKNOWN_KEY: "این رسید با کلیدی امضا شده که در فهرست کلیدهای منتشرشده سازمان "
    "ثبت احوال نیست. به آن اعتماد نکنید.",
    ReceiptStatus.MALFORMED: "متن کد QR رسید خوانا نیست: باید با HVR1: آغاز شود و کامل و بدون "
    "تغییر از روی رسید خوانده شده باشد.",
}


@dataclass(frozen=True)
class ReceiptClaims:
    """What a receipt vouches for. issued_at travels to the second, so it is kept in UTC
    without microseconds: the claims read back from a QR equal the ones signed."""

    national_code: str
    first_name: str
    last_name: str
    birth_date: dt.date
    tracking_code: str
    receipt_number: str
    issued_at: dt.datetime
    valid_until: dt.date

    def __post_init__(self) -> None:
        if self.issued_at.tzinfo is None or self.issued_at.utcoffset() is None:
            raise ValueError("issued_at must be an aware datetime")
        object.__setattr__(
            self, "issued_at", self.issued_at.astimezone(dt.UTC).replace(microsecond=0)
        )

    @property
    def expires_at(self) -> dt.datetime:
        """The first moment after valid_until has ended in Tehran."""
        next_day = self.valid_until + dt.timedelta(days=1)
        return dt.datetime.combine(next_day, dt.time(), tzinfo=TEHRAN).astimezone(dt.UTC)


@dataclass(frozen=True)
class ReceiptVerdict:
    status: ReceiptStatus
    claims: ReceiptClaims | None = None  # for valid and expired only: never from a forgery
    kid: str | None = None  # base64url, as in the published key list
    reason: str = ""  # technical detail in English, for logs and the command line
    message_fa: str = field(default="")

    def __post_init__(self) -> None:
        if not self.message_fa:
            object.__setattr__(self, "message_fa", MESSAGES_FA[self.status])

    @property
    def is_valid(self) -> bool:
        return self.status == ReceiptStatus.VALID


# --- Keys ------------------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def kid_of(public_key: CertificatePublicKeyTypes) -> bytes:
    spki = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).digest()[:KID_BYTES]


def keys_by_kid(
    public_keys: Iterable[ec.EllipticCurvePublicKey],
) -> dict[bytes, ec.EllipticCurvePublicKey]:
    """The mapping `verify_receipt_qr` takes, from public keys (e.g. loaded from PEM)."""
    return {kid_of(key): key for key in public_keys}


def public_key_jwk(public_key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    """The key as a JSON Web Key (RFC 7517), with its receipt kid."""
    numbers = public_key.public_numbers()
    return {
        "kid": b64url(kid_of(public_key)),
        "kty": "EC",
        "crv": "P-256",
        "x": b64url(numbers.x.to_bytes(32, "big")),
        "y": b64url(numbers.y.to_bytes(32, "big")),
        "alg": "ES256",
        "use": "sig",
    }


def keys_from_jwks(document: Mapping[str, Any]) -> dict[bytes, ec.EllipticCurvePublicKey]:
    """Verification keys from the published key list (the JSON of /pki/receipt-keys).

    Each kid is recomputed from its key: a list whose kid does not match its key is refused,
    so a copied or cached list cannot point a receipt at the wrong key.
    """
    keys: dict[bytes, ec.EllipticCurvePublicKey] = {}
    for jwk in document.get("keys", []):
        if (jwk.get("kty"), jwk.get("crv"), jwk.get("alg", "ES256")) != ("EC", "P-256", "ES256"):
            continue
        numbers = ec.EllipticCurvePublicNumbers(
            int.from_bytes(b64url_decode(jwk["x"]), "big"),
            int.from_bytes(b64url_decode(jwk["y"]), "big"),
            _CURVE,
        )
        public_key = numbers.public_key()  # raises ValueError for a point not on the curve
        kid = kid_of(public_key)
        if b64url(kid) != jwk["kid"]:
            raise ValueError(f"kid {jwk['kid']} does not match its key (expected {b64url(kid)})")
        keys[kid] = public_key
    return keys


# --- Signing ---------------------------------------------------------------------------------


def _epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def _payload(claims: ReceiptClaims) -> bytes:
    return cbor2.dumps(
        {
            CWT_ISS: ISSUER,
            CWT_IAT: _epoch(claims.issued_at),
            CWT_EXP: _epoch(claims.expires_at),
            RECEIPT_CLAIM: {
                "v": LAYOUT_VERSION,
                "nc": claims.national_code,
                "fn": claims.first_name,
                "ln": claims.last_name,
                "bd": claims.birth_date.isoformat(),
                "tc": claims.tracking_code,
                "rn": claims.receipt_number,
                "vu": claims.valid_until.isoformat(),
            },
        }
    )


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected, b"", payload])


def sign_receipt_qr(
    claims: ReceiptClaims, private_key: ec.EllipticCurvePrivateKey, *, kid: bytes | None = None
) -> str:
    """The QR text for `claims`, signed with `private_key` (kid computed unless given)."""
    return cose_qr_sign(_payload(claims), private_key, kid=kid, prefix=PREFIX)


def cose_qr_sign(
    payload: bytes,
    private_key: ec.EllipticCurvePrivateKey,
    *,
    kid: bytes | None = None,
    prefix: str,
) -> str:
    """`prefix` + Base45(zlib(COSE_Sign1 over `payload`)): the envelope every signed QR of
    this system uses (the receipt's, the digital card's), each with its own prefix."""
    if kid is None:
        kid = kid_of(private_key.public_key())
    protected = cbor2.dumps({COSE_HEADER_ALG: COSE_ALG_ES256, COSE_HEADER_KID: kid})
    der = private_key.sign(_sig_structure(protected, payload), _ECDSA)
    r, s = decode_dss_signature(der)
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    cose = cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))
    return prefix + base45.b45encode(zlib.compress(cose, 9)).decode("ascii")


# --- Verifying -------------------------------------------------------------------------------


class _Malformed(Exception):
    pass


def _strict_loads(data: bytes) -> Any:
    # Definite lengths, no duplicate keys, shallow: what our signer writes, and nothing an
    # attacker could use to make the decoder work hard.
    try:
        return cbor2.loads(data, max_depth=8, allow_indefinite=False, allow_duplicate_keys=False)
    except (cbor2.CBORError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise _Malformed(f"not CBOR: {exc}") from None


def _cose_bytes(text: str, prefix: str = PREFIX) -> bytes:
    """The COSE bytes inside a QR text that starts with `prefix` (decision letters use the
    same layout under their own prefix, letters.py)."""
    if not isinstance(text, str):
        raise _Malformed("the QR text must be a string")
    if len(text) > MAX_TEXT_CHARS:
        raise _Malformed(f"longer than {MAX_TEXT_CHARS} characters")
    # Strip only around the whole text: inside, a space is a Base45 digit. Line breaks are
    # never Base45 digits, so those inside (a text wrapped for display) are dropped.
    text = text.strip().replace("\r", "").replace("\n", "")
    if text[: len(prefix)].upper() != prefix:
        raise _Malformed(f"does not start with {prefix}")
    try:
        compressed = base45.b45decode(text[len(prefix) :])
    except ValueError:
        raise _Malformed("not Base45") from None
    inflater = zlib.decompressobj()
    try:
        cose = inflater.decompress(compressed, MAX_COSE_BYTES)
    except zlib.error as exc:
        raise _Malformed(f"not zlib: {exc}") from None
    if inflater.unconsumed_tail:
        raise _Malformed(f"inflates past {MAX_COSE_BYTES} bytes")
    if not inflater.eof or inflater.unused_data:
        raise _Malformed("the zlib stream is cut short or followed by extra bytes")
    return cose


def _cose_parts(cose: bytes) -> tuple[bytes, bytes, bytes, bytes]:
    message = _strict_loads(cose)
    if isinstance(message, cbor2.CBORTag):
        if message.tag != COSE_SIGN1_TAG:
            raise _Malformed(f"CBOR tag {message.tag} is not COSE_Sign1 ({COSE_SIGN1_TAG})")
        message = message.value
    # cbor2 gives a tag's content as immutable types (tuple, frozendict).
    if not (isinstance(message, list | tuple) and len(message) == 4):
        raise _Malformed("COSE_Sign1 must be an array of four items")
    protected, unprotected, payload, signature = message
    if not (
        isinstance(protected, bytes)
        and isinstance(unprotected, Mapping)
        and isinstance(payload, bytes)
        and isinstance(signature, bytes)
    ):
        raise _Malformed("COSE_Sign1 items have the wrong types")
    # RFC 9052 §3: an empty protected header is a zero-length bstr, not an encoded {}.
    header = _strict_loads(protected) if protected else {}
    if not isinstance(header, Mapping):
        raise _Malformed("the protected header is not a map")
    if header.get(COSE_HEADER_ALG) != COSE_ALG_ES256:
        raise _Malformed(f"algorithm {header.get(COSE_HEADER_ALG)!r} is not ES256 (-7)")
    kid = header.get(COSE_HEADER_KID)
    if not isinstance(kid, bytes) or not kid:
        raise _Malformed("no kid in the protected header")
    return protected, payload, signature, kid


def _signature_holds(
    public_key: ec.EllipticCurvePublicKey, protected: bytes, payload: bytes, signature: bytes
) -> bool:
    if len(signature) != 64:
        return False
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    try:
        public_key.verify(der, _sig_structure(protected, payload), _ECDSA)
    except InvalidSignature:
        return False
    return True


def _claims(payload: bytes) -> tuple[ReceiptClaims, int]:
    body = _strict_loads(payload)
    try:
        receipt = body[RECEIPT_CLAIM]
        if body[CWT_ISS] != ISSUER or receipt["v"] != LAYOUT_VERSION:
            raise _Malformed(f"issuer {body[CWT_ISS]!r} / layout {receipt['v']!r} not known")
        iat, exp = body[CWT_IAT], body[CWT_EXP]
        if not (type(iat) is int and type(exp) is int):
            raise _Malformed("iat and exp must be integers")
        texts = [receipt[name] for name in ("nc", "fn", "ln", "bd", "tc", "rn", "vu")]
        if not all(isinstance(value, str) for value in texts):
            raise _Malformed("receipt fields must be text")
        claims = ReceiptClaims(
            national_code=receipt["nc"],
            first_name=receipt["fn"],
            last_name=receipt["ln"],
            birth_date=dt.date.fromisoformat(receipt["bd"]),
            tracking_code=receipt["tc"],
            receipt_number=receipt["rn"],
            issued_at=dt.datetime.fromtimestamp(iat, dt.UTC),
            valid_until=dt.date.fromisoformat(receipt["vu"]),
        )
    except (KeyError, TypeError, ValueError, OverflowError, OSError) as exc:
        raise _Malformed(f"the payload is not a receipt: {exc!r}") from None
    return claims, exp


@dataclass(frozen=True)
class OpenedQr:
    """A signed QR text opened with the published keys: its payload (CBOR) only when the
    signature holds, else why not (one of the verdicts' statuses)."""

    status: ReceiptStatus | None  # None: the signature holds and `payload` is ours to read
    payload: bytes | None
    kid: str | None
    reason: str = ""


def cose_qr_open(
    text: str, keys: Mapping[bytes, ec.EllipticCurvePublicKey], *, prefix: str
) -> OpenedQr:
    """Check a signed QR text's envelope and signature (never reading a forged payload)."""
    try:
        protected, payload, signature, kid = _cose_parts(_cose_bytes(text, prefix))
    except _Malformed as exc:
        return OpenedQr(ReceiptStatus.MALFORMED, None, None, str(exc))
    kid_text = b64url(kid)
    public_key = keys.get(kid)
    if public_key is None:
        return OpenedQr(
            ReceiptStatus.UNKNOWN_KEY, None, kid_text, f"kid {kid_text} is not among the keys"
        )
    if not _signature_holds(public_key, protected, payload, signature):
        return OpenedQr(
            ReceiptStatus.TAMPERED, None, kid_text, "the signature does not match the content"
        )
    return OpenedQr(None, payload, kid_text)


def strict_cbor_loads(data: bytes) -> Any:
    """CBOR as our signers write it (definite lengths, no duplicate keys, shallow); ValueError
    for anything else."""
    try:
        return _strict_loads(data)
    except _Malformed as exc:
        raise ValueError(str(exc)) from None


def verify_receipt_qr(
    text: str, keys: Mapping[bytes, ec.EllipticCurvePublicKey], now: dt.datetime | None = None
) -> ReceiptVerdict:
    """Read a receipt's QR text and say whether to trust it, using only the published keys.

    The signature is checked before the payload is read: a forged payload is never parsed,
    and its claims are never returned.
    """
    now = now or dt.datetime.now(dt.UTC)
    try:
        protected, payload, signature, kid = _cose_parts(_cose_bytes(text))
    except _Malformed as exc:
        return ReceiptVerdict(ReceiptStatus.MALFORMED, reason=str(exc))
    kid_text = b64url(kid)
    public_key = keys.get(kid)
    if public_key is None:
        return ReceiptVerdict(
            ReceiptStatus.UNKNOWN_KEY,
            kid=kid_text,
            reason=f"kid {kid_text} is not among the published keys",
        )
    if not _signature_holds(public_key, protected, payload, signature):
        return ReceiptVerdict(
            ReceiptStatus.TAMPERED, kid=kid_text, reason="the signature does not match the content"
        )
    try:
        claims, exp = _claims(payload)
    except _Malformed as exc:
        return ReceiptVerdict(ReceiptStatus.MALFORMED, kid=kid_text, reason=str(exc))
    if _epoch(now) >= exp:
        return ReceiptVerdict(
            ReceiptStatus.EXPIRED,
            claims=claims,
            kid=kid_text,
            reason=f"expired at {dt.datetime.fromtimestamp(exp, dt.UTC)}",
        )
    return ReceiptVerdict(ReceiptStatus.VALID, claims=claims, kid=kid_text)
