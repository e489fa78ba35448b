from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class ReceiptSigningKey(models.Model):
    """An ECDSA P-256 key that signs receipt QR codes for a period, then only verifies.

    A key signs from active_from until signs_until; it stays published (and its receipts
    verify) after that, until it is retired, e.g. because it leaked: from then on, receipts it
    signed read as signed by an unknown key.
    """

    kid = models.CharField("شناسه کلید", max_length=16, unique=True,
                           help_text="base64url of the first 8 bytes of SHA-256(SPKI)")
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
            models.CheckConstraint(condition=Q(signs_until__gte=F("active_from")),
                                   name="pki_receipt_key_period_ordered"),
        ]

    def __str__(self) -> str:
        return self.kid

    @property
    def is_published(self) -> bool:
        return self.retired_at is None

    def signs_at(self, moment) -> bool:
        return self.retired_at is None and self.active_from <= moment < self.signs_until
