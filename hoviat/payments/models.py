from django.db import models


class PaymentStatus(models.TextChoices):
    INITIATED = "initiated", "در انتظار پرداخت"
    SUCCEEDED = "succeeded", "موفق"
    FAILED = "failed", "ناموفق"
    ABANDONED = "abandoned", "رها شده"
    # The bank took the money but the application no longer needed it (paid through another
    # attempt, or closed meanwhile): the amount must go back to the payer.
    REFUND_DUE = "refund_due", "در انتظار بازگشت وجه"


class Payment(models.Model):
    """One attempt to pay an application's fee through a gateway."""

    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="payments"
    )
    amount_rials = models.PositiveBigIntegerField("مبلغ (ریال)")
    gateway = models.CharField(max_length=32)
    authority = models.CharField("شناسه تراکنش درگاه", max_length=64, unique=True)
    status = models.CharField(
        max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.INITIATED
    )
    ref_id = models.CharField("شماره پیگیری بانک", max_length=64, blank=True)
    card_pan_masked = models.CharField(max_length=19, blank=True)
    failure_reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    TRANSITIONS = {
        # From abandoned too: a citizen may finish paying in a tab we had given up on; the
        # bank's verify, not our bookkeeping, decides whether money moved.
        "succeeded": {"initiated", "abandoned"},
        "failed": {"initiated", "abandoned"},
        "abandoned": {"initiated"},
        "refund_due": {"initiated", "abandoned"},
    }

    class Meta:
        verbose_name = "پرداخت"
        verbose_name_plural = "پرداخت‌ها"
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(status="succeeded"),
                name="one_successful_payment_per_application",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]  # the abandon sweep

    def __str__(self) -> str:
        return f"{self.authority} ({self.status})"


class SandboxStatus(models.TextChoices):
    PENDING = "pending", "در انتظار پرداخت"
    PAID = "paid", "پرداخت شده"
    FAILED = "failed", "ناموفق"
    CANCELLED = "cancelled", "انصراف"


class SandboxTransaction(models.Model):
    """The sandbox bank's own ledger: what a real gateway would keep on its side."""

    authority = models.CharField(max_length=64, unique=True)
    merchant_id = models.CharField(max_length=64)
    amount_rials = models.PositiveBigIntegerField()
    callback_url = models.CharField(max_length=500)
    description = models.CharField(max_length=255, blank=True)
    status = models.CharField(
        max_length=16, choices=SandboxStatus.choices, default=SandboxStatus.PENDING
    )
    ref_id = models.CharField(max_length=64, blank=True)
    card_pan_masked = models.CharField(max_length=19, blank=True)
    failure_reason = models.CharField(max_length=255, blank=True)
    verified = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "تراکنش درگاه آزمایشی"
        verbose_name_plural = "تراکنش‌های درگاه آزمایشی"

    def __str__(self) -> str:
        return self.authority
