"""Planning keeps its own tables: promises made to applications and how far they were off."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class PredictionPoint(models.TextChoices):
    # The values are the engine's POINTS (hoviat/planning/engine/promise.py).
    BOOKING = "booking", "هنگام گرفتن نوبت"
    ENROLMENT = "enrolment", "هنگام ثبت‌نام حضوری"
    PRODUCTION_START = "production_start", "هنگام آغاز تولید"


class CardPromise(models.Model):
    """The card-ready date promised to an application at one prediction point, as made: the
    accuracy of item 2 is measured against these rows, so they are never changed."""

    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="card_promises"
    )
    point = models.CharField("نقطهٔ پیش‌بینی", max_length=20, choices=PredictionPoint.choices)
    date = models.DateField("تاریخ وعده")
    earliest = models.DateField("زودترین")
    latest = models.DateField("دیرترین")
    model_version = models.CharField("نسخهٔ مدل", max_length=32)
    made_at = models.DateTimeField("زمان وعده")
    # Where the card goes (the appointment's or enrolment's office), for figures by province.
    province = models.ForeignKey(
        "places.Province", null=True, on_delete=models.PROTECT, related_name="+"
    )
    basis = models.JSONField("مبنا", default=dict)

    class Meta:
        verbose_name = "وعدهٔ کارت"
        verbose_name_plural = "وعده‌های کارت"
        constraints = [
            # One promise per point: a card re-queued after QC keeps the promise it was given.
            models.UniqueConstraint(fields=["application", "point"], name="one_promise_per_point"),
            models.CheckConstraint(
                name="promise_interval_holds_date",
                condition=Q(earliest__lte=models.F("date")) & Q(date__lte=models.F("latest")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.point} {self.date}"


class CardForecast(models.Model):
    """What the citizen is shown now (re-forecast daily) and what they were last told, so a
    slip is announced once by SMS, not every day."""

    application = models.OneToOneField(
        "applications.Application", on_delete=models.PROTECT, related_name="card_forecast"
    )
    point = models.CharField("آخرین نقطهٔ پیش‌بینی", max_length=20, choices=PredictionPoint.choices)
    date = models.DateField("تاریخ پیش‌بینی")
    earliest = models.DateField("زودترین")
    latest = models.DateField("دیرترین")
    model_version = models.CharField("نسخهٔ مدل", max_length=32)
    made_at = models.DateTimeField("زمان پیش‌بینی")
    # The day the sweep last re-forecast this row: the daily sweep claims rows by moving it.
    forecast_on = models.DateField("روز آخرین بازبینی", db_index=True)
    # The date the citizen was last told (the promise made at a point, or the last slip SMS).
    told_date = models.DateField("تاریخ گفته‌شده به شهروند")
    slips_told = models.PositiveSmallIntegerField("پیامک‌های تأخیر", default=0)
    # Closed once the card is ready (or the application closed): nothing more to forecast.
    closed = models.BooleanField(default=False)

    class Meta:
        verbose_name = "پیش‌بینی جاری کارت"
        verbose_name_plural = "پیش‌بینی‌های جاری کارت"
        indexes = [
            models.Index(
                fields=["forecast_on"], condition=Q(closed=False), name="forecast_open_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.date}"


class PromiseOutcome(models.Model):
    """How far one promise was off, recorded the night its card became ready."""

    promise = models.OneToOneField(CardPromise, on_delete=models.PROTECT, related_name="outcome")
    point = models.CharField(max_length=20, choices=PredictionPoint.choices)
    province = models.ForeignKey(
        "places.Province", null=True, on_delete=models.PROTECT, related_name="+"
    )
    ready_on = models.DateField("روز آماده‌شدن", db_index=True)
    error_days = models.IntegerField("خطا (روز؛ مثبت: دیرتر از وعده)")
    within_interval = models.BooleanField("درون بازهٔ ۹ از ۱۰")
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = "نتیجهٔ وعده"
        verbose_name_plural = "نتیجه‌های وعده"
        indexes = [models.Index(fields=["province", "ready_on"], name="outcome_province_ready")]

    def __str__(self) -> str:
        return f"{self.promise_id} {self.error_days:+d}"


# Plans and what-if runs (engine side)
class PlanRun(models.Model):
    """One run of the capacity-plan search or of a director's what-if, done in the background.

    `inputs` holds what was asked (the plan's levers, the target, scale, seed); `result` the
    twin's figures the plan page charts (months, weeks, the plan found). `progress` (0–1) moves
    while it runs, for the page's progress bar.
    """

    class Kind(models.TextChoices):
        PLAN = "plan", "یافتن برنامهٔ ظرفیت"
        WHATIF = "whatif", "اگر چنین شود"

    class Status(models.TextChoices):
        QUEUED = "queued", "در نوبت"
        RUNNING = "running", "در حال اجرا"
        DONE = "done", "انجام شد"
        FAILED = "failed", "ناموفق"

    TRANSITIONS = {
        Status.RUNNING: (Status.QUEUED,),
        Status.DONE: (Status.RUNNING,),
        Status.FAILED: (Status.QUEUED, Status.RUNNING),
    }

    kind = models.CharField("نوع", max_length=8, choices=Kind.choices)
    status = models.CharField("وضعیت", max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField("پیشرفت", default=0.0)
    inputs = models.JSONField("ورودی‌ها", default=dict)
    result = models.JSONField("نتیجه", null=True, blank=True)
    error = models.TextField("خطا", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="درخواست‌کننده",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("زمان درخواست", auto_now_add=True)
    finished_at = models.DateTimeField("زمان پایان", null=True, blank=True)

    class Meta:
        verbose_name = "اجرای برنامه‌ریزی ظرفیت"
        verbose_name_plural = "اجراهای برنامه‌ریزی ظرفیت"
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"
