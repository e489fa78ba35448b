"""Self-service API: complaints (the citizen files and reads their own; staff answer), the
citizen's documents and contact details. Citizen bearer tokens (OTP sign-in)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from ninja import Field, Router, Schema, Status

from hoviat.applications.api import citizen_auth
from hoviat.core.api import Problem, staff_auth
from hoviat.core.audit import Actor
from hoviat.enrolment.selectors import access_receipt_for_citizen as receipt_access_for_citizen
from hoviat.enrolment.services import receipt_pdf_render
from hoviat.selfservice import selectors, services
from hoviat.selfservice.models import ANSWER_MAX_CHARS, TEXT_MAX_CHARS, Grievance

router = Router(tags=["selfservice"])

# Room for a text a little too long, so it gets GRIEVANCE_TEXT_TOO_LONG with a Persian
# message rather than the schema's generic 422; anything far longer is not a complaint.
_TEXT_FIELD_MAX = TEXT_MAX_CHARS * 2


def _client(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


class GrievanceIn(Schema):
    about_event: str | None = Field(
        None,
        max_length=64,
        description="an event of the citizen's own history: `inquiry:<inquiry_id>`, "
        "`sms:<message id>`, `application:<tracking_code>` or `card:<serial>`; "
        "404 `EVENT_NOT_FOUND` for one that is not theirs",
        examples=["application:123456789012"],
    )
    text: str = Field(max_length=_TEXT_FIELD_MAX, examples=["کارت من یک ماه است آماده نشده."])


class GrievanceFiledOut(Schema):
    grievance_id: str
    due_on: dt.date
    status: str


class GrievanceOut(Schema):
    grievance_id: str
    status: str
    about_event: str | None
    text: str
    office: str | None
    province: str
    filed_at: dt.datetime
    due_on: dt.date
    answer: str | None
    answered_at: dt.datetime | None


def _grievance_out(grievance: Grievance) -> dict:
    return {
        "grievance_id": grievance.number,
        "status": grievance.status,
        "about_event": (
            f"{grievance.about_kind}:{grievance.about_ref}" if grievance.about_kind else None
        ),
        "text": grievance.text,
        "office": grievance.office.name if grievance.office_id else None,
        "province": grievance.province.code,
        "filed_at": grievance.created_at,
        "due_on": grievance.due_on,
        "answer": grievance.answer or None,
        "answered_at": grievance.answered_at,
    }


@router.post(
    "/grievances",
    response={201: GrievanceFiledOut, 403: Problem, 404: Problem, 422: Problem, 429: Problem},
    auth=citizen_auth,
    summary="File a complaint, about an event of one's own history or none",
    description="The complaint gets a random tracking number (not sequential) and goes to "
    "the office or province it concerns, due in HOVIAT_GRIEVANCE_DUE_DAYS days. 422 "
    "`GRIEVANCE_TEXT_REQUIRED` / `GRIEVANCE_TEXT_TOO_LONG`; 404 `EVENT_NOT_FOUND`.",
)
def grievance_file(request, payload: GrievanceIn):
    grievance = services.grievance_file(
        mobile=request.auth, text=payload.text, about_event=payload.about_event
    )
    return Status(
        201,
        {"grievance_id": grievance.number, "due_on": grievance.due_on, "status": grievance.status},
    )


@router.get(
    "/me/grievances",
    response=list[GrievanceOut],
    auth=citizen_auth,
    summary="The signed-in citizen's complaints, newest first",
)
def my_grievances(request):
    return [_grievance_out(g) for g in selectors.grievances_of_mobile(mobile=request.auth)[:200]]


@router.get(
    "/grievances/{grievance_id}",
    response={200: GrievanceOut, 404: Problem, 429: Problem},
    auth=citizen_auth,
    summary="One of the signed-in citizen's complaints (404 for anyone else's)",
    description="Rate-limited per client address and per mobile "
    "(HOVIAT_GRIEVANCE_LOOKUP_RATE_PER_MINUTE): 429 `RATE_LIMITED`.",
)
def grievance_detail(request, grievance_id: str):
    services.grievance_lookup_count(mobile=request.auth, client_address=_client(request))
    return _grievance_out(
        selectors.access_grievance_for_citizen(mobile=request.auth, number=grievance_id)
    )


class GrievanceAnswerIn(Schema):
    answer: str = Field(max_length=ANSWER_MAX_CHARS * 2)


@router.post(
    "/grievances/{grievance_id}/answer",
    response={200: GrievanceOut, 404: Problem, 409: Problem, 422: Problem},
    auth=staff_auth,
    tags=["office"],
    summary="Answer a complaint (staff of its office, its province's director)",
    description="The citizen gets an SMS. 409 `GRIEVANCE_ALREADY_ANSWERED`.",
)
def grievance_answer(request, grievance_id: str, payload: GrievanceAnswerIn):
    grievance = selectors.access_grievance_for(request.auth, grievance_id)
    return _grievance_out(
        services.grievance_answer(grievance=grievance, answer=payload.answer, user=request.auth)
    )


# --- My documents --------------------------------------------------------------------------


class MyDocumentOut(Schema):
    kind: str = Field(description="`receipt` (stands in for the card) or `digital_card`")
    title: str
    pdf_url: str | None = Field(description="null for a card that is no longer valid")
    qr_url: str | None = None
    tracking_code: str | None = None
    receipt_number: str | None = None
    card_serial: str | None = None
    status: str
    valid_until: dt.date


class MyDocumentsOut(Schema):
    documents: list[MyDocumentOut]


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    return response


@router.get(
    "/me/documents",
    response=MyDocumentsOut,
    auth=citizen_auth,
    summary="The signed-in citizen's documents: receipts that stand in, digital cards",
    description="A receipt is listed while it stands in for the card (enrolled, not yet "
    "delivered, not reissued, not expired); a card from hand-over on, with a digital copy "
    "(PDF and signed QR, `HVC1:`) while it is active and not expired.",
)
def my_documents(request):
    receipts, cards = selectors.documents_of_mobile(mobile=request.auth)
    documents = [
        {
            "kind": "receipt",
            "title": "رسید ثبت‌نام کارت ملی هوشمند",
            "pdf_url": f"/api/v1/me/documents/receipts/{r.tracking_code}.pdf",
            "tracking_code": r.tracking_code,
            "receipt_number": r.receipt.receipt_number,
            "status": "stands_in",
            "valid_until": r.receipt.valid_until,
        }
        for r in receipts
    ]
    for c in cards:
        base = f"/api/v1/me/documents/cards/{c.card.csn}"
        documents.append(
            {
                "kind": "digital_card",
                "title": "کارت ملی هوشمند دیجیتال",
                "pdf_url": f"{base}.pdf" if c.available else None,
                "qr_url": f"{base}/qr" if c.available else None,
                "card_serial": c.card.csn,
                "status": c.card.status,
                "valid_until": c.card.expires_on,
            }
        )
    return {"documents": documents}


@router.get(
    "/me/documents/receipts/{tracking_code}.pdf",
    response={200: None, 404: Problem},
    auth=citizen_auth,
    summary="The citizen's own receipt as PDF",
)
def my_receipt_pdf(request, tracking_code: str):
    receipt = receipt_access_for_citizen(mobile=request.auth, tracking_code=tracking_code)
    pdf = receipt_pdf_render(receipt=receipt, viewer=Actor("citizen", request.auth[-4:], "citizen"))
    return _pdf(pdf, f"receipt-{receipt.receipt_number}.pdf")


@router.get(
    "/me/documents/cards/{card_serial}.pdf",
    response={200: None, 404: Problem, 409: Problem},
    auth=citizen_auth,
    summary="The digital card as PDF (signed QR inside)",
    description="404 `CARD_NOT_FOUND` for anyone else's card; 409 `CARD_NOT_ACTIVE` for a "
    "card that is suspended, revoked, expired or not yet handed over.",
)
def my_card_pdf(request, card_serial: str):
    card = selectors.access_card_for_citizen(mobile=request.auth, card_serial=card_serial)
    _, pdf = services.digital_card_issue(card=card, mobile=request.auth)
    return _pdf(pdf, f"digital-card-{card.csn}.pdf")


class DigitalCardQrOut(Schema):
    qr_text: str = Field(description="HVC1:… (COSE_Sign1, Base45), verifiable offline")
    card_serial: str
    expires_on: dt.date


@router.get(
    "/me/documents/cards/{card_serial}/qr",
    response={200: DigitalCardQrOut, 404: Problem, 409: Problem},
    auth=citizen_auth,
    summary="The digital card's signed QR text, for an app to show",
)
def my_card_qr(request, card_serial: str):
    card = selectors.access_card_for_citizen(mobile=request.auth, card_serial=card_serial)
    return {
        "qr_text": services.digital_card_qr(card=card),
        "card_serial": card.csn,
        "expires_on": card.expires_on,
    }


# --- My contact details --------------------------------------------------------------------


class ResidenceCountyOut(Schema):
    id: int
    name: str
    province: str


class OfficeSuggestedOut(Schema):
    id: int
    name: str
    kind: str
    city: str
    address: str


class MyContactOut(Schema):
    mobile: str
    residence_county: ResidenceCountyOut | None
    suggested_offices: list[OfficeSuggestedOut]


def _contact_out(mobile: str) -> dict:
    view = selectors.contact_of_mobile(mobile=mobile)
    county = view.residence_county
    return {
        "mobile": view.mobile,
        "residence_county": (
            {"id": county.pk, "name": county.name_fa, "province": county.province.code}
            if county
            else None
        ),
        "suggested_offices": [
            {
                "id": office.pk,
                "name": office.name,
                "kind": office.kind,
                "city": office.city.name_fa,
                "address": office.address,
            }
            for office in selectors.offices_suggested(county=county)
        ],
    }


@router.get(
    "/me/contact",
    response={200: MyContactOut, 403: Problem},
    auth=citizen_auth,
    summary="The citizen's contact mobile, residence county and offices suggested from it",
)
def my_contact(request):
    return _contact_out(request.auth)


class ContactMobileStartIn(Schema):
    mobile: str = Field(max_length=20, description="the new mobile", examples=["09179876543"])
    challenge_solution: str | None = Field(None, max_length=4000)


class ContactMobileStartedOut(Schema):
    detail: str
    new_mobile: str


@router.post(
    "/me/contact/mobile",
    response={202: ContactMobileStartedOut, 403: Problem, 422: Problem, 428: Problem, 429: Problem},
    auth=citizen_auth,
    summary="Start changing the mobile: codes to the old and the new number",
    description="403 `MOBILE_NOT_OWNER` when the new number is not registered to the "
    "citizen's national code (the registry's Shahkar-like interface); 422 `MOBILE_UNCHANGED`.",
)
def mobile_change_start(request, payload: ContactMobileStartIn):
    new = services.contact_mobile_change_request(
        mobile=request.auth,
        new_mobile=payload.mobile,
        client_address=_client(request),
        challenge_solution=payload.challenge_solution,
    )
    return Status(
        202,
        {"detail": "کدی به شمارهٔ کنونی و کدی به شمارهٔ تازه پیامک شد.", "new_mobile": new},
    )


class ContactMobileChangeIn(Schema):
    mobile: str = Field(max_length=20, description="the new mobile")
    code_old: str = Field(max_length=12, description="the code sent to the signed-in number")
    code_new: str = Field(max_length=12, description="the code sent to the new number")


class ContactMobileChangedOut(MyContactOut):
    applications_changed: list[str]


@router.put(
    "/me/contact/mobile",
    response={200: ContactMobileChangedOut, 401: Problem, 403: Problem, 422: Problem, 429: Problem},
    auth=citizen_auth,
    summary="Change the mobile with both codes (applications before enrolment follow)",
    description="401 `OTP_INVALID` for a wrong or expired code; 403 `MOBILE_NOT_OWNER`.",
)
def mobile_change(request, payload: ContactMobileChangeIn):
    contact, changed = services.contact_mobile_change(
        mobile=request.auth,
        new_mobile=payload.mobile,
        code_old=payload.code_old,
        code_new=payload.code_new,
        client_address=_client(request),
    )
    return {**_contact_out(contact.mobile), "applications_changed": changed}


class ResidenceCountyIn(Schema):
    county_id: int


@router.put(
    "/me/contact/residence",
    response={200: MyContactOut, 403: Problem, 422: Problem},
    auth=citizen_auth,
    summary="Set the residence county; offices are suggested from it",
    description="422 `COUNTY_NOT_FOUND`.",
)
def residence_set(request, payload: ResidenceCountyIn):
    services.contact_residence_set(mobile=request.auth, county_id=payload.county_id)
    return _contact_out(request.auth)


# Who asked about me, and lock my card (hoviat/selfservice/api_history.py).
from hoviat.selfservice.api_history import router as history_router  # noqa: E402

router.add_router("", history_router)
