"""Signed decision letters of citizenship cases: the QR code's payload, signed and verified
without a server, exactly as enrolment receipts are (receipts.py).

Like receipts.py this module imports no Django: a bank, a school or a court can copy it (with
receipts.py) and verify a letter offline against the keys published at `GET /pki/receipt-keys`
(the same receipt-signing keys sign both).

QR text
    "HVD1:" + Base45(zlib(COSE_Sign1)), the COSE_Sign1 and its ES256 signature exactly as a
    receipt's (receipts.py), under its own prefix so a letter is never read as a receipt.

PAYLOAD: a CWT claims set (RFC 8392) with one private claim
    1      iss   "IR-NOCR"
    6      iat   when the letter was issued, epoch seconds (UTC)
    (no exp: a decision does not expire; a later letter of the same case supersedes it, which
    the registry answers, not the QR)
    "dcl"  the letter, a map with text keys:
        "v"   1 (this layout)
        "ln"  letter number          "cn"  case number      "tid" temporary identifier
        "fn"  first name             "sn"  last name (Persian, normalised)
        "o"   outcome: approved | refused | more_evidence | refusal_upheld
        "dd"  decided on, ISO 8601 YYYY-MM-DD (Gregorian, Tehran)
        "ac"  the last day to appeal, ISO 8601, or "" when the decision is not appealable
        "rh"  the first 16 hex digits of SHA-256 over the reasons' text (UTF-8) as printed:
              the registry's copy of the reasons can be checked against the letter
        "nc"  the national codes issued on the decision (applicant first), a list of text

Verdicts: valid; tampered; unknown_key; malformed (as for receipts, without expired).
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import base45
import cbor2
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from hoviat.pki.receipts import (
    _ECDSA,
    COSE_ALG_ES256,
    COSE_HEADER_ALG,
    COSE_HEADER_KID,
    COSE_SIGN1_TAG,
    CWT_IAT,
    CWT_ISS,
    ISSUER,
    _cose_bytes,
    _cose_parts,
    _Malformed,
    _sig_structure,
    _signature_holds,
    _strict_loads,
    b64url,
    kid_of,
)

LETTER_PREFIX = "HVD1:"
LETTER_CLAIM = "dcl"
LETTER_LAYOUT_VERSION = 1
OUTCOMES = frozenset({"approved", "refused", "more_evidence", "refusal_upheld"})


class LetterStatus(enum.StrEnum):
    VALID = "valid"
    TAMPERED = "tampered"
    UNKNOWN_KEY = "unknown_key"
    MALFORMED = "malformed"


LETTER_MESSAGES_FA = {
    LetterStatus.VALID: "نامهٔ تصمیم معتبر است: امضای سازمان ثبت احوال کشور را دارد.",
    LetterStatus.TAMPERED: "این نامه دست‌کاری شده است: امضای آن با محتوایش نمی‌خواند. به آن "
    "اعتماد نکنید.",
    LetterStatus.UNKNOWN_KEY: "این نامه با کلیدی امضا شده که در فهرست کلیدهای منتشرشدهٔ سازمان "
    "ثبت احوال نیست. به آن اعتماد نکنید.",
    LetterStatus.MALFORMED: "متن کد QR نامه خوانا نیست: باید با HVD1: آغاز شود و کامل و بدون "
    "تغییر از روی نامه خوانده شده باشد.",
}


def reasons_digest(reasons: str) -> str:
    """What the letter's "rh" holds for these reasons."""
    return hashlib.sha256(reasons.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class LetterClaims:
    """What a decision letter vouches for (issued_at to the second, in UTC)."""

    letter_number: str
    case_number: str
    temporary_id: str
    first_name: str
    last_name: str
    outcome: str
    decided_on: dt.date
    appeal_closes_on: dt.date | None
    reasons_digest: str
    national_codes: tuple[str, ...]
    issued_at: dt.datetime

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome {self.outcome!r} is not one of {sorted(OUTCOMES)}")
        if self.issued_at.tzinfo is None or self.issued_at.utcoffset() is None:
            raise ValueError("issued_at must be an aware datetime")
        object.__setattr__(
            self, "issued_at", self.issued_at.astimezone(dt.UTC).replace(microsecond=0)
        )
        object.__setattr__(self, "national_codes", tuple(self.national_codes))


@dataclass(frozen=True)
class LetterVerdict:
    status: LetterStatus
    claims: LetterClaims | None = None  # for valid only: never from a forgery
    kid: str | None = None
    reason: str = ""  # technical detail in English
    message_fa: str = field(default="")

    def __post_init__(self) -> None:
        if not self.message_fa:
            object.__setattr__(self, "message_fa", LETTER_MESSAGES_FA[self.status])

    @property
    def is_valid(self) -> bool:
        return self.status == LetterStatus.VALID


def _payload(claims: LetterClaims) -> bytes:
    return cbor2.dumps(
        {
            CWT_ISS: ISSUER,
            CWT_IAT: int(claims.issued_at.timestamp()),
            LETTER_CLAIM: {
                "v": LETTER_LAYOUT_VERSION,
                "ln": claims.letter_number,
                "cn": claims.case_number,
                "tid": claims.temporary_id,
                "fn": claims.first_name,
                "sn": claims.last_name,
                "o": claims.outcome,
                "dd": claims.decided_on.isoformat(),
                "ac": claims.appeal_closes_on.isoformat() if claims.appeal_closes_on else "",
                "rh": claims.reasons_digest,
                "nc": list(claims.national_codes),
            },
        }
    )


def sign_letter_qr(
    claims: LetterClaims, private_key: ec.EllipticCurvePrivateKey, *, kid: bytes | None = None
) -> str:
    """The QR text for a decision letter, signed with `private_key`."""
    if kid is None:
        kid = kid_of(private_key.public_key())
    protected = cbor2.dumps({COSE_HEADER_ALG: COSE_ALG_ES256, COSE_HEADER_KID: kid})
    payload = _payload(claims)
    r, s = decode_dss_signature(private_key.sign(_sig_structure(protected, payload), _ECDSA))
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    cose = cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))
    return LETTER_PREFIX + base45.b45encode(zlib.compress(cose, 9)).decode("ascii")


def _claims(payload: bytes) -> LetterClaims:
    body = _strict_loads(payload)
    try:
        letter = body[LETTER_CLAIM]
        if body[CWT_ISS] != ISSUER or letter["v"] != LETTER_LAYOUT_VERSION:
            raise _Malformed(f"issuer {body[CWT_ISS]!r} / layout {letter['v']!r} not known")
        iat = body[CWT_IAT]
        texts = [letter[k] for k in ("ln", "cn", "tid", "fn", "sn", "o", "dd", "ac", "rh")]
        if type(iat) is not int or not all(isinstance(value, str) for value in texts):
            raise _Malformed("letter fields have the wrong types")
        codes = letter["nc"]
        if not (isinstance(codes, list | tuple) and all(isinstance(c, str) for c in codes)):
            raise _Malformed("national codes must be a list of text")
        return LetterClaims(
            letter_number=letter["ln"],
            case_number=letter["cn"],
            temporary_id=letter["tid"],
            first_name=letter["fn"],
            last_name=letter["sn"],
            outcome=letter["o"],
            decided_on=dt.date.fromisoformat(letter["dd"]),
            appeal_closes_on=dt.date.fromisoformat(letter["ac"]) if letter["ac"] else None,
            reasons_digest=letter["rh"],
            national_codes=tuple(codes),
            issued_at=dt.datetime.fromtimestamp(iat, dt.UTC),
        )
    except (KeyError, TypeError, ValueError, OverflowError, OSError) as exc:
        raise _Malformed(f"the payload is not a decision letter: {exc!r}") from None


def verify_letter_qr(text: str, keys: Mapping[bytes, ec.EllipticCurvePublicKey]) -> LetterVerdict:
    """Read a decision letter's QR text and say whether to trust it, using only the published
    keys. The signature is checked before the payload is read."""
    try:
        protected, payload, signature, kid = _cose_parts(_cose_bytes(text, LETTER_PREFIX))
    except _Malformed as exc:
        return LetterVerdict(LetterStatus.MALFORMED, reason=str(exc))
    kid_text = b64url(kid)
    public_key = keys.get(kid)
    if public_key is None:
        return LetterVerdict(
            LetterStatus.UNKNOWN_KEY, kid=kid_text, reason=f"kid {kid_text} is not published"
        )
    if not _signature_holds(public_key, protected, payload, signature):
        return LetterVerdict(
            LetterStatus.TAMPERED, kid=kid_text, reason="the signature does not match the content"
        )
    try:
        claims = _claims(payload)
    except _Malformed as exc:
        return LetterVerdict(LetterStatus.MALFORMED, kid=kid_text, reason=str(exc))
    return LetterVerdict(LetterStatus.VALID, claims=claims, kid=kid_text)


def letter_claims_from(values: Mapping[str, Any]) -> LetterClaims:
    """LetterClaims from the plain mapping citizenship's decision_letter_sign hook passes."""
    return LetterClaims(**values)
