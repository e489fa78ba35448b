import datetime as dt

from django.db import models


class OfficeKind(models.TextChoices):
    REGISTRATION = "registration", "اداره ثبت احوال"
    COUNTER = "counter", "دفتر پیشخوان دولت"
    POST = "post", "اداره پست"


class Office(models.Model):
    kind = models.CharField("نوع", max_length=16, choices=OfficeKind.choices)
    name = models.CharField("نام", max_length=128)
    code = models.CharField("کد دفتر", max_length=16, unique=True)
    city = models.ForeignKey("places.City", on_delete=models.PROTECT, related_name="offices")
    address = models.CharField("نشانی", max_length=255)
    phone = models.CharField("تلفن", max_length=20, blank=True)
    opens_at = models.TimeField("آغاز کار", default=dt.time(7, 30))
    closes_at = models.TimeField("پایان کار", default=dt.time(14, 30))
    thursday_closes_at = models.TimeField("پایان کار پنجشنبه", default=dt.time(12, 0))
    slot_minutes = models.PositiveSmallIntegerField("طول هر نوبت (دقیقه)", default=15)
    capacity_per_slot = models.PositiveSmallIntegerField("ظرفیت هر نوبت", default=2)
    hands_over_cards = models.BooleanField("تحویل کارت", default=True)
    is_active = models.BooleanField("فعال", default=True)
    # The demo's office (`hoviat demo`): open every day of the year, around the clock, so the
    # README's journey can be walked at any hour. Its hours fields are not read.
    always_open = models.BooleanField(
        "شبانه‌روزی (نمایشی)",
        default=False,
        help_text="فقط برای دفتر نمایشی: هر روز، حتی جمعه و تعطیل رسمی، ۲۴ ساعته نوبت دارد.",
    )

    class Meta:
        verbose_name = "دفتر"
        verbose_name_plural = "دفاتر"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="office_hours_order", condition=models.Q(opens_at__lt=models.F("closes_at"))
            ),
            models.CheckConstraint(
                name="office_slot_positive", condition=models.Q(slot_minutes__gt=0)
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Holiday(models.Model):
    """An official holiday, stored Gregorian; loaded from Jalali data."""

    date = models.DateField("تاریخ", unique=True)
    title = models.CharField("مناسبت", max_length=128)

    class Meta:
        verbose_name = "تعطیل رسمی"
        verbose_name_plural = "تعطیلات رسمی"
        ordering = ["date"]

    def __str__(self) -> str:
        return self.title


class OfficeClosure(models.Model):
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField("تاریخ")
    reason = models.CharField("علت", max_length=255)

    class Meta:
        verbose_name = "تعطیلی دفتر"
        verbose_name_plural = "تعطیلی‌های دفتر"
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["office", "date"], name="closure_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.office} {self.date}"
