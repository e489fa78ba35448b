"""Delivery: cards received at offices, handed over, left uncollected, lost, expired; and the
validity policies (extensions, the paper card's cut-off) that inquiries and pages follow."""

from django.db import models
from django.db.models import Q


class ShipmentReceipt(models.Model):
    """One receiving of a shipment at its office: what the manifest said and what was scanned."""

    shipment = models.OneToOneField(
        "production.Shipment", on_delete=models.PROTECT, related_name="receipt"
    )
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="+")
    received_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField("زمان دریافت")
    expected = models.PositiveIntegerField("تعداد در فهرست")
    received = models.PositiveIntegerField("تعداد دریافت‌شده")
    # Serials in the manifest that were not scanned, and scanned serials not in the manifest.
    missing = models.JSONField(default=list, blank=True)
    unexpected = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = "دریافت محموله"
        verbose_name_plural = "دریافت محموله‌ها"

    def __str__(self) -> str:
        return f"receipt of shipment {self.shipment_id}"


class Collection(models.Model):
    """A card waiting at its office for its holder: notices, reminders and the hold deadline.

    One row per card that reached an office; the sweeps work on this narrow, indexed table
    instead of scanning cards.
    """

    card = models.OneToOneField(
        "production.Card", on_delete=models.PROTECT, related_name="collection"
    )
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="+")
    arrived_at = models.DateTimeField("رسیدن به دفتر")
    hold_until = models.DateField("مهلت تحویل", db_index=True)
    reminders_sent = models.PositiveSmallIntegerField("یادآوری‌های فرستاده", default=0)
    next_reminder_on = models.DateField("یادآوری بعدی", null=True, blank=True)
    last_sms = models.ForeignKey(
        "notifications.SmsMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    collected_at = models.DateTimeField("تحویل", null=True, blank=True)
    voided_at = models.DateTimeField("ابطال", null=True, blank=True)

    class Meta:
        verbose_name = "کارت در انتظار تحویل"
        verbose_name_plural = "کارت‌های در انتظار تحویل"
        indexes = [
            models.Index(
                fields=["hold_until"],
                condition=Q(collected_at__isnull=True, voided_at__isnull=True),
                name="collection_open_hold",
            ),
            models.Index(
                fields=["next_reminder_on"],
                condition=Q(collected_at__isnull=True, voided_at__isnull=True),
                name="collection_open_reminder",
            ),
            # The figures' incremental refresh reads the events since its last run.
            models.Index(fields=["arrived_at"], name="collection_arrived"),
            models.Index(fields=["collected_at"], name="collection_collected"),
            models.Index(fields=["voided_at"], name="collection_voided"),
        ]

    def __str__(self) -> str:
        return f"collection of card {self.card_id}"


class VerificationMethod(models.TextChoices):
    TRACKING_CODE = "tracking_code", "کد رهگیری"
    RECEIPT_QR = "receipt_qr", "رمزینه رسید"


class Handover(models.Model):
    """The card placed in its holder's hand: who checked what."""

    card = models.OneToOneField(
        "production.Card", on_delete=models.PROTECT, related_name="handover"
    )
    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="+"
    )
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="+")
    operator = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    handed_over_at = models.DateTimeField("زمان تحویل", db_index=True)
    verification = models.CharField(max_length=16, choices=VerificationMethod.choices)
    fingerprint_position = models.PositiveSmallIntegerField()
    fingerprint_score = models.PositiveSmallIntegerField()
    # What this hand-over invalidated: earlier smart cards (CSNs) and old paper cards.
    invalidated_cards = models.JSONField(default=list, blank=True)
    invalidated_old_cards = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = "تحویل کارت"
        verbose_name_plural = "تحویل‌های کارت"

    def __str__(self) -> str:
        return f"handover of card {self.card_id}"


class HandoverAttempt(models.Model):
    """A refused hand-over (wrong person, wrong fingerprint): counted to stop guessing."""

    card = models.ForeignKey("production.Card", on_delete=models.PROTECT, related_name="+")
    operator = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(db_index=True)
    reason = models.CharField(max_length=32)

    class Meta:
        verbose_name = "تلاش ناموفق تحویل"
        verbose_name_plural = "تلاش‌های ناموفق تحویل"

    def __str__(self) -> str:
        return f"refused handover of card {self.card_id}: {self.reason}"


class LossKind(models.TextChoices):
    LOST = "lost", "مفقود"
    STOLEN = "stolen", "سرقت‌شده"


class LossChannel(models.TextChoices):
    CITIZEN = "citizen", "شهروند (برخط)"
    OFFICE = "office", "دفتر"


class LossReport(models.Model):
    """A card reported lost or stolen; a found lost card may be restored within a window."""

    card = models.ForeignKey(
        "production.Card", on_delete=models.PROTECT, related_name="loss_reports"
    )
    kind = models.CharField("نوع", max_length=8, choices=LossKind.choices)
    channel = models.CharField("از طریق", max_length=8, choices=LossChannel.choices)
    reported_at = models.DateTimeField("زمان گزارش", db_index=True)
    reported_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reporter_mobile = models.CharField(max_length=11, blank=True)
    replacement = models.OneToOneField(
        "applications.Application",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="loss_report",
    )
    found_at = models.DateTimeField("پیدا شد", null=True, blank=True)
    found_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "گزارش مفقودی یا سرقت"
        verbose_name_plural = "گزارش‌های مفقودی و سرقت"
        constraints = [
            models.UniqueConstraint(
                fields=["card"], condition=Q(found_at__isnull=True), name="one_open_loss_per_card"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} card {self.card_id}"


class Destruction(models.Model):
    """The record that a voided (uncollected) or spoiled card body was destroyed."""

    card = models.OneToOneField(
        "production.Card", on_delete=models.PROTECT, related_name="destruction"
    )
    destroyed_at = models.DateTimeField("زمان امحا")
    reason = models.CharField("علت", max_length=64)
    destroyed_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "صورت‌جلسه امحا"
        verbose_name_plural = "صورت‌جلسه‌های امحا"

    def __str__(self) -> str:
        return f"destruction of card {self.card_id}"


class ValidityExtension(models.Model):
    """A decision such as «cards expiring before X are valid until Y», in force from a date."""

    expiring_before = models.DateField("کارت‌هایی که پیش از این تاریخ منقضی می‌شوند")
    valid_until = models.DateField("معتبر تا")
    effective_from = models.DateField("از تاریخ")
    reference = models.CharField("مصوبه", max_length=255)
    created_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "تمدید اعتبار کارت"
        verbose_name_plural = "تمدیدهای اعتبار کارت"
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("expiring_before")),
                name="extension_extends",
            )
        ]

    def __str__(self) -> str:
        return f"< {self.expiring_before} → {self.valid_until}"


class PaperCardCutoff(models.Model):
    """From `effective_from`, old paper cards are accepted only until `accepted_until`."""

    accepted_until = models.DateField("کارت قدیمی پذیرفته تا")
    effective_from = models.DateField("از تاریخ")
    reference = models.CharField("مصوبه", max_length=255)
    created_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "مهلت پذیرش کارت قدیمی"
        verbose_name_plural = "مهلت‌های پذیرش کارت قدیمی"

    def __str__(self) -> str:
        return f"paper cards until {self.accepted_until}"
