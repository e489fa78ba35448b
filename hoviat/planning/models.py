"""Planning keeps its own tables: promises made to applications and how far they were off."""

from django.conf import settings
from django.db import models


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
