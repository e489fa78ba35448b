"""The certificate authorities: the national root and the card-issuing CA, made here
(development) or recorded from files (production), revoked, and checked before a
card is issued under them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from hoviat.core.audit import audit_record
from hoviat.core.errors import Conflict, DomainError, NotFound
from hoviat.core.jalali import format_jalali
from hoviat.pki import profiles
from hoviat.pki.models import CaKind, CertificateAuthority
from hoviat.pki.services._shared import (
    _base_url,
    _ca_caches_clear,
    _current_issuing_row,
    _decrypt_pem,
    _encrypt_pem,
    _issuer,
    _issuing_key_from_file,
)

__all__ = [
    "CaExpired",
    "CaMissing",
    "CaRevoked",
    "CaValidityExceeded",
    "ca_import_files",
    "ca_init",
    "ca_issuing_create",
    "ca_revoke",
    "ca_root_create",
]


class CaMissing(DomainError):
    code = "CA_MISSING"
    status = 503
    title = "No certificate authority"
    default_detail = (
        "مرجع صدور گواهی کارت آماده نیست. مدیر سامانه باید فرمان «hoviat pki init» را اجرا کند."
    )


class CaExpired(DomainError):
    code = "CA_EXPIRED"
    status = 503
    title = "Certificate authority expired"
    default_detail = "اعتبار مرجع صدور گواهی به پایان رسیده است؛ صدور گواهی ممکن نیست."


class CaRevoked(DomainError):
    code = "CA_REVOKED"
    status = 503
    title = "Certificate authority revoked"
    default_detail = "مرجع صدور گواهی باطل شده است؛ صدور گواهی ممکن نیست."


class CaValidityExceeded(DomainError):
    code = "CA_VALIDITY_EXCEEDED"
    status = 422
    title = "Card would outlive its CA"
    default_detail = (
        "تاریخ انقضای کارت از پایان اعتبار مرجع صدور گواهی فراتر می‌رود. "
        "مرجع صادرکننده تازه‌ای لازم است."
    )


def _years(years: int) -> dt.timedelta:
    return dt.timedelta(days=365 * years + 5)


def _ca_row(
    kind: str,
    certificate: x509.Certificate,
    *,
    key_pem: str = "",
    parent: CertificateAuthority | None = None,
    actor: Any,
) -> CertificateAuthority:
    ski = certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    with transaction.atomic():
        ca = CertificateAuthority.objects.create(
            kind=kind,
            parent=parent,
            subject=certificate.subject.rfc4514_string(),
            serial=format(certificate.serial_number, "x"),
            ski=ski.digest.hex(),
            cert_pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
            key_pem=key_pem,
            not_before=certificate.not_valid_before_utc,
            not_after=certificate.not_valid_after_utc,
        )
        audit_record(
            actor=actor,
            action=f"pki.ca_{kind}_created",
            obj=ca,
            to_state="active",
            data={
                "subject": ca.subject,
                "serial": ca.serial,
                "not_after": ca.not_after.isoformat(),
                "key": "file" if not key_pem else "database",
            },
        )
    _ca_caches_clear()
    return ca


def _ca_start(now: dt.datetime) -> dt.datetime:
    # From the start of yesterday (UTC): a card issued today (valid from 00:00) lies within
    # its CA's validity, and clocks a little behind still accept the CA.
    return profiles.day_start(now.date()) - dt.timedelta(days=1)


def ca_root_create(
    *,
    actor: Any = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> CertificateAuthority:
    """Generate a national root CA (self-signed, P-256) and store it, key encrypted."""
    now = timezone.now()
    not_before = not_before or _ca_start(now)
    not_after = not_after or not_before + _years(settings.PKI_ROOT_VALIDITY_YEARS)
    generation = CertificateAuthority.objects.filter(kind=CaKind.ROOT).count() + 1
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = profiles.root_certificate(
        key, not_before=not_before, not_after=not_after, generation=generation
    )
    return _ca_row(CaKind.ROOT, certificate, key_pem=_encrypt_pem(key), actor=actor)


def ca_issuing_create(
    *,
    actor: Any = None,
    root: CertificateAuthority | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> CertificateAuthority:
    """Generate a card-issuing CA signed by the root (the newest, unless given)."""
    root = (
        root
        or CertificateAuthority.objects.filter(kind=CaKind.ROOT)
        .order_by("-not_before", "-id")
        .first()
    )
    if root is None:
        raise CaMissing("ریشه ملی وجود ندارد.")
    _ca_usable(root)
    if not root.key_pem:
        raise ImproperlyConfigured("The root CA key is offline: sign issuing CAs there")
    now = timezone.now()
    not_before = not_before or _ca_start(now)
    not_after = min(
        not_after or not_before + _years(settings.PKI_ISSUING_VALIDITY_YEARS), root.not_after
    )
    generation = CertificateAuthority.objects.filter(kind=CaKind.ISSUING).count() + 1
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = profiles.issuing_certificate(
        key.public_key(),
        root=x509.load_pem_x509_certificate(root.cert_pem.encode()),
        root_key=_decrypt_pem(root.key_pem.encode(), "the root CA key"),
        not_before=not_before,
        not_after=not_after,
        base_url=_base_url(),
        generation=generation,
    )
    return _ca_row(CaKind.ISSUING, certificate, key_pem=_encrypt_pem(key), parent=root, actor=actor)


def _read_pem_certificate(path: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        raise ImproperlyConfigured(f"Cannot read the certificate {path}: {exc}") from None


def ca_import_files(*, actor: Any = None) -> list[CertificateAuthority]:
    """Record the production CA certificates named in the settings (keys stay in files)."""
    root_cert = _read_pem_certificate(settings.PKI_ROOT_CERT_FILE)
    issuing_cert = _read_pem_certificate(settings.PKI_ISSUING_CERT_FILE)
    key = _issuing_key_from_file()
    if key.public_key() != issuing_cert.public_key():
        raise ImproperlyConfigured("PKI_ISSUING_KEY_FILE does not hold the issuing CA's key")
    try:
        issuing_cert.verify_directly_issued_by(root_cert)
    except (ValueError, TypeError, InvalidSignature):
        raise ImproperlyConfigured("The issuing CA certificate is not signed by the root") from None
    created = []
    rows: dict[str, CertificateAuthority] = {}
    for kind, cert in ((CaKind.ROOT, root_cert), (CaKind.ISSUING, issuing_cert)):
        serial = format(cert.serial_number, "x")
        row = CertificateAuthority.objects.filter(kind=kind, serial=serial).first()
        if row is None:
            row = _ca_row(kind, cert, parent=rows.get(CaKind.ROOT), actor=actor)
            created.append(row)
        rows[kind] = row
    return created


def _files_configured() -> bool:
    return bool(settings.PKI_ISSUING_CERT_FILE)


def ca_init(*, actor: Any = None) -> list[CertificateAuthority]:
    """The root and issuing CA, made (development) or imported from files (production) if
    missing; returns those just created."""
    if _files_configured():
        return ca_import_files(actor=actor)
    created = []
    now = timezone.now()
    root = (
        CertificateAuthority.objects.filter(
            kind=CaKind.ROOT, revoked_at__isnull=True, not_after__gt=now
        )
        .order_by("-not_before", "-id")
        .first()
    )
    if root is None:
        root = ca_root_create(actor=actor)
        created.append(root)
    if not CertificateAuthority.objects.filter(
        kind=CaKind.ISSUING, parent=root, revoked_at__isnull=True, not_after__gt=now
    ).exists():
        created.append(ca_issuing_create(actor=actor, root=root))
    return created


def ca_revoke(*, ca_id: int, reason: str, actor: Any = None) -> CertificateAuthority:
    """Mark a CA revoked: nothing is issued under it from then on."""
    with transaction.atomic():
        ca = CertificateAuthority.objects.select_for_update().filter(pk=ca_id).first()
        if ca is None:
            raise NotFound(f"مرجع {ca_id} یافت نشد.", code="CA_NOT_FOUND")
        if ca.revoked_at is not None:
            raise Conflict("این مرجع پیش‌تر باطل شده است.", code="CA_REVOKED")
        ca.revoked_at, ca.revoked_reason = timezone.now(), reason[:200]
        ca.save(update_fields=["revoked_at", "revoked_reason"])
        audit_record(
            actor=actor,
            action=f"pki.ca_{ca.kind}_revoked",
            obj=ca,
            from_state="active",
            to_state="revoked",
            reason=reason,
            data={"subject": ca.subject, "serial": ca.serial},
        )
    _ca_caches_clear()
    return ca


def _ca_usable(ca: CertificateAuthority, *, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    name = "ریشه ملی" if ca.kind == CaKind.ROOT else "مرجع صدور کارت"
    if ca.revoked_at is not None:
        raise CaRevoked(
            f"{name} ({ca.subject}) باطل شده است؛ صدور گواهی ممکن نیست.", extra={"ca": ca.subject}
        )
    if ca.not_after <= now:
        raise CaExpired(
            f"اعتبار {name} ({ca.subject}) در {format_jalali(ca.not_after)} به پایان "
            "رسیده است؛ صدور گواهی ممکن نیست.",
            extra={"ca": ca.subject},
        )
    if ca.not_before > now:
        raise CaExpired(
            f"اعتبار {name} ({ca.subject}) هنوز آغاز نشده است.", extra={"ca": ca.subject}
        )


def _issuing_for_issuance(not_after: dt.datetime) -> tuple[CertificateAuthority, profiles.Issuer]:
    ca = _current_issuing_row()
    if ca is None:
        if not settings.PKI_CA_AUTO_CREATE:
            raise CaMissing()
        ca_init()
        ca = _current_issuing_row()
        assert ca is not None  # ca_init() has just made it
    now = timezone.now()
    _ca_usable(ca, now=now)
    if ca.parent is not None:
        _ca_usable(ca.parent, now=now)
    if not_after > ca.not_after:
        raise CaValidityExceeded(extra={"ca_not_after": ca.not_after.isoformat()})
    return ca, _issuer(ca)
