"""Card authentication: is this certificate one of ours, for authentication, good, and does
its key sign the challenge? Revocation is read from the PKI's own certificate status (the
rows the OCSP responder and the CRL are made from), never fetched over the network.

The chip signs the 32 raw challenge bytes with ECDSA P-256 / SHA-256 (what
hoviat.pki.services.chip_sign_challenge does); the signature is sent base64, DER-encoded
(the chip's form) or as r||s (64 bytes, the JOSE form).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID

from hoviat.inquiry.conf import conf
from hoviat.inquiry.errors import InquiryProblem
from hoviat.pki.models import CaKind, CertificateAuthority, CertKind, CertStatus, IssuedCertificate

CA_CACHE_SECONDS = 30.0


@dataclass(frozen=True)
class TrustedIssuer:
    ca_id: int
    certificate: x509.Certificate
    chain_ok: bool  # signed by a root we hold, which signs itself
    not_before: dt.datetime
    not_after: dt.datetime
    revoked: bool  # this CA or its root


_ISSUERS: list[Any] = [0.0, []]


def _signed_by(child: x509.Certificate, parent: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(parent)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _load_issuers() -> list[TrustedIssuer]:
    issuers = []
    for ca in CertificateAuthority.objects.filter(kind=CaKind.ISSUING).select_related("parent"):
        certificate = x509.load_pem_x509_certificate(ca.cert_pem.encode())
        root = ca.parent
        chain_ok = False
        if root is not None and root.kind == CaKind.ROOT:
            root_certificate = x509.load_pem_x509_certificate(root.cert_pem.encode())
            chain_ok = _signed_by(certificate, root_certificate) and _signed_by(
                root_certificate, root_certificate
            )
        issuers.append(
            TrustedIssuer(
                ca_id=ca.pk,
                certificate=certificate,
                chain_ok=chain_ok,
                not_before=max(ca.not_before, root.not_before) if root else ca.not_before,
                not_after=min(ca.not_after, root.not_after) if root else ca.not_after,
                revoked=ca.revoked_at is not None
                or (root is not None and root.revoked_at is not None),
            )
        )
    return issuers


def trusted_issuers() -> list[TrustedIssuer]:
    """The issuing CAs under our root, re-read at most every CA_CACHE_SECONDS."""
    loaded_at, issuers = _ISSUERS
    now = time.monotonic()
    if not issuers or now - loaded_at > CA_CACHE_SECONDS:
        issuers = _load_issuers()
        _ISSUERS[:] = [now, issuers]
    return issuers


def forget_issuers() -> None:
    _ISSUERS[:] = [0.0, []]


def parse_certificate(pem: str) -> x509.Certificate:
    if not isinstance(pem, str) or len(pem) > conf("INQUIRY_CERT_MAX_BYTES"):
        raise InquiryProblem("CERT_MALFORMED")
    try:
        certificate = x509.load_pem_x509_certificate(pem.strip().encode())
        # cryptography parses lazily: read every part used later now, so a damaged one is
        # CERT_MALFORMED here rather than an error half-way through the checks.
        _ = (
            certificate.issuer,
            certificate.subject,
            certificate.serial_number,
            certificate.not_valid_before_utc,
            certificate.not_valid_after_utc,
            certificate.extensions,
        )
    except (ValueError, TypeError, UnsupportedAlgorithm, x509.DuplicateExtension):
        raise InquiryProblem("CERT_MALFORMED") from None
    return certificate


def parse_signature(text: str) -> bytes:
    """A DER ECDSA signature from base64 (standard or URL-safe) of DER or r||s."""
    raw_text = (text or "").strip()
    if not raw_text or len(raw_text) > 200:
        raise InquiryProblem("SIGNATURE_MALFORMED")
    try:
        padded = raw_text + "=" * (-len(raw_text) % 4)
        raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise InquiryProblem("SIGNATURE_MALFORMED") from None
    if len(raw) == 64:
        return encode_dss_signature(
            int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
        )
    if len(raw) < 8 or raw[0] != 0x30:
        raise InquiryProblem("SIGNATURE_MALFORMED")
    return raw


@dataclass(frozen=True)
class CertificateCheck:
    reason_code: str  # "OK" when the certificate may authenticate
    csn: str = ""


def _is_auth_certificate(certificate: x509.Certificate) -> bool:
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
        eku = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        basic = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
        public_key = certificate.public_key()
    except (x509.ExtensionNotFound, ValueError, UnsupportedAlgorithm):
        return False
    return (
        usage.digital_signature
        and not basic.ca
        and ExtendedKeyUsageOID.CLIENT_AUTH in list(eku)
        and isinstance(public_key, ec.EllipticCurvePublicKey)
    )


def certificate_check(
    certificate: x509.Certificate, *, challenge: bytes, signature_der: bytes, now: dt.datetime
) -> CertificateCheck:
    """Chain, validity, usage, the challenge signature, then the PKI's revocation status.

    The signature comes before the status: whoever holds only a (public) certificate learns
    nothing about the card behind it.
    """
    issuer = next(
        (
            candidate
            for candidate in trusted_issuers()
            if candidate.certificate.subject == certificate.issuer
            and _signed_by(certificate, candidate.certificate)
        ),
        None,
    )
    if (
        issuer is None
        or not issuer.chain_ok
        or issuer.revoked
        or not (issuer.not_before <= now <= issuer.not_after)
    ):
        return CertificateCheck("CERT_UNTRUSTED")
    if not (certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc):
        return CertificateCheck("CERT_EXPIRED")
    if not _is_auth_certificate(certificate):
        return CertificateCheck("CERT_NOT_FOR_AUTH")
    try:
        certificate.public_key().verify(signature_der, challenge, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return CertificateCheck("SIGNATURE_INVALID")
    row = (
        IssuedCertificate.objects.filter(
            serial=format(certificate.serial_number, "x"), issuer_id=issuer.ca_id
        )
        .values_list("status", "kind", "csn")
        .first()
    )
    if row is None:
        # Signed with our CA's key yet never recorded: not a certificate we stand behind.
        return CertificateCheck("CERT_UNTRUSTED")
    status, kind, csn = row
    if kind != CertKind.AUTH:
        return CertificateCheck("CERT_NOT_FOR_AUTH")
    if status == CertStatus.REVOKED:
        return CertificateCheck("CERT_REVOKED", csn)
    return CertificateCheck("OK", csn)
