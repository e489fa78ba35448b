"""The citizen's booking page: pick a province, city, kind and date; offices by free seats;
then a time at the chosen office."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from hoviat.applications.models import CHANGEABLE_STATUSES, ApplicationStatus
from hoviat.applications.selectors import access_application_for_citizen
from hoviat.applications.views import citizen_required
from hoviat.booking import selectors, services
from hoviat.booking.models import BookingStatus
from hoviat.core.audit import Actor
from hoviat.core.errors import DomainError
from hoviat.core.jalali import format_jalali, parse_date
from hoviat.offices.models import OfficeKind
from hoviat.places.models import Province

DAYS_TO_LOOK_AHEAD = 14


def _application(request, public_id: uuid.UUID):
    return access_application_for_citizen(mobile=request.citizen_mobile, public_id=public_id)


@citizen_required
def choose(request, public_id: uuid.UUID):
    try:
        application = _application(request, public_id)
    except DomainError as exc:
        return render(request, "applications/error.html", {"detail": exc.detail}, status=404)
    error, error_field = "", ""
    today = timezone.localdate()
    province = request.GET.get("province") or application.citizen.residence_province.code
    kind = request.GET.get("kind") or ""
    try:
        day = parse_date(request.GET["date"]) if request.GET.get("date") else today
    except DomainError as exc:
        error, error_field, day = exc.detail, "date", today
    if day < today:
        error, error_field, day = "تاریخ گذشته را نمی‌توان انتخاب کرد.", "date", today
    offices, slots, office, calendar, chosen = [], [], None, [], None
    try:
        offices = selectors.offices_by_free_capacity(
            province_code=province, kind=kind or None, date=day
        )
        if not request.GET.get("date"):
            # Nothing free today (late, or a holiday): offer the first day that has room.
            for _ in range(DAYS_TO_LOOK_AHEAD):
                if any(o.free for o in offices):
                    break
                day += dt.timedelta(days=1)
                offices = selectors.offices_by_free_capacity(
                    province_code=province, kind=kind or None, date=day
                )
        if request.GET.get("office"):
            office = selectors.office_for_booking(office_id=int(request.GET["office"]))
            slots = list(
                selectors.slots_of_office(office_id=office.pk, start=day, end=day, office=office)
            )
            calendar = selectors.office_free_days(
                office_id=office.pk, start=today, days=DAYS_TO_LOOK_AHEAD, office=office
            )
            # A time picked: shown for checking before the seat is taken (check your answers).
            picked = request.GET.get("slot", "")
            chosen = next((s for s in slots if str(s["id"]) == picked and s["free"] > 0), None)
    except (DomainError, ValueError) as exc:
        error = getattr(exc, "detail", "دفتر انتخاب‌شده معتبر نیست.")
    return render(
        request,
        "booking/choose.html",
        {
            "application": application,
            "offices": offices,
            "office": office,
            "slots": slots,
            "provinces": Province.objects.order_by("name_fa"),
            "province": province,
            "kinds": OfficeKind.choices,
            "kind": kind,
            "day": day,
            "day_text": format_jalali(day),
            "error": error,
            "error_field": error_field,
            "calendar": calendar,
            "chosen": chosen,
            "hold_minutes": settings.BOOKING_HOLD_MINUTES,
            "current": selectors.booking_current(application=application),
            "bookable": application.status in CHANGEABLE_STATUSES,
        },
    )


@require_POST
@citizen_required
def book(request, public_id: uuid.UUID):
    try:
        application = _application(request, public_id)
        actor = Actor("citizen", application.citizen.national_code, "citizen")
        slot_id = int(request.POST.get("slot_id", "0"))
        if application.status == ApplicationStatus.BOOKED:
            services.booking_reschedule(application=application, slot_id=slot_id, actor=actor)
            messages.success(request, "نوبت شما تغییر کرد.")
        else:
            booking = services.booking_hold(application=application, slot_id=slot_id, actor=actor)
            if booking.status == BookingStatus.HELD:
                messages.info(
                    request,
                    "نوبت برای شما نگه داشته شد؛ تا ۱۰ دقیقه هزینه را پرداخت کنید تا قطعی شود.",
                )
            else:
                messages.success(request, "نوبت شما قطعی شد.")
    except (DomainError, ValueError) as exc:
        messages.error(request, getattr(exc, "detail", "نوبت انتخاب‌شده معتبر نیست."))
        return redirect(request.META.get("HTTP_REFERER") or "citizen:home")
    return redirect("citizen:application", public_id=application.public_id)


@require_POST
@citizen_required
def cancel(request, public_id: uuid.UUID):
    try:
        application = _application(request, public_id)
        services.booking_cancel(
            application=application,
            actor=Actor("citizen", application.citizen.national_code, "citizen"),
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, "نوبت لغو شد. هر زمان خواستید نوبت تازه بگیرید.")
    return redirect("citizen:application", public_id=public_id)
