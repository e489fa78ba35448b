"""Self-service keeps its own tables (complaints, a citizen's contact details); the card lock
is the inquiry app's state."""

from __future__ import annotations

from django.conf import settings
from django.db import models

TEXT_MAX_CHARS = 2000
ANSWER_MAX_CHARS = 2000


class GrievanceStatus(models.TextChoices):
    OPEN = "open", "در انتظار پاسخ"
    ANSWERED = "answered", "پاسخ داده شد"


class AboutKind(models.TextChoices):
    """What a complaint is about: an event of the citizen's own history, or nothing given."""

    NONE = "", "بدون رویداد"
    INQUIRY = "inquiry", "استعلامی که انتظارش را نداشتم"
    SMS = "sms", "پیامکی که نرسید"
    APPLICATION = "application", "درخواست کارت (کارتی که دیر شد)"
    CARD = "card", "کارت ملی"


class Grievance(models.Model):
    """A citizen's complaint: a tracking number nobody can guess, the office or province it
    concerns, a due date, and the staff's answer."""

    # Random with a check digit (codes.grievance_number_new), never the row id: a number
    # read off an SMS must not lead to the neighbouring complaints.
    number = models.CharField("شماره پیگیری", max_length=12, unique=True)
    citizen = models.ForeignKey(
        "registry.Citizen", on_delete=models.PROTECT, related_name="grievances"
    )
    # The signed-in mobile that filed it: the answer's SMS goes there.
    mobile = models.CharField("تلفن همراه", max_length=11)
    about_kind = models.CharField(
        "دربارهٔ", max_length=16, choices=AboutKind.choices, blank=True, default=""
    )
    about_ref = models.CharField("رویداد", max_length=64, blank=True, default="")
    text = models.TextField("متن شکایت", max_length=TEXT_MAX_CHARS)
    office = models.ForeignKey(
        "offices.Office",
        verbose_name="دفتر",
        on_delete=models.PROTECT,
        related_name="grievances",
        null=True,
        blank=True,
    )
    province = models.ForeignKey(
        "places.Province", verbose_name="استان", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "وضعیت", max_length=16, choices=GrievanceStatus.choices, default=GrievanceStatus.OPEN
    )
    due_on = models.DateField("مهلت پاسخ")
    answer = models.TextField("پاسخ", max_length=ANSWER_MAX_CHARS, blank=True, default="")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    TRANSITIONS = {"answered": {"open"}}

    class Meta:
        verbose_name = "شکایت"
        verbose_name_plural = "شکایت‌ها"
        indexes = [
            models.Index(fields=["province", "status", "due_on"]),
            models.Index(fields=["office", "status", "due_on"]),
            models.Index(fields=["citizen", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"شکایت {self.number}"


class ContactDetails(models.Model):
    """What a citizen told us here: the mobile their messages go to (proven by codes to the
    old and the new number, and owned by their national code) and their residence county, for
    suggesting offices near them. The registry's own records are the registry's."""

    citizen = models.OneToOneField(
        "registry.Citizen", on_delete=models.PROTECT, related_name="contact_details"
    )
    mobile = models.CharField("تلفن همراه", max_length=11, blank=True, default="")
    residence_county = models.ForeignKey(
        "places.County",
        verbose_name="شهرستان محل سکونت",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "اطلاعات تماس"
        verbose_name_plural = "اطلاعات تماس شهروندان"

    def __str__(self) -> str:
        return f"اطلاعات تماس {self.citizen_id}"
