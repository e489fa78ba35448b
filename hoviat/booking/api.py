"""The booking API: offices by free seats, an office's slots, and the citizen's appointment."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from ninja import Field, Query, Router, Schema, Status
from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField

from hoviat.applications.api import citizen_auth
from hoviat.applications.models import Application
from hoviat.applications.selectors import access_application_for_citizen
from hoviat.booking import selectors, services
from hoviat.booking.models import Booking
from hoviat.core.api import Problem
from hoviat.core.audit import Actor
from hoviat.core.errors import ValidationFailed
from hoviat.core.jalali import format_jalali, parse_date, today_local
from hoviat.core.text import fold_digits, persian_digits
from hoviat.offices.models import OfficeKind

router = Router(tags=["booking"])

MAX_RANGE_DAYS = 31


def _int(raw: str | int | None, *, code: str, what: str) -> int | None:
    """An id as people may type it: Persian or Arabic digits, stray spaces."""
    if raw is None or raw == "":
        return None
    text = fold_digits(str(raw)).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise ValidationFailed(f"{what} باید عدد باشد.", code=code)
    return int(text)


def _date(raw: str | None, *, default: dt.date, name: str) -> dt.date:
    if raw is None or not raw.strip():
        return default
    try:
        return parse_date(raw)
    except ValidationFailed as exc:
        exc.extra.setdefault("parameter", name)
        raise


def _kind(raw: str | None) -> str | None:
    if not raw:
        return None
    kind = raw.strip().lower()
    if kind not in OfficeKind.values:
        raise ValidationFailed(
            "نوع دفتر باید یکی از registration، counter یا post باشد.", code="OFFICE_KIND_INVALID"
        )
    return kind


# Lists of many rows use plain pydantic models: ninja's Schema reads every field through a
# Django-aware getter, which for Tehran's 600 offices took longer than the query.
class _Fast(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class OfficeOut(_Fast):
    id: int
    code: str
    name: str
    kind: str
    city_id: int
    city_name: str
    address: str
    phone: str
    free: int = PydanticField(description="free seats on the date, in slots not yet started")
    first_free_at: dt.datetime | None


class OfficeSearchOut(_Fast):
    date: dt.date
    date_jalali: str
    offices: list[OfficeOut]


@router.get(
    "/offices",
    response={200: OfficeSearchOut, 404: Problem},
    summary="Offices of a province or city, most free seats on a date first",
)
def offices(
    request,
    province: str,
    city: str | None = None,
    kind: str | None = Query(None, alias="type"),
    date: str | None = None,
):
    today = today_local()
    day = _date(date, default=today, name="date")
    if not today <= day <= today + dt.timedelta(days=settings.BOOKING_DAYS_AHEAD):
        raise ValidationFailed(
            f"تاریخ باید از امروز تا {persian_digits(settings.BOOKING_DAYS_AHEAD)} روز آینده باشد.",
            code="DATE_OUT_OF_RANGE",
        )
    rows = selectors.offices_by_free_capacity(
        province_code=fold_digits(province).strip(),
        city_id=_int(city, code="CITY_INVALID", what="شناسه شهر"),
        kind=_kind(kind),
        date=day,
    )
    return {"date": day, "date_jalali": format_jalali(day, persian=False), "offices": rows}


class SlotOut(_Fast):
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    date: dt.date
    capacity: int
    free: int


class OfficeSlotsOut(_Fast):
    office_id: int
    office_name: str
    start: dt.date = PydanticField(alias="from")
    end: dt.date = PydanticField(alias="to")
    slots: list[SlotOut]


@router.get(
    "/offices/{office_id}/slots",
    response=OfficeSlotsOut,
    by_alias=True,
    summary="An office's slots with free seats (at most 31 days)",
)
def office_slots(
    request,
    office_id: str,
    start: str | None = Query(None, alias="from"),
    end: str | None = Query(None, alias="to"),
):
    pk = _int(office_id, code="OFFICE_ID_INVALID", what="شناسه دفتر")
    first = _date(start, default=today_local(), name="from")
    last = _date(end, default=first + dt.timedelta(days=6), name="to")
    if last < first:
        raise ValidationFailed(
            "تاریخ پایان نباید پیش از تاریخ آغاز باشد.", code="DATE_RANGE_INVALID"
        )
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise ValidationFailed(
            f"بازه حداکثر {persian_digits(MAX_RANGE_DAYS)} روز است.", code="DATE_RANGE_TOO_LONG"
        )
    office = selectors.office_for_booking(office_id=pk)
    slots = list(
        selectors.slots_of_office(office_id=office.pk, start=first, end=last, office=office)
    )
    return {
        "office_id": office.pk,
        "office_name": office.name,
        "from": first,
        "to": last,
        "slots": slots,
    }


# --- The citizen's appointment ---------------------------------------------------------------


class AppointmentIn(Schema):
    slot_id: int | str = Field(description="Persian or Arabic digits are accepted", examples=[1234])


class AppointmentSlotOut(Schema):
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    date: dt.date


class AppointmentOfficeOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    address: str
    phone: str


class BookingAppointmentOut(Schema):
    tracking_code: str
    application_status: str
    status: str = Field(description="held | booked | released | cancelled")
    hold_expires_at: dt.datetime | None
    slot: AppointmentSlotOut
    office: AppointmentOfficeOut


def _citizen(request, tracking_code: str) -> tuple[Application, Actor]:
    application = access_application_for_citizen(mobile=request.auth, tracking_code=tracking_code)
    return application, Actor("citizen", application.citizen.national_code, "citizen")


def _out(booking: Booking) -> dict:
    booking = Booking.objects.select_related("slot__office", "application").get(pk=booking.pk)
    return {
        "tracking_code": booking.application.tracking_code,
        "application_status": booking.application.status,
        "status": booking.status,
        "hold_expires_at": booking.hold_expires_at,
        "slot": booking.slot,
        "office": booking.slot.office,
    }


def _slot_id(payload: AppointmentIn) -> int:
    slot_id = _int(payload.slot_id, code="SLOT_ID_INVALID", what="شناسه نوبت")
    if slot_id is None:
        raise ValidationFailed("شناسه نوبت را بفرستید.", code="SLOT_ID_INVALID")
    return slot_id


@router.get(
    "/applications/{tracking_code}/appointment",
    response=BookingAppointmentOut,
    auth=citizen_auth,
    summary="The application's current appointment or hold",
)
def appointment(request, tracking_code: str):
    application, _ = _citizen(request, tracking_code)
    booking = selectors.booking_current(application=application)
    if booking is None:
        raise services.AppointmentNotFound()
    return _out(booking)


@router.post(
    "/applications/{tracking_code}/appointment",
    response={201: BookingAppointmentOut},
    auth=citizen_auth,
    summary="Pick a slot: held until payment, or booked at once once paid",
)
def appointment_book(request, tracking_code: str, payload: AppointmentIn):
    application, actor = _citizen(request, tracking_code)
    booking = services.booking_hold(application=application, slot_id=_slot_id(payload), actor=actor)
    return Status(201, _out(booking))


@router.put(
    "/applications/{tracking_code}/appointment",
    response=BookingAppointmentOut,
    auth=citizen_auth,
    summary="Move the appointment to another slot or office",
)
def appointment_reschedule(request, tracking_code: str, payload: AppointmentIn):
    application, actor = _citizen(request, tracking_code)
    booking = services.booking_reschedule(
        application=application, slot_id=_slot_id(payload), actor=actor
    )
    return _out(booking)


@router.delete(
    "/applications/{tracking_code}/appointment",
    response=BookingAppointmentOut,
    auth=citizen_auth,
    summary="Cancel the appointment (the fee stays paid)",
)
def appointment_cancel(request, tracking_code: str):
    application, actor = _citizen(request, tracking_code)
    return _out(services.booking_cancel(application=application, actor=actor))
