from django.db import models
from django.db.models import Q


class ProductionSettings(models.Model):
    """The one row of production settings; locking it also orders the start of runs."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    daily_capacity = models.PositiveIntegerField("ظرفیت روزانه (کارت)")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "تنظیمات تولید"
        verbose_name_plural = "تنظیمات تولید"
        constraints = [
            models.CheckConstraint(name="production_settings_singleton", condition=Q(id=1)),
            models.CheckConstraint(
                name="production_capacity_positive", condition=Q(daily_capacity__gt=0)
            ),
        ]

    def __str__(self) -> str:
        return f"ظرفیت روزانه {self.daily_capacity}"


class LedgerKind(models.TextChoices):
    DELIVERY = "delivery", "تحویل از تأمین‌کننده"
    CONSUMPTION = "consumption", "مصرف در شخصی‌سازی"
    SPOILAGE = "spoilage", "ضایعات کنترل کیفیت"
    ADJUSTMENT = "adjustment", "اصلاح موجودی"


class CardBodyLedger(models.Model):
    """One movement of blank card bodies; the stock is the sum of `quantity`."""

    kind = models.CharField("نوع", max_length=16, choices=LedgerKind.choices)
    lot = models.CharField("شماره محموله", max_length=64, blank=True)
    quantity = models.IntegerField("تعداد")  # signed: deliveries in, consumption out
    run = models.ForeignKey(
        "production.PersonalisationRun",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger",
    )
    actor = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("زمان", db_index=True)
    note = models.CharField("توضیح", max_length=255, blank=True)

    class Meta:
        verbose_name = "گردش بدنه کارت"
        verbose_name_plural = "دفتر بدنه کارت"
        constraints = [
            models.CheckConstraint(
                name="ledger_sign_matches_kind",
                condition=(
                    Q(kind="delivery", quantity__gt=0)
                    | Q(kind__in=["consumption", "spoilage"], quantity__lt=0)
                    | (Q(kind="adjustment") & ~Q(quantity=0))
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity}"


class PriorityClass(models.IntegerChoices):
    DEFECTIVE_REPLACEMENT = 0, "جایگزین کارت معیوب"
    REPLACEMENT = 1, "المثنی / تعویض"
    FIRST = 2, "نخستین کارت"


class QueuePriority(models.Model):
    """A priority set by hand for one application (e.g. its last card was found defective).

    Without a row the application's kind decides (PRODUCTION_KIND_PRIORITY).
    """

    application = models.OneToOneField(
        "applications.Application", on_delete=models.PROTECT, related_name="production_priority"
    )
    priority = models.PositiveSmallIntegerField("اولویت", choices=PriorityClass.choices)
    reason = models.CharField("علت", max_length=255)
    set_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()

    class Meta:
        verbose_name = "اولویت صف تولید"
        verbose_name_plural = "اولویت‌های صف تولید"

    def __str__(self) -> str:
        return f"{self.application_id}: {self.priority}"


class RunStatus(models.TextChoices):
    RUNNING = "running", "در حال اجرا"
    COMPLETED = "completed", "پایان یافته"
    STOPPED = "stopped", "متوقف (کمبود بدنه کارت)"
    FAILED = "failed", "ناموفق"
    INTERRUPTED = "interrupted", "قطع‌شده"


class PersonalisationRun(models.Model):
    """One personalisation run: several a day are allowed, never two at once."""

    date = models.DateField("تاریخ تولید", db_index=True)
    status = models.CharField(
        "وضعیت", max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    requested = models.PositiveIntegerField("سقف این اجرا", default=0)
    personalised = models.PositiveIntegerField("شخصی‌سازی شده", default=0)
    qc_failed = models.PositiveIntegerField("رد در کنترل کیفیت", default=0)
    stop_reason = models.CharField("علت توقف", max_length=255, blank=True)
    # Tracking codes of a run asked for by name; empty: the queue in its order.
    targets = models.JSONField(default=list, blank=True)
    started_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField()
    heartbeat_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    TRANSITIONS = {
        "completed": {"running"},
        "stopped": {"running"},
        "failed": {"running"},
        "interrupted": {"running"},
    }

    class Meta:
        verbose_name = "اجرای شخصی‌سازی"
        verbose_name_plural = "اجراهای شخصی‌سازی"
        constraints = [
            # The last line of defence: at most one run is running, whatever the lock did.
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="running"),
                name="one_running_personalisation_run",
            ),
        ]

    def __str__(self) -> str:
        return f"run {self.pk} {self.date}"


class NumberSequence(models.Model):
    """A gap-free counter (CSN, CRN) advanced in the transaction of the cards it numbers."""

    name = models.CharField(max_length=16, primary_key=True)
    last_value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.last_value}"


class CardStatus(models.TextChoices):
    PERSONALISED = "personalised", "شخصی‌سازی شده"
    QC_FAILED = "qc_failed", "رد در کنترل کیفیت"
    IN_TRANSIT = "in_transit", "در راه دفتر"
    AT_OFFICE = "at_office", "در دفتر"
    ACTIVE = "active", "فعال"
    SUSPENDED = "suspended", "معلق"
    REVOKED = "revoked", "ابطال‌شده"
    EXPIRED = "expired", "منقضی"
    VOIDED = "voided", "باطل (تحویل‌نشده)"
    DESTROYED = "destroyed", "امحا شده"


# In the holder's hand and not ended: the card may be reported lost, expire or be revoked.
LIVE_CARD_STATUSES = frozenset({CardStatus.ACTIVE, CardStatus.SUSPENDED})
# Never collected and gone (voided, then destroyed): with its application voided too, the
# holder may ask for the card again.
REISSUABLE_CARD_STATUSES = frozenset({CardStatus.VOIDED, CardStatus.DESTROYED})


class Card(models.Model):
    """A personalised card body: its numbers, chip, certificates and where it is."""

    csn = models.CharField("شماره سریال کارت", max_length=16, unique=True)
    crn = models.CharField("شماره ثبت کارت", max_length=10, unique=True)
    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="cards"
    )
    status = models.CharField(
        "وضعیت", max_length=16, choices=CardStatus.choices, default=CardStatus.PERSONALISED
    )
    run = models.ForeignKey(PersonalisationRun, on_delete=models.PROTECT, related_name="cards")
    shipment = models.ForeignKey(
        "production.Shipment", null=True, blank=True, on_delete=models.PROTECT, related_name="cards"
    )
    office = models.ForeignKey(
        "offices.Office", on_delete=models.PROTECT, related_name="production_cards"
    )  # the delivering office
    issued_on = models.DateField("تاریخ صدور")
    expires_on = models.DateField("تاریخ انقضا")
    chip_id = models.CharField("شناسه تراشه", max_length=40)
    # X.509 serials run to 20 octets: too wide for a bigint, kept as decimal text.
    auth_cert_serial = models.CharField(max_length=50)
    sign_cert_serial = models.CharField(max_length=50)
    data_object_sha256 = models.CharField(max_length=64)
    # HMAC-SHA256 under a server key: a 4-8 digit PIN under a bare hash is found at once.
    pin_hashes = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    TRANSITIONS = {
        "qc_failed": {"personalised"},
        "in_transit": {"personalised"},
        "at_office": {"in_transit"},
        "active": {"at_office", "suspended"},  # from suspended: a lost card was found
        "suspended": {"active"},
        "revoked": {"active", "suspended"},
        "expired": {"active", "suspended"},
        "voided": {"at_office"},
        "destroyed": {"voided", "qc_failed"},
    }

    class Meta:
        verbose_name = "کارت"
        verbose_name_plural = "کارت‌ها"
        constraints = [
            # One good card per application in production; spoiled ones do not count.
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status__in=[CardStatus.PERSONALISED, CardStatus.IN_TRANSIT]),
                name="one_card_in_production_per_application",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "office"]),
            # The expiry sweep: active or suspended cards past a date, without a scan.
            models.Index(fields=["status", "expires_on"], name="card_status_expiry"),
        ]

    def __str__(self) -> str:
        return self.csn


class ShipmentStatus(models.TextChoices):
    PACKED = "packed", "آماده ارسال"
    DISPATCHED = "dispatched", "ارسال شده"
    RECEIVED = "received", "دریافت‌شده در دفتر"


class Shipment(models.Model):
    """Produced cards bound for one delivering office."""

    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="shipments")
    status = models.CharField(
        "وضعیت", max_length=16, choices=ShipmentStatus.choices, default=ShipmentStatus.PACKED
    )
    created_at = models.DateTimeField()
    dispatched_at = models.DateTimeField(null=True, blank=True)
    dispatched_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    TRANSITIONS = {"dispatched": {"packed"}, "received": {"dispatched"}}

    class Meta:
        verbose_name = "محموله"
        verbose_name_plural = "محموله‌ها"
        constraints = [
            # New cards for an office join its packed shipment rather than open another.
            models.UniqueConstraint(
                fields=["office"],
                condition=Q(status="packed"),
                name="one_packed_shipment_per_office",
            ),
        ]

    def __str__(self) -> str:
        return f"shipment {self.pk}"


class OrderStatus(models.TextChoices):
    ORDERED = "ordered", "در راه"
    ARRIVED = "arrived", "رسیده"
    CANCELLED = "cancelled", "لغوشده"


class CardBodyOrder(models.Model):
    """Card bodies ordered from the supplier and expected on a day: not yet stock. Marked
    arrived, it becomes a delivery in the ledger (`receipt`); cancelled, it is nothing."""

    quantity = models.PositiveIntegerField("تعداد")
    expected_on = models.DateField("تاریخ تحویل پیش‌بینی‌شده", db_index=True)
    supplier_ref = models.CharField("شمارهٔ سفارش تأمین‌کننده", max_length=64)
    status = models.CharField(
        "وضعیت", max_length=16, choices=OrderStatus.choices, default=OrderStatus.ORDERED
    )
    receipt = models.OneToOneField(
        CardBodyLedger,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="order",
    )
    placed_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField()
    closed_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    TRANSITIONS = {"arrived": {"ordered"}, "cancelled": {"ordered"}}

    class Meta:
        verbose_name = "سفارش بدنه کارت"
        verbose_name_plural = "سفارش‌های بدنه کارت"
        constraints = [
            models.CheckConstraint(
                name="card_body_order_quantity_positive", condition=Q(quantity__gt=0)
            ),
        ]

    def __str__(self) -> str:
        return f"order {self.supplier_ref} {self.quantity}"
