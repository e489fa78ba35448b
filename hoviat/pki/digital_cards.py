"""The digital national card: its QR payload, signed and verified without a server.

Like `receipts.py` (same envelope, same keys, published at `GET /pki/receipt-keys`), this
module imports no Django, so a verifier can copy it. What differs is the prefix and payload:

QR text
    "HVC1:" + Base45(zlib(COSE_Sign1)), the COSE_Sign1 exactly as a receipt's.

PAYLOAD: a CWT claims set (RFC 8392) with one private claim
    1      iss   "IR-NOCR"
    6      iat   when this copy was signed, epoch seconds (UTC)
    4      exp   the first second after the card's expiry day ends in Tehran time
    "card" a map with text keys:
        "v"   1 (this layout)
        "nc"  national code, 10 ASCII digits
        "fn"  first name   "ln"  last name   "fa"  father's name (Persian, normalised)
        "bd"  birth date, ISO 8601 (Gregorian)
        "csn" the card's serial number   "crn" its registration number
        "io"  issued on   "eo"  expires on (ISO 8601, Gregorian)

Offline, a verifier learns that the system issued this card with these details and that it
has not reached its expiry date. Whether it has since been suspended or revoked is only known
online: /pki/verify/ asks the card's current status.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import cbor2
from cryptography.hazmat.primitives.asymmetric import ec

from hoviat.pki.receipts import (
    CWT_EXP,
    CWT_IAT,
    CWT_ISS,
    ISSUER,
    TEHRAN,
    ReceiptStatus,
    cose_qr_open,
    cose_qr_sign,
    strict_cbor_loads,
)

PREFIX = "HVC1:"
CARD_CLAIM = "card"
LAYOUT_VERSION = 1

# The same five verdicts as a receipt's (valid, expired, tampered, unknown_key, malformed).
CardQrStatus = ReceiptStatus

MESSAGES_FA = {
    CardQrStatus.VALID: "کارت ملی دیجیتال معتبر است: امضای سازمان ثبت احوال کشور را دارد و "
    "تاریخ انقضای کارت نرسیده است.",
    CardQrStatus.EXPIRED: "امضای کارت درست است، اما تاریخ انقضای کارت گذشته است و دیگر معتبر نیست.",
    CardQrStatus.TAMPERED: "این کارت دست‌کاری شده است: امضای آن با محتوایش نمی‌خواند. به آن "
    "اعتماد نکنید.",
    CardQrStatus.UNKNOWN_KEY: "این کارت با کلیدی امضا شده که در فهرست کلیدهای منتشرشدهٔ سازمان "
    "نیست. به آن اعتماد نکنید.",
    CardQrStatus.MALFORMED: "متن کد QR کارت خوانا نیست: باید با HVC1: آغاز شود و کامل و بدون "
    "تغییر خوانده شده باشد.",
}


@dataclass(frozen=True)
class CardClaims:
    """What a digital card vouches for."""

    national_code: str
    first_name: str
    last_name: str
    father_name: str
    birth_date: dt.date
    card_serial: str
    card_number: str
    issued_on: dt.date
    expires_on: dt.date
    signed_at: dt.datetime

    def __post_init__(self) -> None:
        if self.signed_at.tzinfo is None or self.signed_at.utcoffset() is None:
            raise ValueError("signed_at must be an aware datetime")
        object.__setattr__(
            self, "signed_at", self.signed_at.astimezone(dt.UTC).replace(microsecond=0)
        )

    @property
    def expires_at(self) -> dt.datetime:
        """The first moment after expires_on has ended in Tehran."""
        next_day = self.expires_on + dt.timedelta(days=1)
        return dt.datetime.combine(next_day, dt.time(), tzinfo=TEHRAN).astimezone(dt.UTC)


@dataclass(frozen=True)
class CardVerdict:
    status: CardQrStatus
    claims: CardClaims | None = None  # valid and expired only: never from a forgery
    kid: str | None = None
    reason: str = ""
    message_fa: str = field(default="")

    def __post_init__(self) -> None:
        if not self.message_fa:
            object.__setattr__(self, "message_fa", MESSAGES_FA[self.status])

    @property
    def is_valid(self) -> bool:
        return self.status == CardQrStatus.VALID


def is_card_qr(text: str) -> bool:
    """Whether a QR text is meant to be a digital card (by its prefix, any case)."""
    return isinstance(text, str) and text.strip()[: len(PREFIX)].upper() == PREFIX


def _payload(claims: CardClaims) -> bytes:
    return cbor2.dumps(
        {
            CWT_ISS: ISSUER,
            CWT_IAT: int(claims.signed_at.timestamp()),
            CWT_EXP: int(claims.expires_at.timestamp()),
            CARD_CLAIM: {
                "v": LAYOUT_VERSION,
                "nc": claims.national_code,
                "fn": claims.first_name,
                "ln": claims.last_name,
                "fa": claims.father_name,
                "bd": claims.birth_date.isoformat(),
                "csn": claims.card_serial,
                "crn": claims.card_number,
                "io": claims.issued_on.isoformat(),
                "eo": claims.expires_on.isoformat(),
            },
        }
    )


def sign_card_qr(
    claims: CardClaims, private_key: ec.EllipticCurvePrivateKey, *, kid: bytes | None = None
) -> str:
    """The QR text (HVC1:…) of a digital card, signed with `private_key`."""
    return cose_qr_sign(_payload(claims), private_key, kid=kid, prefix=PREFIX)


_TEXT_FIELDS = ("nc", "fn", "ln", "fa", "bd", "csn", "crn", "io", "eo")


def _claims(payload: bytes) -> tuple[CardClaims, int]:
    body = strict_cbor_loads(payload)
    card = body[CARD_CLAIM]
    if body[CWT_ISS] != ISSUER or card["v"] != LAYOUT_VERSION:
        raise ValueError("issuer or layout not known")
    iat, exp = body[CWT_IAT], body[CWT_EXP]
    if not (type(iat) is int and type(exp) is int):
        raise ValueError("iat and exp must be integers")
    if not all(isinstance(card[name], str) for name in _TEXT_FIELDS):
        raise ValueError("card fields must be text")
    claims = CardClaims(
        national_code=card["nc"],
        first_name=card["fn"],
        last_name=card["ln"],
        father_name=card["fa"],
        birth_date=dt.date.fromisoformat(card["bd"]),
        card_serial=card["csn"],
        card_number=card["crn"],
        issued_on=dt.date.fromisoformat(card["io"]),
        expires_on=dt.date.fromisoformat(card["eo"]),
        signed_at=dt.datetime.fromtimestamp(iat, dt.UTC),
    )
    return claims, exp


def verify_card_qr(
    text: str, keys: Mapping[bytes, ec.EllipticCurvePublicKey], now: dt.datetime | None = None
) -> CardVerdict:
    """Read a digital card's QR text and say whether to trust it, with the published keys
    only (offline: a suspension or revocation after signing is not visible here)."""
    now = now or dt.datetime.now(dt.UTC)
    opened = cose_qr_open(text, keys, prefix=PREFIX)
    if opened.status is not None or opened.payload is None:
        return CardVerdict(
            opened.status or CardQrStatus.MALFORMED, kid=opened.kid, reason=opened.reason
        )
    try:
        claims, exp = _claims(opened.payload)
    except (KeyError, TypeError, ValueError, OverflowError, OSError) as exc:
        return CardVerdict(CardQrStatus.MALFORMED, kid=opened.kid, reason=f"not a card: {exc!r}")
    if int(now.timestamp()) >= exp:
        return CardVerdict(CardQrStatus.EXPIRED, claims=claims, kid=opened.kid, reason="expired")
    return CardVerdict(CardQrStatus.VALID, claims=claims, kid=opened.kid)
