import uuid

from django.db import models
from django.db.models import Q


class ApplicationKind(models.TextChoices):
    FIRST = "first", "صدور نخستین کارت"
    REPLACEMENT = "replacement", "صدور کارت المثنی / تعویض"


class ApplicationStatus(models.TextChoices):
    PRE_REGISTERED = "pre_registered", "پیش‌ثبت‌نام شده"
    PAID = "paid", "هزینه پرداخت شده"
    BOOKED = "booked", "نوبت گرفته شده"
    ENROLLED = "enrolled", "ثبت‌نام حضوری انجام شده"
    IN_PRODUCTION = "in_production", "در حال تولید"
    PRODUCED = "produced", "تولید شده"
    SHIPPED = "shipped", "ارسال‌شده به دفتر"
    READY_AT_OFFICE = "ready_at_office", "آماده تحویل در دفتر"
    DELIVERED = "delivered", "تحویل داده شده"
    EXPIRED = "expired", "منقضی شده"
    CANCELLED = "cancelled", "لغو شده"
    REJECTED = "rejected", "رد شده"
    VOIDED = "voided", "باطل شده"


# Status groups: each rule about several statuses is written here once, from the members;
# other modules import them instead of retyping the statuses.
BEFORE_ENROLMENT_STATUSES = frozenset(
    {ApplicationStatus.PRE_REGISTERED, ApplicationStatus.PAID, ApplicationStatus.BOOKED}
)
# Before enrolment the citizen may still change the appointment, office and mobile.
CHANGEABLE_STATUSES = BEFORE_ENROLMENT_STATUSES
# Not yet in production: the application may still be rejected, or a replacement called off.
BEFORE_PRODUCTION_STATUSES = BEFORE_ENROLMENT_STATUSES | {ApplicationStatus.ENROLLED}
# A card is being made for it, is on its way, or waits at the office: not yet in hand.
CARD_UNDER_WAY_STATUSES = frozenset(
    {
        ApplicationStatus.IN_PRODUCTION,
        ApplicationStatus.PRODUCED,
        ApplicationStatus.SHIPPED,
        ApplicationStatus.READY_AT_OFFICE,
    }
)
# Enrolled, the card not yet handed over (the enrolment receipt stands in for it meanwhile).
AWAITING_CARD_STATUSES = CARD_UNDER_WAY_STATUSES | {ApplicationStatus.ENROLLED}
# Every status an application reaches only after its fee was paid.
FEE_PAID_STATUSES = AWAITING_CARD_STATUSES | {
    ApplicationStatus.PAID,
    ApplicationStatus.BOOKED,
    ApplicationStatus.DELIVERED,
}
# The side exits: closed without the card in the holder's hand.
SIDE_EXIT_STATUSES = frozenset(
    {
        ApplicationStatus.EXPIRED,
        ApplicationStatus.CANCELLED,
        ApplicationStatus.REJECTED,
        ApplicationStatus.VOIDED,
    }
)
CLOSED_STATUSES = SIDE_EXIT_STATUSES | {ApplicationStatus.DELIVERED}
OPEN_STATUSES = frozenset(ApplicationStatus) - CLOSED_STATUSES


class Application(models.Model):
    """A citizen's request for a card, from pre-registration to hand-over."""

    tracking_code = models.CharField("کد رهگیری", max_length=12, unique=True)
    # What the citizen's own pages put in their addresses instead of the tracking code: the
    # tracking code with a national code opens the application to anyone, so it never goes
    # into a URL (history, logs, Referer); this random id says nothing about anyone.
    public_id = models.UUIDField("شناسه صفحه", default=uuid.uuid4, unique=True, editable=False)
    citizen = models.ForeignKey(
        "registry.Citizen", on_delete=models.PROTECT, related_name="applications"
    )
    kind = models.CharField("نوع", max_length=16, choices=ApplicationKind.choices)
    status = models.CharField(
        "وضعیت",
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.PRE_REGISTERED,
    )
    fee_rials = models.PositiveBigIntegerField("هزینه (ریال)")
    mobile = models.CharField("تلفن همراه", max_length=11)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    enrolled_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    TRANSITIONS = {
        "paid": {"pre_registered", "booked"},  # from booked: the appointment was cancelled
        "booked": {"paid"},
        "enrolled": {"booked", "in_production"},  # from in_production: failed QC, re-queued
        "in_production": {"enrolled"},
        "produced": {"in_production"},
        "shipped": {"produced"},
        "ready_at_office": {"shipped"},
        "delivered": {"ready_at_office"},
        "expired": {"pre_registered", "paid", "booked"},
        "cancelled": {"pre_registered", "paid", "booked"},
        "rejected": {"pre_registered", "paid", "booked", "enrolled"},
        "voided": {"ready_at_office"},
    }

    class Meta:
        verbose_name = "درخواست کارت"
        verbose_name_plural = "درخواست‌های کارت"
        constraints = [
            # One open application per person, enforced by the database itself.
            models.UniqueConstraint(
                fields=["citizen"],
                condition=Q(status__in=sorted(OPEN_STATUSES)),
                name="one_open_application_per_citizen",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "updated_at"]),
            # The figures' incremental refresh reads the events since its last run.
            models.Index(fields=["created_at"], name="application_created"),
            models.Index(fields=["enrolled_at"], name="application_enrolled"),
        ]

    def __str__(self) -> str:
        return self.tracking_code


class OtpChallenge(models.Model):
    """A one-time sign-in code sent by SMS; only its hash is kept."""

    mobile = models.CharField(max_length=11, db_index=True)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "رمز یک‌بار مصرف"
        verbose_name_plural = "رمزهای یک‌بار مصرف"

    def __str__(self) -> str:
        return f"OTP {self.mobile} {self.created_at:%Y-%m-%d %H:%M}"


class CitizenSession(models.Model):
    """A citizen signed in by OTP: the session proves possession of a mobile number."""

    mobile = models.CharField(max_length=11, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = "نشست شهروند"
        verbose_name_plural = "نشست‌های شهروندان"

    def __str__(self) -> str:
        return f"session {self.mobile}"
