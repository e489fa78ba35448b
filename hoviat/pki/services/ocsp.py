"""The OCSP responder (RFC 6960): answers for the card certificates of every issuing CA,
signed by that CA itself."""

from __future__ import annotations

import datetime as dt
import time

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from django.conf import settings
from django.utils import timezone

from hoviat.pki import profiles
from hoviat.pki.models import CaKind, CertificateAuthority, CertStatus, IssuedCertificate
from hoviat.pki.services._shared import _ISSUING_CAS, _issuer

__all__ = [
    "OCSP_CA_CACHE_SECONDS",
    "ocsp_respond",
]


_OCSP_HASHES = {
    "sha1": hashes.SHA1,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(
        serialization.Encoding.DER
    )


_ISSUER_HASHES: dict[tuple[int, str, str], tuple[bytes, bytes]] = {}


def _issuer_hashes(
    ca: CertificateAuthority, algorithm: hashes.HashAlgorithm
) -> tuple[bytes, bytes]:
    cache_key = (ca.pk, ca.serial, algorithm.name)
    if cache_key not in _ISSUER_HASHES:
        _ISSUER_HASHES[cache_key] = _hash_issuer(_issuer(ca), algorithm)
    return _ISSUER_HASHES[cache_key]


def _hash_issuer(issuer: profiles.Issuer, algorithm: hashes.HashAlgorithm) -> tuple[bytes, bytes]:
    name = hashes.Hash(algorithm)
    name.update(issuer.certificate.subject.public_bytes())
    key = hashes.Hash(type(algorithm)())
    key.update(
        issuer.certificate.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )
    return name.finalize(), key.finalize()


# The issuing CAs, re-read at most every OCSP_CA_CACHE_SECONDS: the responder then costs one
# query per request. A new issuing CA is answered for within that delay (and at once in the
# process that made it, as creating one clears the cache).
OCSP_CA_CACHE_SECONDS = 30.0


def _issuing_cas() -> list[CertificateAuthority]:
    loaded_at, cas = _ISSUING_CAS
    now = time.monotonic()
    if not cas or now - loaded_at > OCSP_CA_CACHE_SECONDS:
        cas = list(
            CertificateAuthority.objects.filter(kind=CaKind.ISSUING).order_by("-not_before", "-id")
        )
        _ISSUING_CAS[:] = [now, cas]
    return cas


def ocsp_respond(*, request_der: bytes) -> bytes:
    """A DER OCSP response (RFC 6960) to a DER request, signed by the issuing CA itself."""
    try:
        request = ocsp.load_der_ocsp_request(request_der)
        algorithm = request.hash_algorithm
    except (ValueError, UnsupportedAlgorithm):
        return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    if algorithm.name not in _OCSP_HASHES:
        return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    ca = next(
        (
            candidate
            for candidate in _issuing_cas()
            if _issuer_hashes(candidate, algorithm)
            == (request.issuer_name_hash, request.issuer_key_hash)
        ),
        None,
    )
    if ca is None:
        return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
    issuer = _issuer(ca)
    row = (
        IssuedCertificate.objects.filter(serial=format(request.serial_number, "x"), issuer_id=ca.pk)
        .values_list("status", "revoked_at", "reason_code")
        .first()
    )
    revocation_time, revocation_reason = None, None
    if row is None:
        status = ocsp.OCSPCertStatus.UNKNOWN
    elif row[0] == CertStatus.REVOKED:
        status = ocsp.OCSPCertStatus.REVOKED
        revocation_time = row[1]
        if row[2] and row[2] != x509.ReasonFlags.unspecified.value:
            revocation_reason = x509.ReasonFlags(row[2])
    else:
        status = ocsp.OCSPCertStatus.GOOD
    now = timezone.now().replace(microsecond=0)
    minutes = settings.PKI_OCSP_VALIDITY_MINUTES
    builder = (
        ocsp.OCSPResponseBuilder()
        .add_response_by_hash(
            issuer_name_hash=request.issuer_name_hash,
            issuer_key_hash=request.issuer_key_hash,
            serial_number=request.serial_number,
            algorithm=algorithm,
            cert_status=status,
            this_update=now,
            next_update=now + dt.timedelta(minutes=minutes),
            revocation_time=revocation_time,
            revocation_reason=revocation_reason,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, issuer.certificate)
    )
    try:
        nonce = request.extensions.get_extension_for_class(x509.OCSPNonce).value
    except x509.ExtensionNotFound:
        pass
    else:
        builder = builder.add_extension(nonce, critical=False)
    return builder.sign(issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
