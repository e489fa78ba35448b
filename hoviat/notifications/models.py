from django.db import models


class SmsStatus(models.TextChoices):
    QUEUED = "queued", "در صف"
    SENDING = "sending", "در حال ارسال"
    SENT = "sent", "ارسال‌شده"
    DELIVERED = "delivered", "رسیده"
    FAILED = "failed", "ناموفق"  # gave up after retries, or the provider refused it
    UNDELIVERABLE = "undeliverable", "نرسید"  # the operator says the number cannot be reached


# Tuples, not sets: the figures write them into SQL, in a stable order.
# The outbox is done trying to send these (the figures count them as sent).
SMS_SENT_STATUSES = (SmsStatus.SENT, SmsStatus.DELIVERED, SmsStatus.FAILED, SmsStatus.UNDELIVERABLE)
# The message never reached the phone.
SMS_FAILED_STATUSES = (SmsStatus.FAILED, SmsStatus.UNDELIVERABLE)


class SmsMessage(models.Model):
    """One text message in the outbox; the row is written with the change that causes it."""

    to = models.CharField("گیرنده", max_length=11, db_index=True)
    body = models.TextField("متن")
    kind = models.CharField("نوع", max_length=32)  # otp, booking_confirmed, card_ready, ...
    status = models.CharField(max_length=16, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=64, blank=True, db_index=True)
    last_error = models.CharField(max_length=255, blank=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    TRANSITIONS = {
        "sending": {"queued"},
        "sent": {"sending"},
        "queued": {"sending"},
        "failed": {"sending", "sent"},
        "delivered": {"sent"},
        "undeliverable": {"sent"},
    }

    class Meta:
        verbose_name = "پیامک"
        verbose_name_plural = "پیامک‌ها"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["object_type", "object_id"]),
            # The figures' incremental refresh reads the messages since its last run.
            models.Index(fields=["created_at"], name="sms_created"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.to} ({self.status})"
