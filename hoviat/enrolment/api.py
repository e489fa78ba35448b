"""Enrolment API for office software: today's appointments, the enrolment (in one request or
step by step), receipts and their reissue. Staff bearer tokens; an operator's own office only.

Images travel as base64 (a `data:` URI prefix is accepted) inside JSON.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Literal

from django.conf import settings
from django.http import HttpResponse
from ninja import Field, Router, Schema, Status

from hoviat.core import permissions
from hoviat.core.api import Problem, staff_auth
from hoviat.core.errors import ValidationFailed
from hoviat.core.jalali import parse_date, today_local
from hoviat.core.models import User
from hoviat.enrolment import selectors, services
from hoviat.enrolment.devices import simulator_for
from hoviat.enrolment.errors import OperatorRequired
from hoviat.enrolment.images import ImageRejected, max_upload_bytes
from hoviat.enrolment.models import BiometricSource, Document, Enrolment, Receipt
from hoviat.offices.selectors import access_office_for

router = Router(tags=["enrolment"], auth=staff_auth)


# --- Schemas ---------------------------------------------------------------------------------


class OfficeAppointmentOut(Schema):
    booking_id: int
    starts_at: dt.datetime
    tracking_code: str
    full_name: str
    national_code: str
    booking_status: str
    application_status: str
    enrolment_id: int | None
    enrolment_status: str | None


class EnrolmentFingerprintIn(Schema):
    position: int = Field(
        description="ISO/IEC 19794-4 finger position: 1 right thumb … "
        "5 right little, 6 left thumb … 10 left little"
    )
    image: str | None = Field(None, description="base64 JPEG or PNG")
    missing: str | None = Field(None, description="AMPUTATED | BANDAGED | UNABLE_TO_CAPTURE")


class EnrolmentIn(Schema):
    tracking_code: str = Field(max_length=40)
    documents: list[Document] = Field(
        description="the documents checked: shenasnameh_original, old_card_surrendered "
        "(when the registry knows an old card), form_confirmed"
    )
    face_image: str | None = Field(None, description="base64 JPEG or PNG, portrait 3:4")
    fingerprints: list[EnrolmentFingerprintIn] = Field(
        default_factory=list, description="ten entries, each an image or a missing reason"
    )
    capture: Literal["simulator"] | None = Field(
        None, description="take what is not given from the simulator device (development)"
    )


class EnrolmentCreatedOut(Schema):
    receipt_number: str
    tracking_code: str
    application_status: str
    enrolment_id: int
    valid_until: dt.date


class CheckInIn(Schema):
    tracking_code: str | None = Field(None, max_length=40)
    national_code: str | None = Field(None, max_length=20)


class DocumentsIn(Schema):
    documents: list[Document]


class FaceIn(Schema):
    image: str | None = Field(None, description="base64 JPEG or PNG")
    capture: Literal["simulator"] | None = None


class FingerIn(Schema):
    image: str | None = Field(None, description="base64 JPEG or PNG")
    missing: str | None = None
    capture: Literal["simulator"] | None = None


class AbandonIn(Schema):
    reason: str = Field("", max_length=200)


class FingerOut(Schema):
    position: int
    label: str
    captured: bool
    missing: str | None


class EnrolmentOut(Schema):
    id: int
    tracking_code: str
    application_status: str
    status: str
    walk_in: bool
    office_id: int
    started_at: dt.datetime
    completed_at: dt.datetime | None
    documents_required: list[str]
    documents: list[str]
    face_captured: bool
    fingers: list[FingerOut]
    ready: bool
    problems: list[str]


class EnrolmentReceiptOut(Schema):
    receipt_number: str
    tracking_code: str
    application_status: str
    issued_at: dt.datetime
    valid_until: dt.date
    superseded: bool
    superseded_by: str | None
    pdf_url: str


# --- Helpers ---------------------------------------------------------------------------------


def _operator(request):
    user = request.auth
    if not permissions.is_office_operator(user):
        raise OperatorRequired()
    return user


def _image(text: str | None) -> bytes | None:
    """base64 (optionally a data: URI) to bytes, refusing oversize before decoding."""
    if text is None:
        return None
    if text.startswith("data:"):
        _, _, text = text.partition(",")
    if len(text) > max_upload_bytes() * 4 // 3 + 4:
        raise ImageRejected(
            "حجم تصویر بیش از اندازهٔ مجاز است.",
            code="IMAGE_TOO_LARGE",
            extra={"max_bytes": max_upload_bytes()},
        )
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ImageRejected(
            "تصویر باید با base64 فرستاده شود.", code="IMAGE_ENCODING_INVALID"
        ) from None


def _simulator_allowed() -> None:
    if not settings.ENROLMENT_SIMULATOR_ENABLED:
        raise ValidationFailed("دستگاه شبیه‌ساز در این سامانه خاموش است.", code="SIMULATOR_DISABLED")


def _enrolment_out(enrolment: Enrolment) -> dict:
    enrolment.refresh_from_db()
    progress = selectors.enrolment_progress(enrolment=enrolment)
    return {
        "id": enrolment.pk,
        "tracking_code": enrolment.application.tracking_code,
        "application_status": enrolment.application.status,
        "status": enrolment.status,
        "walk_in": enrolment.walk_in,
        "office_id": enrolment.office_id,
        "started_at": enrolment.started_at,
        "completed_at": enrolment.completed_at,
        "documents_required": [code for code, _, _ in progress.documents],
        "documents": [code for code in Document.values if getattr(enrolment, code)],
        "face_captured": progress.face_id is not None,
        "fingers": [
            {
                "position": f.position,
                "label": f.label,
                "captured": f.biometric_id is not None,
                "missing": f.missing_reason,
            }
            for f in progress.fingers
        ],
        "ready": progress.ready,
        "problems": progress.problems,
    }


def _receipt_out(receipt: Receipt) -> dict:
    receipt.refresh_from_db()
    return {
        "receipt_number": receipt.receipt_number,
        "tracking_code": receipt.application.tracking_code,
        "application_status": receipt.application.status,
        "issued_at": receipt.issued_at,
        "valid_until": receipt.valid_until,
        "superseded": receipt.is_superseded,
        "superseded_by": (
            receipt.superseded_by.receipt_number if receipt.superseded_by_id else None
        ),
        "pdf_url": f"/api/v1/receipts/{receipt.receipt_number}.pdf",
    }


def _writable(request, enrolment_id: int) -> tuple[User, Enrolment]:
    operator = _operator(request)
    return operator, selectors.access_enrolment_for(operator, enrolment_id)


# --- Appointments ----------------------------------------------------------------------------


@router.get(
    "/office/appointments",
    response={200: list[OfficeAppointmentOut], 404: Problem},
    summary="The day's appointments at the operator's office",
)
def office_appointments(request, date: str | None = None, office_id: int | None = None):
    """`date` is ISO or Jalali (default today); `office_id` for staff above one office."""
    user = request.auth
    if office_id is not None:
        office = access_office_for(user, office_id)
    elif permissions.is_office_operator(user):
        office = user.office
    else:
        raise ValidationFailed("شناسهٔ دفتر (office_id) را بدهید.", code="OFFICE_REQUIRED")
    day = parse_date(date) if date else today_local()
    return selectors.office_appointments(office_id=office.pk, date=day)


# --- The whole enrolment in one request ------------------------------------------------------


@router.post(
    "/enrolments",
    response={201: EnrolmentCreatedOut},
    summary="Enrol a citizen in one request: documents, face, fingers, receipt",
)
def enrolment_create(request, payload: EnrolmentIn):
    """All of it or nothing: a refused image or a missing finger leaves no trace."""
    operator = _operator(request)
    device = None
    if payload.capture == "simulator":
        _simulator_allowed()
        application = selectors.application_for_check_in(tracking_code=payload.tracking_code)
        device = simulator_for(citizen=application.citizen)
    fingers = [
        services.FingerInput(
            position=finger.position, image=_image(finger.image), missing=finger.missing
        )
        for finger in payload.fingerprints
    ]
    receipt = services.enrolment_submit(
        operator=operator,
        tracking_code=payload.tracking_code,
        documents=[str(code) for code in payload.documents],
        face_image=_image(payload.face_image),
        fingers=fingers,
        device=device,
    )
    return Status(
        201,
        {
            "receipt_number": receipt.receipt_number,
            "tracking_code": receipt.application.tracking_code,
            "application_status": receipt.application.status,
            "enrolment_id": receipt.enrolment_id,
            "valid_until": receipt.valid_until,
        },
    )


# --- Step by step ----------------------------------------------------------------------------


@router.post(
    "/enrolments/check-in",
    response={201: EnrolmentOut},
    summary="Check a citizen in by tracking code or national code",
)
def enrolment_check_in(request, payload: CheckInIn):
    enrolment = services.enrolment_check_in(
        operator=_operator(request),
        tracking_code=payload.tracking_code,
        national_code=payload.national_code,
    )
    return Status(201, _enrolment_out(enrolment))


@router.get("/enrolments/{enrolment_id}", response=EnrolmentOut, summary="An enrolment")
def enrolment_detail(request, enrolment_id: int):
    return _enrolment_out(selectors.access_enrolment_for(request.auth, enrolment_id))


@router.put(
    "/enrolments/{enrolment_id}/documents",
    response=EnrolmentOut,
    summary="The document checklist (exactly the documents given are ticked)",
)
def enrolment_documents(request, enrolment_id: int, payload: DocumentsIn):
    operator, enrolment = _writable(request, enrolment_id)
    services.enrolment_documents_confirm(
        enrolment=enrolment, operator=operator, documents=[str(code) for code in payload.documents]
    )
    return _enrolment_out(enrolment)


@router.post(
    "/enrolments/{enrolment_id}/face",
    response=EnrolmentOut,
    summary="The face photo: an image, or a capture from the simulator",
)
def enrolment_face(request, enrolment_id: int, payload: FaceIn):
    operator, enrolment = _writable(request, enrolment_id)
    if payload.capture == "simulator":
        _simulator_allowed()
        image = simulator_for(citizen=enrolment.application.citizen).capture_face()
        source = BiometricSource.DEVICE
    else:
        image, source = _image(payload.image), BiometricSource.UPLOAD
        if image is None:
            raise ImageRejected("تصویر چهره فرستاده نشده است.", code="IMAGE_EMPTY")
    services.enrolment_capture_face(
        enrolment=enrolment, operator=operator, image=image, source=source
    )
    return _enrolment_out(enrolment)


@router.post(
    "/enrolments/{enrolment_id}/fingerprints/{position}",
    response=EnrolmentOut,
    summary="One finger: an image, a missing reason, or a simulator capture",
)
def enrolment_finger(request, enrolment_id: int, position: int, payload: FingerIn):
    operator, enrolment = _writable(request, enrolment_id)
    if payload.capture == "simulator":
        _simulator_allowed()
        device = simulator_for(citizen=enrolment.application.citizen)
        services.enrolment_capture_with_device(
            enrolment=enrolment, operator=operator, device=device, positions=[position], face=False
        )
    else:
        services.enrolment_capture_fingerprint(
            enrolment=enrolment,
            operator=operator,
            position=position,
            image=_image(payload.image),
            missing_reason=payload.missing,
            source=BiometricSource.UPLOAD,
        )
    return _enrolment_out(enrolment)


@router.post(
    "/enrolments/{enrolment_id}/complete",
    response={201: EnrolmentReceiptOut},
    summary="Complete: application enrolled, booking attended, receipt issued",
)
def enrolment_complete(request, enrolment_id: int):
    operator, enrolment = _writable(request, enrolment_id)
    receipt = services.enrolment_complete(enrolment=enrolment, operator=operator)
    return Status(201, _receipt_out(receipt))


@router.post(
    "/enrolments/{enrolment_id}/abandon",
    response=EnrolmentOut,
    summary="The citizen left: close the enrolment and delete its captures",
)
def enrolment_abandon(request, enrolment_id: int, payload: AbandonIn):
    operator, enrolment = _writable(request, enrolment_id)
    services.enrolment_abandon(enrolment=enrolment, operator=operator, reason=payload.reason)
    return _enrolment_out(enrolment)


@router.get(
    "/biometrics/{biometric_id}",
    summary="A captured image (staff of the office only)",
    response={200: None},
)
def biometric_image(request, biometric_id: int):
    biometric = selectors.access_biometric_for(request.auth, biometric_id)
    data = services.biometric_image_read(biometric=biometric, viewer=request.auth)
    response = HttpResponse(data, content_type=biometric.content_type)
    response["Cache-Control"] = "no-store, private"
    return response


# --- Receipts --------------------------------------------------------------------------------


@router.get(
    "/receipts/{receipt_number}.pdf",
    response={200: None},
    summary="The receipt as PDF (staff of the enrolling office)",
)
def receipt_pdf(request, receipt_number: str):
    receipt = selectors.access_receipt_for(request.auth, receipt_number)
    pdf = services.receipt_pdf_render(receipt=receipt, viewer=request.auth)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{receipt_number}.pdf"'
    response["Cache-Control"] = "no-store, private"
    return response


@router.get(
    "/receipts/{receipt_number}", response=EnrolmentReceiptOut, summary="A receipt's standing"
)
def receipt_detail(request, receipt_number: str):
    return _receipt_out(selectors.access_receipt_for(request.auth, receipt_number))


@router.post(
    "/receipts/{tracking_code}/reissue",
    response={201: EnrolmentReceiptOut},
    summary="Reissue a lost receipt: a new number; the old one is superseded",
)
def receipt_reissue(request, tracking_code: str):
    receipt = services.receipt_reissue(operator=_operator(request), tracking_code=tracking_code)
    return Status(201, _receipt_out(receipt))
