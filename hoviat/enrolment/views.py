"""Office workspace pages: today's appointments, check-in, the enrolment desk, the receipt."""

from __future__ import annotations

import uuid
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from hoviat.applications.services import application_open_at_counter
from hoviat.applications.views import citizen_required
from hoviat.core import permissions
from hoviat.core.audit import Actor
from hoviat.core.errors import DomainError, ValidationFailed
from hoviat.core.jalali import today_local
from hoviat.enrolment import selectors, services
from hoviat.enrolment.devices import simulator_for
from hoviat.enrolment.errors import EnrolmentNotFound, ReceiptNotFound
from hoviat.enrolment.images import ImageRejected
from hoviat.enrolment.models import (
    BiometricSource,
    Document,
    EnrolmentStatus,
    FingerPosition,
    MissingFingerReason,
    Receipt,
)
from hoviat.enrolment.uploads import memory_uploads, upload_too_large


def operator_required(view):
    """Signed-in staff of an office (national admins may look, not write: services decide)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not (permissions.is_office_operator(user) or permissions.is_national_admin(user)):
            return render(request, "enrolment/forbidden.html", status=403)
        try:
            return view(request, *args, **kwargs)
        except (EnrolmentNotFound, ReceiptNotFound) as exc:
            return render(request, "enrolment/not_found.html", {"detail": exc.detail}, status=404)

    return wrapper


def _simulator_enabled() -> bool:
    return settings.ENROLMENT_SIMULATOR_ENABLED


def _to_enrolment(enrolment_id: int, anchor: str = ""):
    return redirect(reverse("office:enrolment", args=[enrolment_id]) + anchor)


@operator_required
@require_GET
def home(request):
    return _home(request)


def _home(request, *, error: str = "", error_field: str = "", status: int = 200):
    """The desk; a refused check-in or counter application comes back here with its error
    beside the field it is about (and in the summary at the top), the typed values kept."""
    user = request.user
    office = user.office if permissions.is_office_operator(user) else None
    day = today_local()
    context = {
        "office": office,
        "day": day,
        "appointments": [],
        "walk_ins": [],
        "error": error,
        "error_field": error_field,
        "typed": request.POST if error else {},
    }
    if office is not None:
        appointments = selectors.office_appointments(office_id=office.pk, date=day)
        booked_ids = {a.enrolment_id for a in appointments if a.enrolment_id}
        context["appointments"] = appointments
        context["walk_ins"] = [
            e
            for e in selectors.enrolments_of_office_on(office_id=office.pk, date=day)
            if e.pk not in booked_ids
        ]
    return render(request, "enrolment/home.html", context, status=status)


def _counter_field(code: str) -> str:
    """Which field of the counter form an error is about."""
    if code.startswith("MOBILE"):
        return "id_counter_mobile"
    if code == "IDENTITY_DOCUMENT_REQUIRED":
        return "id_counter_document"
    if code.startswith("NATIONAL_CODE") or code == "CITIZEN_NOT_FOUND":
        return "id_counter_national_code"
    return ""


@operator_required
@require_POST
def counter_open(request):
    """A person whose mobile is not their own line (MOBILE_NOT_OWNER online) applies here,
    after the operator has checked their shenasnameh."""
    try:
        application = application_open_at_counter(
            operator=request.user,
            national_code=request.POST.get("national_code", ""),
            mobile=request.POST.get("mobile", ""),
            document=request.POST.get("document", ""),
        )
    except DomainError as exc:
        return _home(
            request, error=exc.detail, error_field=_counter_field(exc.code), status=exc.status
        )
    messages.success(
        request,
        f"درخواست {application.citizen.full_name} ثبت شد؛ کد رهگیری: "
        f"{application.tracking_code} (به شماره همراه پیامک شد).",
    )
    return redirect("office:home")


@operator_required
@require_POST
def check_in(request):
    key = (request.POST.get("code") or "").strip()
    digits = "".join(ch for ch in key if ch.isdigit())
    # Ten digits is a national code, twelve a tracking code (Persian digits are folded later).
    by_national = len(digits) == 10
    try:
        enrolment = services.enrolment_check_in(
            operator=request.user,
            tracking_code=None if by_national else key,
            national_code=key if by_national else None,
        )
    except DomainError as exc:
        return _home(request, error=exc.detail, error_field="id_code", status=exc.status)
    return _to_enrolment(enrolment.pk)


@operator_required
@require_GET
def enrolment_page(request, enrolment_id: int):
    enrolment = selectors.access_enrolment_for(request.user, enrolment_id)
    progress = selectors.enrolment_progress(enrolment=enrolment)
    return render(
        request,
        "enrolment/enrolment.html",
        {
            "enrolment": enrolment,
            "application": enrolment.application,
            "citizen": enrolment.application.citizen,
            "progress": progress,
            "open": enrolment.status == EnrolmentStatus.IN_PROGRESS,
            "reasons": MissingFingerReason.choices,
            "simulator": _simulator_enabled(),
            "receipt": selectors.receipt_current(application=enrolment.application),
        },
    )


def _act(request, enrolment_id: int, action, *, anchor: str = "", success: str = ""):
    """Run one desk action; a refusal is shown on the page, in Persian, with its reason."""
    enrolment = selectors.access_enrolment_for(request.user, enrolment_id)
    try:
        action(enrolment)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        if success:
            messages.success(request, success)
    return _to_enrolment(enrolment.pk, anchor)


@operator_required
@require_POST
def documents(request, enrolment_id: int):
    ticked = [code for code in Document.values if request.POST.get(code)]
    return _act(
        request,
        enrolment_id,
        lambda e: services.enrolment_documents_confirm(
            enrolment=e, operator=request.user, documents=ticked
        ),
        anchor="#documents",
        success="فهرست مدارک ذخیره شد.",
    )


def _uploaded(request, field: str) -> bytes | None:
    if upload_too_large(request):
        raise ImageRejected("حجم تصویر بیش از اندازهٔ مجاز است.", code="IMAGE_TOO_LARGE")
    upload = request.FILES.get(field)
    return upload.read() if upload is not None else None


@operator_required
@memory_uploads
@require_POST
def face(request, enrolment_id: int):
    def capture(enrolment):
        if request.POST.get("action") == "device" and _simulator_enabled():
            image = simulator_for(citizen=enrolment.application.citizen).capture_face()
            source = BiometricSource.DEVICE
        else:
            image, source = _uploaded(request, "image"), BiometricSource.UPLOAD
            if image is None:
                raise ImageRejected("فایلی برای عکس چهره انتخاب نشده است.", code="IMAGE_EMPTY")
        services.enrolment_capture_face(
            enrolment=enrolment, operator=request.user, image=image, source=source
        )

    return _act(request, enrolment_id, capture, anchor="#face", success="عکس چهره ثبت شد.")


@operator_required
@memory_uploads
@require_POST
def finger(request, enrolment_id: int, position: int):
    def capture(enrolment):
        action = request.POST.get("action")
        if action == "device" and _simulator_enabled():
            device = simulator_for(citizen=enrolment.application.citizen)
            services.enrolment_capture_with_device(
                enrolment=enrolment,
                operator=request.user,
                device=device,
                positions=[position],
                face=False,
            )
        elif action == "missing":
            services.enrolment_capture_fingerprint(
                enrolment=enrolment,
                operator=request.user,
                position=position,
                missing_reason=request.POST.get("reason") or None,
            )
        else:
            services.enrolment_capture_fingerprint(
                enrolment=enrolment,
                operator=request.user,
                position=position,
                image=_uploaded(request, "image"),
                source=BiometricSource.UPLOAD,
            )

    label = FingerPosition(position).label if position in FingerPosition.values else ""
    return _act(
        request, enrolment_id, capture, anchor="#fingers", success=f"انگشت «{label}» ثبت شد."
    )


@operator_required
@require_POST
def capture_all(request, enrolment_id: int):
    def capture(enrolment):
        if not _simulator_enabled():
            raise ValidationFailed("دستگاه شبیه‌ساز خاموش است.", code="SIMULATOR_DISABLED")
        device = simulator_for(citizen=enrolment.application.citizen)
        services.enrolment_capture_with_device(
            enrolment=enrolment, operator=request.user, device=device, face=False
        )

    return _act(
        request,
        enrolment_id,
        capture,
        anchor="#fingers",
        success="اثر هر ده انگشت با دستگاه ثبت شد.",
    )


@operator_required
@require_POST
def complete(request, enrolment_id: int):
    enrolment = selectors.access_enrolment_for(request.user, enrolment_id)
    try:
        services.enrolment_complete(enrolment=enrolment, operator=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return _to_enrolment(enrolment.pk, "#complete")
    messages.success(request, "ثبت‌نام حضوری کامل شد و رسید صادر شد.")
    return redirect("office:receipt", enrolment_id=enrolment.pk)


@operator_required
@require_POST
def abandon(request, enrolment_id: int):
    return _act(
        request,
        enrolment_id,
        lambda e: services.enrolment_abandon(
            enrolment=e, operator=request.user, reason="left_before_end"
        ),
        success="ثبت‌نام رها شد و تصاویر آن پاک شد.",
    )


@operator_required
@require_GET
def receipt_page(request, enrolment_id: int):
    enrolment = selectors.access_enrolment_for(request.user, enrolment_id)
    receipts = (
        Receipt.objects.filter(application=enrolment.application)
        .select_related("office", "superseded_by")
        .order_by("-issued_at")
    )
    return render(
        request,
        "enrolment/receipt.html",
        {
            "enrolment": enrolment,
            "citizen": enrolment.application.citizen,
            "application": enrolment.application,
            "current": next((r for r in receipts if not r.is_superseded), None),
            "receipts": receipts,
        },
    )


@operator_required
@require_POST
def reissue(request, enrolment_id: int):
    enrolment = selectors.access_enrolment_for(request.user, enrolment_id)
    try:
        receipt = services.receipt_reissue(
            operator=request.user, tracking_code=enrolment.application.tracking_code
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request, f"رسید تازه با شمارهٔ {receipt.receipt_number} صادر شد؛ رسید پیشین باطل است."
        )
    return redirect("office:receipt", enrolment_id=enrolment.pk)


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store, private"
    return response


@operator_required
@require_GET
def receipt_pdf(request, receipt_number: str):
    receipt = selectors.access_receipt_for(request.user, receipt_number)
    pdf = services.receipt_pdf_render(receipt=receipt, viewer=request.user)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{receipt_number}.pdf"'
    return _private(response)


@citizen_required
@require_GET
def citizen_receipt_pdf(request, public_id: uuid.UUID):
    """The citizen's own receipt, from the portal, once enrolled (it stands in for the card
    until hand-over); only the owner's signed-in mobile reaches it."""
    try:
        receipt = selectors.access_receipt_for_citizen(
            mobile=request.citizen_mobile, public_id=public_id
        )
    except ReceiptNotFound as exc:
        return render(request, "applications/error.html", {"detail": exc.detail}, status=404)
    citizen = receipt.application.citizen
    pdf = services.receipt_pdf_render(
        receipt=receipt, viewer=Actor("citizen", citizen.national_code, "citizen")
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{receipt.receipt_number}.pdf"'
    return _private(response)


@operator_required
@require_GET
def biometric_image(request, biometric_id: int):
    biometric = selectors.access_biometric_for(request.user, biometric_id)
    data = services.biometric_image_read(biometric=biometric, viewer=request.user)
    return _private(HttpResponse(data, content_type=biometric.content_type))
