"""Delivery pages: the office's incoming shipments and receiving, cards waiting with their
notices, the hand-over counter; and the citizen's page to move the card-ready SMS to a new mobile.

The hand-over counter is three pages: the operator's desk (the card, the holder's data beside
their enrolment photo, the identity and finger checks), the holder's PIN pad (citizen-facing:
the desk's second screen, or the real pad through DELIVERY_PIN_PAD), and the printable slip.
The identity check waits between the first two in the operator's session, never with a PIN."""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from hoviat.core import permissions
from hoviat.core.errors import DomainError, NotFound, ValidationFailed
from hoviat.core.jalali import today_local
from hoviat.core.national_code import parse_national_code
from hoviat.core.ratelimit import rate_limit_hit
from hoviat.delivery import devices, pinpad, selectors, services
from hoviat.delivery.models import Handover
from hoviat.enrolment import services as enrolment_services
from hoviat.enrolment.devices import MissingFinger, SimulatorDevice
from hoviat.enrolment.models import FingerPosition
from hoviat.production.models import Card

FINGER_LABELS = dict(FingerPosition.choices)
# The operator's session keeps the identity check between the desk and the pad.
CHECK_SESSION_KEY = "delivery_handover_check"


def operator_required(view):
    """Signed-in operators of an office; anyone else sees a clear refusal."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not permissions.is_office_operator(request.user):
            return render(request, "delivery/forbidden.html", status=403)
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            return render(request, "delivery/not_found.html", {"detail": exc.detail}, status=404)

    return wrapper


def _simulator_enabled() -> bool:
    return settings.ENROLMENT_SIMULATOR_ENABLED


@operator_required
@require_GET
def home(request):
    office = request.user.office
    today = today_local()
    counts = selectors.waiting_counts_at(office_id=office.pk, today=today)
    return render(
        request,
        "delivery/home.html",
        {
            "office": office,
            "day": today,
            "active": "home",
            "shipments": selectors.shipments_incoming_to(office_id=office.pk),
            "counts": counts,
            "handovers": selectors.handovers_recent_at(office_id=office.pk, limit=10),
        },
    )


@operator_required
@require_http_methods(["GET", "POST"])
def receive(request, shipment_id: int):
    shipment = selectors.access_shipment_for(request.user, shipment_id)
    result = error = None
    serials_text = ""
    if request.method == "POST":
        serials_text = request.POST.get("card_serials", "")
        try:
            result = services.shipment_receive(
                shipment_id=shipment.pk, card_serials=serials_text, actor=request.user
            )
        except DomainError as exc:
            error = exc
        else:
            serials_text = ""
        shipment.refresh_from_db()
    lines, receipt = selectors.shipment_manifest(shipment=shipment)
    return render(
        request,
        "delivery/receive.html",
        {
            "shipment": shipment,
            "lines": lines,
            "receipt": receipt,
            "result": result,
            "error": error,
            "serials_text": serials_text,
            "active": "home",
        },
        status=error.status if error else 200,
    )


@operator_required
@require_GET
def waiting(request):
    failed_only = request.GET.get("failed") == "1"
    today = today_local()
    cards = selectors.cards_waiting_at(
        office_id=request.user.office_id, today=today, failed_only=failed_only
    )
    counts = selectors.waiting_counts_at(office_id=request.user.office_id, today=today)
    return render(
        request,
        "delivery/waiting.html",
        {"cards": cards, "counts": counts, "failed_only": failed_only, "active": "waiting"},
    )


def _finger_from_form(request, national_code: str) -> services.FingerprintSample:
    try:
        position = int(request.POST.get("finger_position") or 0) or None
    except ValueError:
        position = None
    upload = request.FILES.get("finger_image")
    if upload is not None:
        return services.FingerprintSample(position=position, image=upload.read())
    if request.POST.get("capture") == "simulator":
        if not _simulator_enabled():
            raise ValidationFailed("دستگاه شبیه‌ساز در این سامانه خاموش است.")
        person = parse_national_code(request.POST.get("simulator_person") or national_code)
        image = SimulatorDevice(person=person).capture_finger(position or 1)
        if isinstance(image, MissingFinger):
            raise ValidationFailed("اثر انگشت گرفته نشد.")
        return services.FingerprintSample(position=position or 1, image=image)
    raise ValidationFailed(
        "اثر انگشت را با دستگاه بگیرید (یا تصویر آن را بارگذاری کنید).",
        code="FINGERPRINT_REQUIRED",
    )


@operator_required
@require_http_methods(["GET", "POST"])
def handover(request):
    """The operator's desk: find the card, see the holder beside their photo, check identity
    and finger; then the holder's PIN pad. No PIN is ever typed here."""
    data = request.POST if request.method == "POST" else request.GET
    serial = services.card_serial_parse(data.get("card_serial", ""))
    card = selectors.access_card_for_handover_for(request.user, serial) if serial else None
    positions = []
    if card is not None:
        enrolment = getattr(card.application, "enrolment", None)
        enrolled = dict(enrolment.fingerprints) if enrolment is not None else {}
        positions = [
            (p, FINGER_LABELS.get(p, str(p))) for p in devices.enrolled_positions(enrolled)
        ]
    error = None
    if request.method == "POST" and request.POST.get("step") == "verify":
        national_code = request.POST.get("national_code", "")
        try:
            check = services.card_handover_verify(
                card_serial=serial,
                operator=request.user,
                national_code=national_code,
                tracking_code=request.POST.get("tracking_code", ""),
                receipt_qr=request.POST.get("receipt_qr", ""),
                fingerprint=_finger_from_form(request, national_code),
            )
        except DomainError as exc:
            error = exc
        else:
            request.session[CHECK_SESSION_KEY] = check.as_dict()
            return redirect(reverse("delivery:pin_pad", args=[check.csn]))
    elif serial and card is None:
        error = _why_not_here(request.user, serial)
    citizen = card.application.citizen if card is not None else None
    has_photo = card is not None and selectors.holder_photo_kept(card=card)
    return render(
        request,
        "delivery/handover.html",
        {
            "serial": serial,
            "card": card,
            "citizen": citizen,
            "has_photo": has_photo,
            "code_tail": citizen.national_code[-4:] if citizen is not None else "",
            "positions": positions,
            "error": error,
            "form": request.POST if request.method == "POST" else {},
            "simulator": _simulator_enabled(),
            "active": "handover",
        },
        status=error.status if error else 200,
    )


def _check_from_session(request, card_serial: str) -> services.HandoverCheck:
    stored = request.session.get(CHECK_SESSION_KEY) or {}
    try:
        check = services.HandoverCheck(**stored)
    except TypeError:
        raise services.HandoverCheckExpired() from None
    if check.csn != card_serial:
        raise services.HandoverCheckExpired()
    return check


@operator_required
@require_http_methods(["GET", "POST"])
def pin_pad(request, card_serial: str):
    """The holder's step, on the screen (or the pad) that faces them: they choose the card's
    PINs and confirm the ID PIN on the chip. The pad named by DELIVERY_PIN_PAD reads them."""
    card = selectors.access_card_for_handover_for(request.user, card_serial)
    if card is None:
        raise NotFound("کارتی با این شماره سریال یافت نشد.", code="CARD_NOT_FOUND")
    error = None
    try:
        check = _check_from_session(request, card.csn)
    except DomainError as exc:
        check, error = None, exc
    if request.method == "POST" and check is not None:
        try:
            done = services.card_handover_complete(
                check=check,
                operator=request.user,
                pins=pinpad.pin_pad().read(csn=card.csn, screen=request.POST),
            )
        except (services.HandoverLocked, services.HandoverCheckExpired) as exc:
            request.session.pop(CHECK_SESSION_KEY, None)
            check, error = None, exc
        except DomainError as exc:
            error = exc
        else:
            request.session.pop(CHECK_SESSION_KEY, None)
            messages.success(
                request,
                f"کارت {done.card.csn} به {done.application.citizen.first_name} "
                f"{done.application.citizen.last_name} تحویل داده و فعال شد.",
            )
            return redirect(reverse("delivery:handed_over", args=[done.card.csn]))
    return render(
        request,
        "delivery/pin_pad.html",
        {
            "card": card,
            "first_name": card.application.citizen.first_name,
            "check": check,
            "error": error,
            "keys": ["۱", "۲", "۳", "۴", "۵", "۶", "۷", "۸", "۹"],
        },
        status=error.status if error else 200,
    )


@operator_required
@require_GET
def holder_photo(request, card_serial: str):
    """The holder's enrolment photo for the desk: only the operators of the office holding
    the card, decrypted from enrolment's store on each look (audited), never cached."""
    face = selectors.access_holder_photo_for(request.user, card_serial)
    data = enrolment_services.biometric_image_read(biometric=face, viewer=request.user)
    response = HttpResponse(data, content_type=face.content_type)
    response["Cache-Control"] = "no-store, private"
    response["Content-Disposition"] = "inline"
    return response


def _why_not_here(user, serial: str) -> DomainError:
    """The same clear error the hand-over itself would give, without counting an attempt."""
    card = Card.objects.select_related("office").filter(csn=serial).first()
    # Another office's card reads as an unknown serial: nothing confirms that it exists.
    if card is None or not permissions.is_operator_of(user, card.office_id):
        return NotFound("کارتی با این شماره سریال یافت نشد.", code="CARD_NOT_FOUND")
    return DomainError(
        f"این کارت در دفتر آماده تحویل نیست (وضعیت: {card.get_status_display()}).",
        code="CARD_NOT_AT_OFFICE",
        status=409,
    )


def _handover_at_office(request, card_serial: str) -> Handover:
    handover = (
        Handover.objects.select_related("card", "application__citizen", "office", "operator")
        .filter(card__csn=card_serial, office_id=request.user.office_id)
        .first()
    )
    if handover is None:
        raise NotFound("تحویلی برای این کارت در دفتر شما ثبت نشده است.")
    return handover


@operator_required
@require_GET
def handed_over(request, card_serial: str):
    handover = _handover_at_office(request, card_serial)
    return render(
        request, "delivery/handed_over.html", {"handover": handover, "active": "handover"}
    )


@operator_required
@require_GET
def handover_slip(request, card_serial: str):
    """The printable hand-over slip the holder signs: no PIN, the national code's last four
    digits only."""
    handover = _handover_at_office(request, card_serial)
    code = handover.application.citizen.national_code
    return render(
        request,
        "delivery/handover_slip.html",
        {"handover": handover, "code_masked": "••••••" + code[-4:]},
    )


# --- The citizen: the card-ready SMS to a new mobile ---------------------------------------


@require_http_methods(["GET", "POST"])
def notice_mobile(request):
    """Two steps on one page: the new mobile (a code is sent to it), then the code.

    Codes come by POST only (never in the URL); `step=start`, posted from the tracking answer,
    only fills the form in.
    """
    data = request.POST if request.method == "POST" else {}
    fields = {
        "national_code": data.get("national_code", ""),
        "tracking_code": data.get("tracking_code", ""),
        "mobile": data.get("mobile", ""),
    }
    step = "ask"
    error = None
    if request.method == "POST" and request.POST.get("step") != "start":
        try:
            rate_limit_hit(
                scope="track",
                subject=request.META.get("REMOTE_ADDR", ""),
                limit=settings.TRACKING_RATE_PER_MINUTE,
                window=dt.timedelta(minutes=1),
            )
            if request.POST.get("step") == "verify":
                services.collection_mobile_change(**fields, code=request.POST.get("code", ""))
                step = "done"
            else:
                services.collection_mobile_change_request(**fields)
                step = "verify"
        except DomainError as exc:
            error = exc
            step = "verify" if request.POST.get("step") == "verify" else "ask"
    return render(
        request,
        "delivery/notice_mobile.html",
        {"fields": fields, "step": step, "error": error},
        status=error.status if error else 200,
    )
