"""What the PKI services share: the PKI passphrase over CA keys, the issuers ready to
sign (cached per process), and the key that seals the emulated chips."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from hoviat.pki import keystore, profiles
from hoviat.pki.models import CaKind, CertificateAuthority
from hoviat.pki.receipts import kid_of

_passphrase = keystore.passphrase


def _encrypt_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(_passphrase()),
    ).decode()


def _decrypt_pem(pem: bytes, what: str) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, _passphrase())
    except (ValueError, TypeError):
        raise ImproperlyConfigured(
            f"Cannot decrypt {what}: HOVIAT_PKI_PASSPHRASE is not its passphrase"
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ImproperlyConfigured(f"{what} is not an EC key")
    return key


def _issuing_key_from_file() -> ec.EllipticCurvePrivateKey:
    path = settings.PKI_ISSUING_KEY_FILE
    try:
        pem = Path(path).read_bytes()
    except OSError as exc:
        raise ImproperlyConfigured(f"Cannot read PKI_ISSUING_KEY_FILE {path}: {exc}") from None
    return _decrypt_pem(pem, f"the issuing CA key {path}")


def _base_url() -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/")


# Issuers ready to sign, by (row id, serial): loading one decrypts its key (a slow KDF, by
# design), which must happen once per process, not once per card.
_ISSUERS: dict[tuple[int, str], profiles.Issuer] = {}


def _issuer(ca: CertificateAuthority) -> profiles.Issuer:
    cached = _ISSUERS.get((ca.pk, ca.serial))
    if cached is not None:
        return cached
    certificate = x509.load_pem_x509_certificate(ca.cert_pem.encode())
    key = (
        _decrypt_pem(ca.key_pem.encode(), f"the key of {ca.subject}")
        if ca.key_pem
        else _issuing_key_from_file()
    )
    if key.public_key() != certificate.public_key():
        raise ImproperlyConfigured(f"The key of {ca.subject} does not match its certificate")
    issuer = profiles.Issuer.of(
        certificate, key, base_url=_base_url(), kid=kid_of(certificate.public_key())
    )
    _ISSUERS[(ca.pk, ca.serial)] = issuer
    return issuer


def _current_issuing_row() -> CertificateAuthority | None:
    return (
        CertificateAuthority.objects.filter(kind=CaKind.ISSUING)
        .select_related("parent")
        .order_by("-not_before", "-id")
        .first()
    )


# The issuing CAs as the OCSP responder last read them: [loaded at (monotonic), rows].
_ISSUING_CAS: list[Any] = [0.0, []]


def _ca_caches_clear() -> None:
    """Forget the issuers and the OCSP responder's CAs: a CA was just made or revoked."""
    _ISSUERS.clear()
    _ISSUING_CAS[:] = [0.0, []]


def _chip_secret() -> str:
    return settings.CHIP_STORE_KEY
