from django.db import models
from django.db.models import F, Q


class Slot(models.Model):
    """A bookable time at an office; `taken` counts held and booked seats."""

    office = models.ForeignKey("offices.Office", on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField("آغاز")
    ends_at = models.DateTimeField("پایان")
    date = models.DateField("روز")  # local (Tehran) date of starts_at, for per-day queries
    capacity = models.PositiveSmallIntegerField("ظرفیت")
    taken = models.PositiveSmallIntegerField("پرشده", default=0)

    class Meta:
        verbose_name = "نوبت"
        verbose_name_plural = "نوبت‌ها"
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["office", "starts_at"], name="slot_unique_start"),
            # The last line of defence against overbooking: the database refuses it.
            models.CheckConstraint(
                name="slot_not_overbooked", condition=Q(taken__lte=F("capacity"))
            ),
        ]
        indexes = [models.Index(fields=["office", "date"]), models.Index(fields=["date"])]

    def __str__(self) -> str:
        return f"{self.office_id} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def free(self) -> int:
        return self.capacity - self.taken


class BookingStatus(models.TextChoices):
    HELD = "held", "رزرو موقت"
    BOOKED = "booked", "قطعی"
    RELEASED = "released", "آزاد شده"  # a hold that lapsed or was given up
    CANCELLED = "cancelled", "لغو شده"
    MOVED = "moved", "جابه‌جا شده"  # replaced by a rescheduled booking
    ATTENDED = "attended", "مراجعه کرده"
    MISSED = "missed", "مراجعه نکرده"


# A seat counts against the slot while it is held or booked.
SEAT_HOLDING = (BookingStatus.HELD, BookingStatus.BOOKED)


class Booking(models.Model):
    """An application's seat in a slot: held until payment, then booked."""

    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="bookings"
    )
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings")
    status = models.CharField(max_length=16, choices=BookingStatus.choices)
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    TRANSITIONS = {
        "booked": {"held"},
        "released": {"held"},
        "cancelled": {"booked"},
        "moved": {"held", "booked"},
        "attended": {"booked"},
        "missed": {"booked"},
    }

    class Meta:
        verbose_name = "رزرو نوبت"
        verbose_name_plural = "رزروهای نوبت"
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status__in=SEAT_HOLDING),
                name="one_seat_per_application",
            ),
        ]
        indexes = [models.Index(fields=["status", "hold_expires_at"])]

    def __str__(self) -> str:
        return f"{self.application_id} @ {self.slot_id} ({self.status})"
