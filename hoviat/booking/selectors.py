"""Reads of booking: offices by free seats on a day, an office's slots, an appointment."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Case,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from hoviat.applications.models import Application
from hoviat.booking.models import SEAT_HOLDING, Booking, Slot
from hoviat.core.errors import NotFound
from hoviat.offices.models import Holiday, Office, OfficeClosure
from hoviat.offices.selectors import closure_dates, holiday_dates
from hoviat.places.models import Province


@dataclass(frozen=True)
class OfficeFree:
    id: int
    code: str
    name: str
    kind: str
    city_id: int
    city_name: str
    address: str
    phone: str
    free: int  # seats still free that day, in slots that have not started
    first_free_at: dt.datetime | None
    always_open: bool = False  # the demo's round-the-clock office


def offices_by_free_capacity(
    *, province_code: str, city_id: int | None = None, kind: str | None = None, date: dt.date
) -> list[OfficeFree]:
    """Active offices of a province (or city), most free seats on `date` first; one query.

    An office closed that day (a holiday, or a closure added after its slots were made) has
    no free seat, whatever its slots say.
    """
    now = timezone.now()
    offices = Office.objects.filter(is_active=True, city__province__code=province_code.upper())
    if city_id is not None:
        offices = offices.filter(city_id=city_id)
    if kind:
        offices = offices.filter(kind=kind)
    # The day's condition goes into the JOIN (not a WHERE), so offices without a slot that
    # day are kept, and only that day's rows of the slot index are read.
    day = FilteredRelation("slots", condition=Q(slots__date=date, slots__starts_at__gt=now))
    # An always-open office (the demo's) works on holidays too; a closure of its own shuts it.
    closed = Exists(OfficeClosure.objects.filter(office=OuterRef("pk"), date=date)) | (
        Exists(Holiday.objects.filter(date=date)) & Q(always_open=False)
    )
    rows = (
        offices.annotate(day=day)
        .annotate(
            free=Case(
                When(closed, then=Value(0)),
                default=Coalesce(Sum(F("day__capacity") - F("day__taken")), 0),
                output_field=IntegerField(),
            ),
            first_free_at=Case(
                When(closed, then=Value(None)),
                default=Min("day__starts_at", filter=Q(day__taken__lt=F("day__capacity"))),
            ),
        )
        .order_by("-free", "first_free_at", "name", "pk")
        .values_list(
            "pk",
            "code",
            "name",
            "kind",
            "city_id",
            "city__name_fa",
            "address",
            "phone",
            "free",
            "first_free_at",
            "always_open",
        )
    )
    result = [OfficeFree(*row) for row in rows]
    if not result and not Province.objects.filter(code=province_code.upper()).exists():
        raise NotFound(f"استانی با کد «{province_code}» وجود ندارد.", code="PROVINCE_NOT_FOUND")
    return result


def office_for_booking(*, office_id: int) -> Office:
    """An active office, as a citizen may book at it."""
    office = Office.objects.filter(pk=office_id, is_active=True).select_related("city").first()
    if office is None:
        raise NotFound("دفتری با این شناسه یافت نشد.", code="OFFICE_NOT_FOUND")
    return office


def slots_of_office(
    *, office_id: int, start: dt.date, end: dt.date, office: Office | None = None
) -> QuerySet:
    """The office's slots from start to end (inclusive) still ahead, as dicts with `free`.

    Days the office turned out to be closed on (a holiday or closure added after the slots
    were made) are left out. `office`, when the caller has already read it, saves a query.
    """
    if office is None or office.pk != office_id:
        office = office_for_booking(office_id=office_id)
    closed = closure_dates(office=office, start=start, end=end)
    if not office.always_open:  # the demo's round-the-clock office works on holidays too
        closed |= holiday_dates(start=start, end=end)
    return (
        Slot.objects.filter(
            office_id=office.pk, date__range=(start, end), starts_at__gt=timezone.now()
        )
        .exclude(date__in=closed)
        .order_by("starts_at")
        .values("id", "starts_at", "ends_at", "date", "capacity", free=F("capacity") - F("taken"))
    )


def office_free_days(
    *, office_id: int, start: dt.date, days: int, office: Office | None = None
) -> list[dict]:
    """The office's working days from start, `days` long, each {"date", "free"}: the calendar
    of the booking page (a full day is listed with free 0; a closed day not at all)."""
    totals: dict[dt.date, int] = {}
    for slot in slots_of_office(
        office_id=office_id, start=start, end=start + dt.timedelta(days=days - 1), office=office
    ):
        totals[slot["date"]] = totals.get(slot["date"], 0) + max(0, slot["free"])
    return [{"date": day, "free": free} for day, free in sorted(totals.items())]


def booking_current(*, application: Application) -> Booking | None:
    """The application's held or booked seat, with its slot and office, or None."""
    return (
        Booking.objects.select_related("slot__office")
        .filter(application_id=application.pk, status__in=SEAT_HOLDING)
        .first()
    )
