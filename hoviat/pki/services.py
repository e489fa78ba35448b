"""PKI writes: receipt-signing keys, the CAs, card certificates, the CRL, OCSP, and the chip.

Settings read here (all optional):
- PKI_PASSPHRASE: encrypts the private keys at rest. Default: HOVIAT_PKI_PASSPHRASE from the
  environment, else a development secret generated into var/pki_passphrase.
- PKI_RECEIPT_KEY_AUTO_CREATE (default True): when no key signs right now, make one on
  demand, so development, tests and `hoviat demo` just work. Production turns it off and runs
  `hoviat pki init` once (and `hoviat pki rotate-receipt-key` yearly): a missing key is then a
  loud ReceiptKeyMissing instead of a key nobody meant to create.
- PKI_RECEIPT_KEY_SIGNING_DAYS (default 365): how long a new key signs.
- PKI_CA_AUTO_CREATE (default DEBUG): make the root and issuing CA on first issuance.
- PKI_ROOT_CERT_FILE, PKI_ISSUING_CERT_FILE, PKI_ISSUING_KEY_FILE (production): the CA
  certificates (PEM) and the issuing CA's key (PKCS#8 PEM encrypted with PKI_PASSPHRASE);
  `hoviat pki init` then records the certificates, and the key is only ever read from the file.
- PKI_ROOT_VALIDITY_YEARS (20), PKI_ISSUING_VALIDITY_YEARS (10): lifetimes `pki init` gives.
- PKI_CRL_VALIDITY_HOURS (24): nextUpdate of a CRL; PKI_OCSP_VALIDITY_MINUTES (60).
- CHIP_STORE_KEY: seals the emulated chips' keys. Default: HOVIAT_CHIP_STORE_KEY, else a
  development secret in var/chip_store_key.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.x509 import ocsp
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone

from hoviat.core.audit import audit_record
from hoviat.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from hoviat.pki import chip, keystore, profiles, selectors
from hoviat.pki.cards import (
    CardCertificatesStatus,
    CardPersonalisation,
    CertificateState,
    PinMailer,
    cose_sign1,
    data_object_payload,
)
from hoviat.pki.models import (
    CaKind,
    CertificateAuthority,
    CertKind,
    CertStatus,
    EmulatedChip,
    IssuedCertificate,
    ReceiptSigningKey,
    RevocationList,
)
from hoviat.pki.receipts import ReceiptClaims, b64url_decode, kid_of, sign_receipt_qr


class ReceiptKeyMissing(DomainError):
    code = "RECEIPT_KEY_MISSING"
    status = 503
    title = "No receipt-signing key"
    default_detail = (
        "کلید امضای رسید آماده نیست. مدیر سامانه باید فرمان «hoviat pki init» را اجرا کند."
    )


# Decrypted private keys by kid, for this process: signing happens for every receipt
# rendered, and a key's private half never changes once created.
_PRIVATE_KEYS: dict[str, ec.EllipticCurvePrivateKey] = {}


_passphrase = keystore.passphrase


def _signing_period() -> dt.timedelta:
    return dt.timedelta(days=settings.PKI_RECEIPT_KEY_SIGNING_DAYS)


def _private_key(key: ReceiptSigningKey) -> ec.EllipticCurvePrivateKey:
    cached = _PRIVATE_KEYS.get(key.kid)
    if cached is not None:
        return cached
    private = keystore.private_key_load(key, label="receipt-signing")
    _PRIVATE_KEYS[key.kid] = private
    return private


def receipt_key_create(
    *, actor: Any = None, active_from: dt.datetime | None = None
) -> ReceiptSigningKey:
    """Generate a P-256 receipt-signing key, store it encrypted, and audit its creation."""
    key, private = keystore.key_create(
        ReceiptSigningKey,
        period=_signing_period(),
        action="pki.receipt_key_created",
        actor=actor,
        active_from=active_from,
    )
    _PRIVATE_KEYS[key.kid] = private
    return key


def receipt_key_active() -> ReceiptSigningKey:
    """The key that signs receipts now (made on demand where PKI_RECEIPT_KEY_AUTO_CREATE)."""
    key = selectors.receipt_key_signing()
    if key is not None:
        return key
    if not settings.PKI_RECEIPT_KEY_AUTO_CREATE:
        raise ReceiptKeyMissing()
    # Two processes racing here may each create a key: harmless, both are published and
    # the newer one signs from then on.
    return receipt_key_create()


def receipt_key_init(*, actor: Any = None) -> tuple[ReceiptSigningKey, bool]:
    """The key that signs now, created if there is none; True when it was just created."""
    key = selectors.receipt_key_signing()
    if key is not None:
        return key, False
    return receipt_key_create(actor=actor), True


def receipt_key_rotate(*, actor: Any = None) -> ReceiptSigningKey:
    """A new signing key from now on; the previous ones stop signing but stay published."""
    return keystore.key_rotate(
        ReceiptSigningKey,
        create=lambda now: receipt_key_create(actor=actor, active_from=now),
        action="pki.receipt_key_rotated",
        actor=actor,
    )


def receipt_key_rotate_if_due(
    *, within: dt.timedelta, actor: Any = None
) -> ReceiptSigningKey | None:
    """Rotate when no key signs now or the signing one stops within `within`; else None."""
    return keystore.key_rotate_if_due(
        signing=selectors.receipt_key_signing(),
        within=within,
        rotate=lambda: receipt_key_rotate(actor=actor),
    )


def receipt_key_retire(*, kid: str, reason: str, actor: Any = None) -> ReceiptSigningKey:
    """Withdraw a key (e.g. leaked): no longer published, so its receipts stop verifying."""
    key = keystore.key_retire(
        ReceiptSigningKey,
        kid=kid,
        reason=reason,
        action="pki.receipt_key_retired",
        code="RECEIPT_KEY",
        actor=actor,
    )
    _PRIVATE_KEYS.pop(kid, None)
    return key


def receipt_qr_sign(*, claims: ReceiptClaims) -> str:
    """The QR text (HVR1:…) for a receipt, signed with the current receipt-signing key."""
    key = receipt_key_active()
    return sign_receipt_qr(claims, _private_key(key), kid=b64url_decode(key.kid))


# === Certificate authorities ===================================================================


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
    _ISSUERS.clear()
    _ISSUING_CAS[:] = [0.0, []]
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
    rows = {}
    for kind, cert in ((CaKind.ROOT, root_cert), (CaKind.ISSUING, issuing_cert)):
        serial = format(cert.serial_number, "x")
        row = CertificateAuthority.objects.filter(kind=kind, serial=serial).first()
        if row is None:
            row = _ca_row(kind, cert, parent=rows.get(CaKind.ROOT), actor=actor)
            created.append(row)
        rows[kind] = row
    return created


def _issuing_key_from_file() -> ec.EllipticCurvePrivateKey:
    path = settings.PKI_ISSUING_KEY_FILE
    try:
        pem = Path(path).read_bytes()
    except OSError as exc:
        raise ImproperlyConfigured(f"Cannot read PKI_ISSUING_KEY_FILE {path}: {exc}") from None
    return _decrypt_pem(pem, f"the issuing CA key {path}")


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
    _ISSUERS.clear()
    _ISSUING_CAS[:] = [0.0, []]
    return ca


def _base_url() -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/")


def _ca_usable(ca: CertificateAuthority, *, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    name = "ریشه ملی" if ca.kind == CaKind.ROOT else "مرجع صدور کارت"
    if ca.revoked_at is not None:
        raise CaRevoked(
            f"{name} ({ca.subject}) باطل شده است؛ صدور گواهی ممکن نیست.", extra={"ca": ca.subject}
        )
    if ca.not_after <= now:
        raise CaExpired(
            f"اعتبار {name} ({ca.subject}) در {ca.not_after:%Y-%m-%d} به پایان "
            "رسیده است؛ صدور گواهی ممکن نیست.",
            extra={"ca": ca.subject},
        )
    if ca.not_before > now:
        raise CaExpired(
            f"اعتبار {name} ({ca.subject}) هنوز آغاز نشده است.", extra={"ca": ca.subject}
        )


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


def _issuing_for_issuance(not_after: dt.datetime) -> tuple[CertificateAuthority, profiles.Issuer]:
    ca = _current_issuing_row()
    if ca is None:
        if not settings.PKI_CA_AUTO_CREATE:
            raise CaMissing()
        ca_init()
        ca = _current_issuing_row()
    now = timezone.now()
    _ca_usable(ca, now=now)
    if ca.parent is not None:
        _ca_usable(ca.parent, now=now)
    if not_after > ca.not_after:
        raise CaValidityExceeded(extra={"ca_not_after": ca.not_after.isoformat()})
    return ca, _issuer(ca)


# === Card certificates and the emulated chip ===================================================


class ChipNotFound(NotFound):
    code = "CHIP_NOT_FOUND"
    default_detail = "تراشه‌ای با این شماره سریال کارت یافت نشد."


class ChipExists(Conflict):
    code = "CHIP_EXISTS"
    default_detail = "کارتی با این شماره سریال (CSN) پیش‌تر شخصی‌سازی شده است."


class PinWrong(DomainError):
    code = "PIN_WRONG"
    status = 403
    title = "Wrong PIN"
    default_detail = "رمز واردشده نادرست است."


class ChipBlocked(DomainError):
    code = "PIN_BLOCKED"
    status = 423
    title = "PIN blocked"
    default_detail = (
        "رمز کارت پس از سه بار ورود نادرست مسدود شده است. با کد PUK آن را بازگشایی کنید."
    )


class PukWrong(DomainError):
    code = "PUK_WRONG"
    status = 403
    title = "Wrong PUK"
    default_detail = "کد PUK نادرست است."


class PukBlocked(DomainError):
    code = "PUK_BLOCKED"
    status = 423
    title = "PUK blocked"
    default_detail = (
        "کد PUK پس از ده بار ورود نادرست مسدود شده است؛ این کارت دیگر "
        "بازگشایی نمی‌شود و باید کارت تازه صادر شود."
    )


class PinInvalid(ValidationFailed):
    code = "PIN_FORMAT_INVALID"
    default_detail = f"رمز باید {chip.PIN_MIN} تا {chip.PIN_MAX} رقم باشد."


PIN_TRIES = 3
PUK_TRIES = 10
_PIN_KINDS = {"id": "رمز شناسایی", "sign": "رمز امضا", "nmoc": "رمز NMOC"}


def _chip_secret() -> str:
    return settings.CHIP_STORE_KEY


def card_personalise(
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
) -> CardPersonalisation:
    """Generate the chip's two key pairs, certify them, and sign the card's data object."""
    if expires_on <= issued_on:
        raise ValidationFailed(
            "تاریخ انقضا باید پس از تاریخ صدور باشد.", code="CARD_VALIDITY_INVALID"
        )
    # The card's dates are Iranian civil days: its certificates are good from the start of the
    # issue day there (a card made after 20:30 UTC is already on the next day in Tehran).
    local = timezone.get_current_timezone()
    not_before = profiles.day_start(issued_on, local)
    not_after = profiles.day_end(expires_on, local)
    ca, issuer = _issuing_for_issuance(not_after)
    secret = _chip_secret()
    auth_key = ec.generate_private_key(ec.SECP256R1())
    sign_key = ec.generate_private_key(ec.SECP256R1())
    auth_serial, sign_serial = profiles.serial_number(), profiles.serial_number()
    common = {"national_code": national_code, "not_before": not_before, "not_after": not_after}
    auth_cert = issuer.card_certificate(
        auth_key.public_key(),
        kind=CertKind.AUTH,
        serial=auth_serial,
        common_name=f"{first_name} {last_name}",
        **common,
    )
    sign_cert = issuer.card_certificate(
        sign_key.public_key(), kind=CertKind.SIGN, serial=sign_serial, common_name=crn, **common
    )
    data_object = cose_sign1(
        data_object_payload(
            csn=csn,
            crn=crn,
            national_code=national_code,
            first_name=first_name,
            last_name=last_name,
            birth_date=birth_date,
            photo_sha256=photo_sha256,
            fingerprint_sha256=fingerprint_sha256,
            issued_on=issued_on,
            expires_on=expires_on,
            auth_serial=auth_serial,
            sign_serial=sign_serial,
        ),
        issuer.key,
        kid=issuer.kid,
    )
    pins = PinMailer(
        id_pin=chip.random_digits(chip.PIN_DIGITS),
        sign_pin=chip.random_digits(chip.PIN_DIGITS),
        nmoc_pin=chip.random_digits(chip.PIN_DIGITS),
        puk=chip.random_digits(chip.PUK_DIGITS),
    )
    salt = os.urandom(16)
    try:
        with transaction.atomic():
            emulated = EmulatedChip.objects.create(
                csn=csn,
                crn=crn,
                national_code=national_code,
                auth_key=chip.seal_key(secret, csn, "auth", auth_key),
                sign_key=chip.seal_key(secret, csn, "sign", sign_key),
                pin_salt=salt,
                id_pin_hash=chip.pin_hash(secret, salt, "id", pins.id_pin),
                sign_pin_hash=chip.pin_hash(secret, salt, "sign", pins.sign_pin),
                nmoc_pin_hash=chip.pin_hash(secret, salt, "nmoc", pins.nmoc_pin),
                puk_hash=chip.pin_hash(secret, salt, "puk", pins.puk),
                issued_on=issued_on,
                expires_on=expires_on,
            )
            IssuedCertificate.objects.bulk_create(
                [
                    IssuedCertificate(
                        issuer=ca,
                        chip=emulated,
                        serial=format(serial, "x"),
                        kind=kind,
                        csn=csn,
                        not_before=not_before,
                        not_after=not_after,
                        der=cert.public_bytes(serialization.Encoding.DER),
                    )
                    for kind, serial, cert in (
                        (CertKind.AUTH, auth_serial, auth_cert),
                        (CertKind.SIGN, sign_serial, sign_cert),
                    )
                ]
            )
    except IntegrityError:
        if EmulatedChip.objects.filter(csn=csn).exists():
            raise ChipExists(extra={"csn": csn}) from None
        raise
    return CardPersonalisation(
        chip_id=emulated.pk,
        auth_cert_serial=auth_serial,
        sign_cert_serial=sign_serial,
        data_object=data_object,
        pins=pins,
    )


def card_certificates_revoke(*, csn: str, reason: str, actor: Any) -> int:
    """Revoke the card's certificates still good; the CRL is republished after commit."""
    flag = profiles.reason_flag(reason)
    with transaction.atomic():
        emulated = EmulatedChip.objects.filter(csn=csn).first()
        if emulated is None:
            raise ChipNotFound(extra={"csn": csn})
        certificates = list(
            IssuedCertificate.objects.select_for_update()
            .filter(csn=csn, status=CertStatus.GOOD)
            .order_by("kind")
        )
        if not certificates:
            return 0
        now = timezone.now()
        IssuedCertificate.objects.filter(pk__in=[c.pk for c in certificates]).update(
            status=CertStatus.REVOKED, revoked_at=now, reason=reason[:200], reason_code=flag.value
        )
        audit_record(
            actor=actor,
            action="pki.card_certificates_revoked",
            obj=emulated,
            from_state=CertStatus.GOOD,
            to_state=CertStatus.REVOKED,
            reason=reason,
            data={
                "csn": csn,
                "serials": [c.serial for c in certificates],
                "reason_code": flag.value,
            },
        )
        issuer_ids = sorted({c.issuer_id for c in certificates})
        transaction.on_commit(lambda: [crl_publish(issuer_id=i) for i in issuer_ids])
    return len(certificates)


def card_certificates_hold(*, csn: str, reason: str, actor: Any) -> int:
    """Put a lost card's good certificates on hold (RFC 5280 certificateHold): listed in the
    CRL and revoked for OCSP until the card is found (card_certificates_release) or revoked
    for good (card_certificates_revoke_held)."""
    return card_certificates_revoke(csn=csn, reason=f"suspended {reason}".strip(), actor=actor)


def _held(csn: str):
    return IssuedCertificate.objects.select_for_update().filter(
        csn=csn,
        status=CertStatus.REVOKED,
        reason_code=x509.ReasonFlags.certificate_hold.value,
    )


def card_certificates_release(*, csn: str, actor: Any) -> int:
    """Take a found card's certificates off hold: good again, and off the next CRL."""
    with transaction.atomic():
        held = list(_held(csn))
        if not held:
            return 0
        IssuedCertificate.objects.filter(pk__in=[c.pk for c in held]).update(
            status=CertStatus.GOOD, revoked_at=None, reason="", reason_code=""
        )
        audit_record(
            actor=actor,
            action="pki.card_certificates_released",
            object_type="pki.emulatedchip",
            object_id=str(held[0].chip_id),
            from_state=CertStatus.REVOKED,
            to_state=CertStatus.GOOD,
            reason="removeFromCRL: کارت پیدا شد",
            data={"csn": csn, "serials": [c.serial for c in held]},
        )
        issuer_ids = sorted({c.issuer_id for c in held})
        transaction.on_commit(lambda: [crl_publish(issuer_id=i) for i in issuer_ids])
    return len(held)


def card_certificates_revoke_held(*, csn: str, reason: str, actor: Any) -> int:
    """Revoke for good what is on hold (a lost card reported stolen), and anything still good."""
    flag = profiles.reason_flag(reason)
    with transaction.atomic():
        held = list(_held(csn))
        if held:
            IssuedCertificate.objects.filter(pk__in=[c.pk for c in held]).update(
                revoked_at=timezone.now(), reason=reason[:200], reason_code=flag.value
            )
            audit_record(
                actor=actor,
                action="pki.card_certificates_revoked",
                object_type="pki.emulatedchip",
                object_id=str(held[0].chip_id),
                from_state="certificateHold",
                to_state=CertStatus.REVOKED,
                reason=reason,
                data={"csn": csn, "serials": [c.serial for c in held], "reason_code": flag.value},
            )
            issuer_ids = sorted({c.issuer_id for c in held})
            transaction.on_commit(lambda: [crl_publish(issuer_id=i) for i in issuer_ids])
        return len(held) + card_certificates_revoke(csn=csn, reason=reason, actor=actor)


def cards_certificates_revoke(
    *, csns: list[str], reason: str, actor: Any, publish: bool = False
) -> tuple[int, list[int]]:
    """Revoke the good certificates of many cards in one UPDATE (a sweep's batch); one audit
    row for the batch. Returns (certificates revoked, issuer ids); the caller publishes the
    CRL once per sweep unless `publish` asks for it after commit."""
    if not csns:
        return 0, []
    flag = profiles.reason_flag(reason)
    with transaction.atomic():
        good = IssuedCertificate.objects.filter(csn__in=csns, status=CertStatus.GOOD)
        rows = list(good.values_list("issuer_id", "csn"))
        if not rows:
            return 0, []
        issuer_ids = sorted({issuer for issuer, _ in rows})
        revoked = good.update(
            status=CertStatus.REVOKED,
            revoked_at=timezone.now(),
            reason=reason[:200],
            reason_code=flag.value,
        )
        audit_record(
            actor=actor,
            action="pki.cards_certificates_revoked",
            object_type="pki.issuedcertificate",
            from_state=CertStatus.GOOD,
            to_state=CertStatus.REVOKED,
            reason=reason,
            data={
                "csns": sorted({csn for _, csn in rows}),
                "certificates": revoked,
                "reason_code": flag.value,
            },
        )
        if publish:
            transaction.on_commit(lambda: [crl_publish(issuer_id=i) for i in issuer_ids])
    return revoked, issuer_ids


def card_certificates_status(*, csn: str) -> CardCertificatesStatus:
    """Each certificate of the card with its status (good/revoked)."""
    rows = IssuedCertificate.objects.filter(csn=csn).order_by("kind", "not_before")
    return CardCertificatesStatus(
        csn=csn,
        certificates=tuple(
            CertificateState(
                serial=int(row.serial, 16),
                kind=row.kind,
                status=row.status,
                not_before=row.not_before,
                not_after=row.not_after,
                revoked_at=row.revoked_at,
                reason=row.reason,
            )
            for row in rows
        ),
    )


# --- The chip's own operations ------------------------------------------------------------------


def _pin_try(*, csn: str, slot: str, pin: str) -> EmulatedChip:
    """Check a PIN as the chip would: counter down on a miss, back to full on a hit.

    The counter is saved before the error is raised; a caller that wraps this in its own
    transaction and rolls back on the error undoes the count, so callers let it commit.
    """
    if slot not in _PIN_KINDS:
        raise ValidationFailed(f"نوع رمز «{slot}» شناخته نیست.", code="PIN_KIND_INVALID")
    tries_field = f"{slot}_pin_tries"
    with transaction.atomic():
        emulated = EmulatedChip.objects.select_for_update().filter(csn=csn).first()
        if emulated is None:
            raise ChipNotFound(extra={"csn": csn})
        tries = getattr(emulated, tries_field)
        if tries == 0:
            blocked = True
        else:
            matches = chip.pin_format_ok(pin) and chip.pin_matches(
                _chip_secret(),
                bytes(emulated.pin_salt),
                slot,
                pin,
                getattr(emulated, f"{slot}_pin_hash"),
            )
            if matches:
                if tries != PIN_TRIES:
                    setattr(emulated, tries_field, PIN_TRIES)
                    emulated.save(update_fields=[tries_field])
                return emulated
            tries -= 1
            setattr(emulated, tries_field, tries)
            emulated.save(update_fields=[tries_field])
            blocked = tries == 0
    if blocked:
        raise ChipBlocked(
            f"{_PIN_KINDS[slot]} کارت پس از سه بار ورود نادرست مسدود شده است. "
            "با کد PUK آن را بازگشایی کنید.",
            extra={"pin_kind": slot},
        )
    raise PinWrong(
        f"{_PIN_KINDS[slot]} نادرست است؛ {tries} بار دیگر می‌توانید تلاش کنید.",
        extra={"pin_kind": slot, "tries_left": tries},
    )


def chip_verify_pin(*, csn: str, pin_kind: str = "id", pin: str) -> bool:
    """True for the right PIN, False for a wrong one; ChipBlocked once three were wrong."""
    try:
        _pin_try(csn=csn, slot=pin_kind, pin=pin)
    except PinWrong:
        return False
    return True


def _set_pin(emulated: EmulatedChip, slot: str, new_pin: str) -> None:
    setattr(
        emulated,
        f"{slot}_pin_hash",
        chip.pin_hash(_chip_secret(), bytes(emulated.pin_salt), slot, new_pin),
    )
    setattr(emulated, f"{slot}_pin_tries", PIN_TRIES)


def chip_unblock(*, csn: str, puk: str, new_pin: str, pin_kind: str = "id") -> None:
    """Reset a (blocked) PIN with the PUK; ten wrong PUKs block the card for good."""
    if pin_kind not in _PIN_KINDS:
        raise ValidationFailed(f"نوع رمز «{pin_kind}» شناخته نیست.", code="PIN_KIND_INVALID")
    if not chip.pin_format_ok(new_pin):
        raise PinInvalid()
    with transaction.atomic():
        emulated = EmulatedChip.objects.select_for_update().filter(csn=csn).first()
        if emulated is None:
            raise ChipNotFound(extra={"csn": csn})
        tries = emulated.puk_tries
        if tries == 0:
            raise PukBlocked()
        if chip.pin_matches(
            _chip_secret(), bytes(emulated.pin_salt), "puk", puk, emulated.puk_hash
        ):
            _set_pin(emulated, pin_kind, new_pin)
            emulated.puk_tries = PUK_TRIES
            emulated.save(
                update_fields=[f"{pin_kind}_pin_hash", f"{pin_kind}_pin_tries", "puk_tries"]
            )
            return
        tries -= 1
        emulated.puk_tries = tries
        emulated.save(update_fields=["puk_tries"])
    if tries == 0:
        raise PukBlocked()
    raise PukWrong(
        f"کد PUK نادرست است؛ {tries} بار دیگر می‌توانید تلاش کنید.", extra={"tries_left": tries}
    )


def chip_change_pin(*, csn: str, pin_kind: str = "id", old_pin: str, new_pin: str) -> None:
    """Change a PIN, given the current one (a wrong one counts as a failed try)."""
    if not chip.pin_format_ok(new_pin):
        raise PinInvalid()
    emulated = _pin_try(csn=csn, slot=pin_kind, pin=old_pin)
    _set_pin(emulated, pin_kind, new_pin)
    emulated.save(update_fields=[f"{pin_kind}_pin_hash", f"{pin_kind}_pin_tries"])


def chip_pins_choose(*, csn: str, id_pin: str, sign_pin: str, nmoc_pin: str) -> None:
    """Write the three PINs the holder chose at hand-over; retry counters are kept, so a PIN
    blocked by wrong confirmations stays blocked until the PUK opens it."""
    chosen = {"id": id_pin, "sign": sign_pin, "nmoc": nmoc_pin}
    for slot, pin in chosen.items():
        if not chip.pin_format_ok(pin):
            raise PinInvalid(
                f"{_PIN_KINDS[slot]} باید {chip.PIN_MIN} تا {chip.PIN_MAX} رقم باشد.",
                extra={"pin_kind": slot},
            )
    secret = _chip_secret()
    with transaction.atomic():
        emulated = EmulatedChip.objects.select_for_update().filter(csn=csn).first()
        if emulated is None:
            raise ChipNotFound(extra={"csn": csn})
        for slot in chosen:
            if getattr(emulated, f"{slot}_pin_tries") == 0:
                raise ChipBlocked(
                    f"{_PIN_KINDS[slot]} کارت پس از سه بار ورود نادرست مسدود شده است. "
                    "با کد PUK برگه رمز آن را بازگشایی کنید.",
                    extra={"pin_kind": slot},
                )
        salt = bytes(emulated.pin_salt)
        for slot, pin in chosen.items():
            setattr(emulated, f"{slot}_pin_hash", chip.pin_hash(secret, salt, slot, pin))
        emulated.save(update_fields=[f"{slot}_pin_hash" for slot in chosen])


def chip_pin_confirm(*, csn: str, pin_kind: str = "id", pin: str) -> None:
    """Check a PIN as the chip does; PinWrong (with tries left) or ChipBlocked if it fails."""
    _pin_try(csn=csn, slot=pin_kind, pin=pin)


def chip_sign_challenge(*, csn: str, pin: str, challenge: bytes) -> bytes:
    """ECDSA-SHA256 (DER) over `challenge` with the authentication key, after the ID PIN."""
    emulated = _pin_try(csn=csn, slot="id", pin=pin)
    key = chip.open_key(_chip_secret(), csn, "auth", bytes(emulated.auth_key))
    return key.sign(challenge, ec.ECDSA(hashes.SHA256()))


def chip_sign_document(*, csn: str, pin: str, digest: bytes) -> bytes:
    """ECDSA (DER) over a SHA-256 `digest` with the signing key, after the SIGN PIN."""
    if len(digest) != 32:
        raise ValidationFailed("چکیده سند باید SHA-256 (۳۲ بایت) باشد.", code="DIGEST_INVALID")
    emulated = _pin_try(csn=csn, slot="sign", pin=pin)
    key = chip.open_key(_chip_secret(), csn, "sign", bytes(emulated.sign_key))
    return key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256())))


# === CRL and OCSP ==============================================================================


def crl_publish(*, issuer_id: int | None = None) -> RevocationList:
    """Sign and store a fresh CRL for an issuing CA (the current one unless given)."""
    with transaction.atomic():
        query = CertificateAuthority.objects.select_for_update().filter(kind=CaKind.ISSUING)
        ca = (
            query.filter(pk=issuer_id) if issuer_id else query.order_by("-not_before", "-id")
        ).first()
        if ca is None:
            raise CaMissing()
        issuer = _issuer(ca)
        now = timezone.now().replace(microsecond=0)
        last = RevocationList.objects.filter(issuer=ca).order_by("-number").first()
        number = (last.number + 1) if last else 1
        # Certificates past their notAfter may leave the CRL (RFC 5280 §3.3).
        revoked = [
            (int(serial, 16), when, x509.ReasonFlags(code or "unspecified"))
            for serial, when, code in IssuedCertificate.objects.filter(
                issuer=ca, status=CertStatus.REVOKED, not_after__gte=now
            )
            .order_by("revoked_at", "id")
            .values_list("serial", "revoked_at", "reason_code")
        ]
        next_update = now + dt.timedelta(hours=settings.PKI_CRL_VALIDITY_HOURS)
        crl = issuer.crl(revoked, number=number, this_update=now, next_update=next_update)
        return RevocationList.objects.create(
            issuer=ca,
            number=number,
            this_update=now,
            next_update=next_update,
            der=crl.public_bytes(serialization.Encoding.DER),
            revoked_count=len(revoked),
        )


def crl_publish_if_due(*, within: dt.timedelta) -> RevocationList | None:
    """Publish when the current CRL's nextUpdate is within `within` (or there is none)."""
    ca = _current_issuing_row()
    if ca is None:
        return None
    last = RevocationList.objects.filter(issuer=ca).order_by("-number").only("next_update").first()
    if last is not None and last.next_update > timezone.now() + within:
        return None
    return crl_publish(issuer_id=ca.pk)


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
_ISSUING_CAS: list[Any] = [0.0, []]


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
