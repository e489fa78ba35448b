from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class ReceiptSigningKey(models.Model):
    """An ECDSA P-256 key that signs receipt QR codes for a period, then only verifies.

    A key signs from active_from until signs_until; it stays published (and its receipts
    verify) after that, until it is retired, e.g. because it leaked: from then on, receipts it
    signed read as signed by an unknown key.
    """

    kid = models.CharField(
        "شناسه کلید",
        max_length=16,
        unique=True,
        help_text="base64url of the first 8 bytes of SHA-256(SPKI)",
    )
    public_key_pem = models.TextField("کلید عمومی (PEM)")
    # PKCS#8, encrypted with the PKI passphrase (HOVIAT_PKI_PASSPHRASE): a copy of the
    # database alone does not let anyone sign receipts.
    private_key_pem = models.TextField("کلید خصوصی رمزشده (PEM)", editable=False)
    created_at = models.DateTimeField("ایجاد", default=timezone.now)
    active_from = models.DateTimeField("آغاز امضا")
    signs_until = models.DateTimeField("پایان امضا")
    retired_at = models.DateTimeField("کنار گذاشته شده", null=True, blank=True)
    retired_reason = models.CharField("دلیل کنار گذاشتن", max_length=200, blank=True)

    class Meta:
        ordering = ["-active_from", "-id"]
        verbose_name = "کلید امضای رسید"
        verbose_name_plural = "کلیدهای امضای رسید"
        constraints = [
            models.CheckConstraint(
                condition=Q(signs_until__gte=F("active_from")),
                name="pki_receipt_key_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.kid


class CaKind(models.TextChoices):
    ROOT = "root", "ریشه"
    ISSUING = "issuing", "صادرکننده کارت"


class CertificateAuthority(models.Model):
    """The national root CA or a card-issuing CA under it.

    The private key is either here (PKCS#8 PEM encrypted with PKI_PASSPHRASE: development,
    made by `hoviat pki init`) or in a file named by the settings (production: the row then
    holds the certificate only, key_pem is empty).
    """

    kind = models.CharField("نوع", max_length=10, choices=CaKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="صادرکننده",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    subject = models.CharField("نام", max_length=300)
    serial = models.CharField("شماره سریال (hex)", max_length=40)
    ski = models.CharField("شناسه کلید (hex)", max_length=64)
    cert_pem = models.TextField("گواهی (PEM)")
    key_pem = models.TextField("کلید خصوصی رمزشده (PEM)", blank=True, editable=False)
    not_before = models.DateTimeField("آغاز اعتبار")
    not_after = models.DateTimeField("پایان اعتبار")
    created_at = models.DateTimeField("ایجاد", default=timezone.now)
    revoked_at = models.DateTimeField("ابطال", null=True, blank=True)
    revoked_reason = models.CharField("دلیل ابطال", max_length=200, blank=True)

    class Meta:
        ordering = ["kind", "-not_before", "-id"]
        verbose_name = "مرجع صدور گواهی"
        verbose_name_plural = "مراجع صدور گواهی"

    def __str__(self) -> str:
        return self.subject


class EmulatedChip(models.Model):
    """What a real card's chip keeps to itself: two private keys, PIN hashes, retry counters.

    Keys are sealed with AES-GCM under the chip store key (see chip.py); PINs are keyed hashes.
    """

    csn = models.CharField("شماره سریال کارت (CSN)", max_length=32, unique=True)
    crn = models.CharField("شماره ثبت کارت (CRN)", max_length=16, db_index=True)
    national_code = models.CharField("کد ملی", max_length=10, db_index=True)
    auth_key = models.BinaryField("کلید احراز هویت (رمزشده)")
    sign_key = models.BinaryField("کلید امضا (رمزشده)")
    pin_salt = models.BinaryField("نمک")
    id_pin_hash = models.BinaryField()
    sign_pin_hash = models.BinaryField()
    nmoc_pin_hash = models.BinaryField()
    puk_hash = models.BinaryField()
    id_pin_tries = models.PositiveSmallIntegerField("تلاش باقی‌مانده رمز شناسایی", default=3)
    sign_pin_tries = models.PositiveSmallIntegerField("تلاش باقی‌مانده رمز امضا", default=3)
    nmoc_pin_tries = models.PositiveSmallIntegerField("تلاش باقی‌مانده رمز NMOC", default=3)
    puk_tries = models.PositiveSmallIntegerField("تلاش باقی‌مانده PUK", default=10)
    issued_on = models.DateField("تاریخ صدور")
    expires_on = models.DateField("تاریخ انقضا")
    created_at = models.DateTimeField("ایجاد", default=timezone.now)

    class Meta:
        verbose_name = "تراشه شبیه‌سازی‌شده"
        verbose_name_plural = "تراشه‌های شبیه‌سازی‌شده"

    def __str__(self) -> str:
        return self.csn


class CertKind(models.TextChoices):
    AUTH = "auth", "احراز هویت"
    SIGN = "sign", "امضای دیجیتال"


class CertStatus(models.TextChoices):
    GOOD = "good", "معتبر"
    REVOKED = "revoked", "باطل"


class IssuedCertificate(models.Model):
    """A card certificate, as the CRL and the OCSP responder need it (and the DER itself)."""

    issuer = models.ForeignKey(
        CertificateAuthority,
        verbose_name="صادرکننده",
        on_delete=models.PROTECT,
        related_name="issued",
    )
    chip = models.ForeignKey(
        EmulatedChip, verbose_name="تراشه", on_delete=models.PROTECT, related_name="certificates"
    )
    serial = models.CharField("شماره سریال (hex)", max_length=40, unique=True)
    kind = models.CharField("نوع", max_length=4, choices=CertKind.choices)
    csn = models.CharField("CSN", max_length=32, db_index=True)
    not_before = models.DateTimeField("آغاز اعتبار")
    not_after = models.DateTimeField("پایان اعتبار")
    der = models.BinaryField("گواهی (DER)")
    status = models.CharField(
        "وضعیت", max_length=8, choices=CertStatus.choices, default=CertStatus.GOOD
    )
    revoked_at = models.DateTimeField("زمان ابطال", null=True, blank=True)
    reason = models.CharField("دلیل ابطال", max_length=200, blank=True)
    reason_code = models.CharField("کد دلیل (RFC 5280)", max_length=32, blank=True)

    class Meta:
        verbose_name = "گواهی صادرشده"
        verbose_name_plural = "گواهی‌های صادرشده"
        indexes = [models.Index(fields=["issuer", "status"], name="pki_cert_issuer_status")]

    def __str__(self) -> str:
        return f"{self.kind} {self.serial}"


class RevocationList(models.Model):
    """Each CRL an issuing CA published; /pki/crl serves the newest as stored, never rebuilt
    per request."""

    issuer = models.ForeignKey(
        CertificateAuthority,
        verbose_name="صادرکننده",
        on_delete=models.PROTECT,
        related_name="crls",
    )
    number = models.PositiveBigIntegerField("شماره CRL")
    this_update = models.DateTimeField("زمان انتشار")
    next_update = models.DateTimeField("انتشار بعدی")
    der = models.BinaryField("CRL (DER)")
    revoked_count = models.PositiveIntegerField("تعداد ابطال‌شده")

    class Meta:
        ordering = ["-number"]
        verbose_name = "فهرست ابطال گواهی"
        verbose_name_plural = "فهرست‌های ابطال گواهی"
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "number"], name="pki_crl_issuer_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"CRL {self.number}"
