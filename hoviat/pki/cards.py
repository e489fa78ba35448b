"""What personalising a card gives back, and the card's signed data object.

The data object is a COSE_Sign1 (the same layout as the receipts, see receipts.py), signed by
the issuing CA's key, over a CBOR map of the identity on the chip:

    {"v": 1, "csn": CSN, "crn": CRN, "nc": national code, "fn": first name, "ln": last name,
     "bd": birth date, "ph": SHA-256 of the photo (hex), "fp": {finger: SHA-256 hex},
     "io": issued on, "eo": expires on, "ac": auth certificate serial (hex),
     "sc": signing certificate serial (hex)}           dates are ISO 8601 YYYY-MM-DD

kid in the protected header = the first 8 bytes of SHA-256 over the issuing CA's
SubjectPublicKeyInfo, so a reader with the CA certificate (GET /pki/issuing.crt) verifies it
offline. Like receipts.py this module imports no Django.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from hoviat.pki import receipts

DATA_OBJECT_VERSION = 1


@dataclass(frozen=True)
class PinMailer:
    """The PINs and PUK in clear, for the sealed PIN mailer: returned once, never stored."""

    id_pin: str
    sign_pin: str
    nmoc_pin: str
    puk: str

    def __repr__(self) -> str:  # keeps PINs out of logs and tracebacks
        return "PinMailer(<sealed>)"


@dataclass(frozen=True)
class CardPersonalisation:
    chip_id: int
    auth_cert_serial: int
    sign_cert_serial: int
    data_object: bytes
    pins: PinMailer = field(repr=False)


@dataclass(frozen=True)
class CertificateState:
    serial: int
    kind: str  # "auth" | "sign"
    status: str  # "good" | "revoked"
    not_before: dt.datetime
    not_after: dt.datetime
    revoked_at: dt.datetime | None
    reason: str


@dataclass(frozen=True)
class CardCertificatesStatus:
    csn: str
    certificates: tuple[CertificateState, ...]

    @property
    def all_revoked(self) -> bool:
        return bool(self.certificates) and all(c.status == "revoked" for c in self.certificates)


def data_object_payload(
    *,
    csn: str,
    crn: str,
    national_code: str,
    first_name: str,
    last_name: str,
    birth_date: dt.date,
    photo_sha256: str,
    fingerprint_sha256: dict[str, str],
    issued_on: dt.date,
    expires_on: dt.date,
    auth_serial: int,
    sign_serial: int,
) -> bytes:
    return cbor2.dumps(
        {
            "v": DATA_OBJECT_VERSION,
            "csn": csn,
            "crn": crn,
            "nc": national_code,
            "fn": first_name,
            "ln": last_name,
            "bd": birth_date.isoformat(),
            "ph": photo_sha256,
            "fp": dict(sorted(fingerprint_sha256.items())),
            "io": issued_on.isoformat(),
            "eo": expires_on.isoformat(),
            "ac": format(auth_serial, "x"),
            "sc": format(sign_serial, "x"),
        }
    )


def cose_sign1(payload: bytes, private_key: ec.EllipticCurvePrivateKey, *, kid: bytes) -> bytes:
    """A tagged COSE_Sign1 (ES256) over `payload`."""
    protected = cbor2.dumps(
        {receipts.COSE_HEADER_ALG: receipts.COSE_ALG_ES256, receipts.COSE_HEADER_KID: kid}
    )
    der = private_key.sign(receipts._sig_structure(protected, payload), receipts._ECDSA)
    r, s = decode_dss_signature(der)
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return cbor2.dumps(cbor2.CBORTag(receipts.COSE_SIGN1_TAG, [protected, {}, payload, signature]))


def data_object_verify(cose: bytes, public_key: ec.EllipticCurvePublicKey) -> dict[str, Any]:
    """The identity map of a card data object; ValueError if it is not signed by the key."""
    try:
        protected, payload, signature, kid = receipts._cose_parts(cose)
    except receipts._Malformed as exc:
        raise ValueError(f"malformed data object: {exc}") from None
    if kid != receipts.kid_of(public_key):
        raise ValueError("data object was signed by another key")
    if not receipts._signature_holds(public_key, protected, payload, signature):
        raise ValueError("data object signature does not match its content")
    return cbor2.loads(payload)
