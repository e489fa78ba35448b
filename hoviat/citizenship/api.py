"""Citizenship cases (API.md, "Citizenship cases (v1)"): filing by a case officer or by the
applicant signed in by SMS code, documents, inquiries with due dates, the council's votes."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import HttpBearer

from hoviat.citizenship import hooks, selectors, services
from hoviat.citizenship.models import (
    REQUIRED_DOCUMENTS,
    WAITING_INQUIRY_STATUSES,
    Agency,
    Basis,
    Case,
    CaseStatus,
    Inquiry,
    Outcome,
    PossibleDuplicate,
    Relation,
    VoteOutcome,
)
from hoviat.core.api import Problem, staff_auth
from hoviat.core.audit import Actor
from hoviat.core.errors import NotFound, ValidationFailed
from hoviat.core.jalali import parse_date, today_local
from hoviat.core.text import normalize_code
from hoviat.registry.models import Gender

router = Router(tags=["citizenship"])


class _CitizenMobile(str):
    """request.auth for a citizen: the mobile their token proves (a str, never a user)."""


class CitizenBearer(HttpBearer):
    """A citizen signed in by SMS code (applications owns the sessions: a hook answers)."""

    def authenticate(self, request: HttpRequest, token: str):
        mobile = hooks.citizen_token_mobile.first(token=token)
        return _CitizenMobile(mobile) if mobile else None


citizen_auth = CitizenBearer()


def _is_citizen(request) -> bool:
    return isinstance(request.auth, _CitizenMobile)


def _actor(request) -> Any:
    if _is_citizen(request):
        return Actor("citizen", str(request.auth), "citizen")
    return request.auth


def _case_for(request, case_number: str) -> Case:
    if _is_citizen(request):
        return selectors.access_case_for_citizen(mobile=str(request.auth), case_number=case_number)
    return selectors.access_case_for(request.auth, case_number=case_number)


# --- Schemas ----------------------------------------------------------------------------


class FamilyIn(Schema):
    relation: Relation
    first_name: str = Field(max_length=64)
    last_name: str = Field(max_length=64)
    father_name: str = Field(max_length=64)
    mother_name: str = Field(max_length=64)
    gender: Gender
    birth_date: str = Field(max_length=20, description="ISO or Jalali 1390/01/15")


class CaseIn(Schema):
    first_name: str = Field(max_length=64)
    last_name: str = Field(max_length=64)
    father_name: str = Field(max_length=64)
    mother_name: str = Field(max_length=64)
    grandfather_name: str = Field("", max_length=64)
    gender: Gender
    birth_date: str | None = Field(None, max_length=20, description="ISO or Jalali")
    birth_year: int | None = Field(None, description="(Gregorian) when only the year is known")
    birth_place: str = Field("", max_length=128)
    birth_county: int = Field(..., description="county id (GET /api/v1/places/…)")
    residence_county: int
    basis: Basis
    father_national_code: str = Field("", max_length=20)
    mother_national_code: str = Field("", max_length=20)
    grandfather_national_code: str = Field("", max_length=20)
    mobile: str = Field(max_length=20, examples=["09151234567"])
    family: list[FamilyIn] = Field(default_factory=list, max_length=20)


class CaseFiledOut(Schema):
    case_number: str
    temporary_id: str
    status: str


class DocumentOut(Schema):
    id: int
    kind: str
    content_type: str
    size: int
    witnesses: list[str]
    uploaded_at: dt.datetime


class InquiryOut(Schema):
    inquiry_id: int
    agency: str
    status: str
    due_on: dt.date
    overdue: bool
    outcome: str
    answered_at: dt.datetime | None
    overdue_flagged_at: dt.datetime | None


class FamilyOut(Schema):
    relation: str
    first_name: str
    last_name: str
    birth_date: dt.date


class PersonOut(Schema):
    national_code: str
    shenasnameh_number: str
    relation: str


class DecisionOut(Schema):
    status: str
    reasons: str
    decided_at: dt.datetime | None
    letter_url: str | None


class DuplicateOut(Schema):
    id: int
    case_number: str
    other_case_number: str | None
    national_code: str | None = Field(description="an enrolled citizen of the registry")
    score: int
    positions: list[int]
    status: str
    reason: str
    found_at: dt.datetime
    resolved_at: dt.datetime | None


def _duplicate_out(duplicate: PossibleDuplicate) -> dict:
    return {
        "id": duplicate.pk,
        "case_number": duplicate.case.case_number,
        "other_case_number": duplicate.other_case.case_number if duplicate.other_case else None,
        "national_code": duplicate.citizen.national_code if duplicate.citizen else None,
        "score": duplicate.score,
        "positions": duplicate.positions,
        "status": duplicate.status,
        "reason": duplicate.reason,
        "found_at": duplicate.found_at,
        "resolved_at": duplicate.resolved_at,
    }


class CaseOut(Schema):
    case_number: str
    temporary_id: str
    status: str
    stage: str
    basis: str
    first_name: str
    last_name: str
    father_name: str
    mother_name: str
    residence_county: int
    filed_online: bool
    created_at: dt.datetime
    documents: list[DocumentOut]
    documents_missing: list[str]
    inquiries: list[InquiryOut]
    decision: DecisionOut | None
    family: list[FamilyOut]
    people: list[PersonOut]
    biometrics_captured: list[int] = Field(description="positions kept: 0 face, 1–10 fingers")
    possible_duplicates: list[DuplicateOut] = Field(description="staff only; [] for a citizen")


class CaseRowOut(Schema):
    case_number: str
    status: str
    first_name: str
    last_name: str
    residence_county: int
    created_at: dt.datetime


def _inquiry_out(inquiry: Inquiry) -> dict:
    return {
        "inquiry_id": inquiry.pk,
        "agency": inquiry.agency,
        "status": inquiry.status,
        "due_on": inquiry.due_on,
        "overdue": inquiry.status in WAITING_INQUIRY_STATUSES and inquiry.due_on < today_local(),
        "outcome": inquiry.outcome,
        "answered_at": inquiry.answered_at,
        "overdue_flagged_at": inquiry.overdue_flagged_at,
    }


def _case_out(case: Case, *, staff: bool) -> dict:
    family = list(case.family.select_related("citizen").order_by("pk"))
    people = []
    if case.citizen_id is not None:
        people.append(
            {
                "national_code": case.citizen.national_code,
                "shenasnameh_number": case.citizen.shenasnameh_number,
                "relation": "self",
            }
        )
        people += [
            {
                "national_code": m.citizen.national_code,
                "shenasnameh_number": m.citizen.shenasnameh_number,
                "relation": m.relation,
            }
            for m in family
            if m.citizen is not None
        ]
    decided = case.status != CaseStatus.INTAKE
    return {
        "case_number": case.case_number,
        "temporary_id": case.temporary_id,
        "status": case.status,
        "stage": CaseStatus(case.status).label,
        "basis": case.basis,
        "first_name": case.first_name,
        "last_name": case.last_name,
        "father_name": case.father_name,
        "mother_name": case.mother_name,
        "residence_county": case.residence_county_id,
        "filed_online": case.filed_online,
        "created_at": case.created_at,
        "documents": list(case.documents.defer("data").order_by("pk")),
        "documents_missing": selectors.documents_missing(case),
        "inquiries": [_inquiry_out(i) for i in case.inquiries.order_by("pk")],
        "decision": {
            "status": case.status,
            "reasons": case.decision_reasons,
            "decided_at": case.decided_at,
            "letter_url": selectors.decision_letter_url(case) if case.letters.exists() else None,
        }
        if decided and case.decided_at
        else None,
        "family": family,
        "people": people,
        "biometrics_captured": list(
            case.biometrics.exclude(sha256="")
            .order_by("position")
            .values_list("position", flat=True)
        ),
        "possible_duplicates": [
            _duplicate_out(d)
            for d in PossibleDuplicate.objects.filter(Q(case=case) | Q(other_case=case))
            .select_related("case", "other_case", "citizen")
            .order_by("pk")
        ]
        if staff
        else [],
    }


# --- Operations ---------------------------------------------------------------------------


def _mobile(raw: str) -> str:
    digits = normalize_code(raw)
    if digits.startswith("+98"):
        digits = "0" + digits[3:]
    elif digits.startswith("0098"):
        digits = "0" + digits[4:]
    elif digits.startswith("98") and len(digits) == 12:
        digits = "0" + digits[2:]
    if len(digits) != 11 or not digits.startswith("09") or not digits.isdigit():
        raise ValidationFailed("شماره همراه معتبر نیست.", code="MOBILE_INVALID")
    return digits


def _date(raw: str | None) -> dt.date | None:
    return parse_date(raw) if raw else None


@router.post(
    "/citizenship/cases",
    response={201: CaseFiledOut, 403: Problem, 409: Problem, 422: Problem},
    auth=[staff_auth, citizen_auth],
    summary="Open a citizenship case (case officer, or the applicant signed in by SMS code)",
    description="A case number and a temporary identifier (12 digits, never a national code) "
    "at once, with an SMS. An open case for the same person: 409 `CASE_DUPLICATE` naming it "
    "(the filing is linked to it). An officer files only in a county where they hold the "
    "case-officer post (403 `NOT_CASE_OFFICER`); an applicant only with their own mobile "
    "(403 `MOBILE_NOT_VERIFIED`).",
)
def case_file(request, payload: CaseIn):
    mobile = _mobile(payload.mobile)
    online = _is_citizen(request)
    if online and mobile != str(request.auth):
        raise ValidationFailed(
            "شماره همراه باید همان شماره‌ای باشد که با آن وارد شده‌اید.",
            code="MOBILE_NOT_VERIFIED",
            status=403,
        )
    intake = services.CaseIntake(
        first_name=payload.first_name,
        last_name=payload.last_name,
        father_name=payload.father_name,
        mother_name=payload.mother_name,
        grandfather_name=payload.grandfather_name,
        gender=payload.gender,
        birth_date=_date(payload.birth_date),
        birth_year=payload.birth_year,
        birth_place=payload.birth_place,
        birth_county_id=payload.birth_county,
        residence_county_id=payload.residence_county,
        basis=payload.basis,
        father_national_code=payload.father_national_code,
        mother_national_code=payload.mother_national_code,
        grandfather_national_code=payload.grandfather_national_code,
        mobile=mobile,
        family=[
            services.FamilyIn(
                relation=m.relation,
                first_name=m.first_name,
                last_name=m.last_name,
                father_name=m.father_name,
                mother_name=m.mother_name,
                gender=m.gender,
                birth_date=parse_date(m.birth_date),
            )
            for m in payload.family
        ],
    )
    case = services.case_file(
        intake=intake,
        actor=_actor(request),
        filed_by=None if online else request.auth,
        online=online,
    )
    return Status(201, case)


@router.get(
    "/citizenship/cases",
    response={200: list[CaseRowOut]},
    auth=staff_auth,
    summary="Cases of the counties (or province) the staff member works for",
)
def cases_list(
    request,
    county: int | None = None,
    status: CaseStatus | None = None,
    overdue: bool | None = None,
    limit: int = 100,
    offset: int = 0,
):
    rows = selectors.cases_list(request.auth, county=county, status=status, overdue=overdue)
    limit = max(1, min(limit, 500))
    return [
        {
            "case_number": c.case_number,
            "status": c.status,
            "first_name": c.first_name,
            "last_name": c.last_name,
            "residence_county": c.residence_county_id,
            "created_at": c.created_at,
        }
        for c in rows[max(offset, 0) : max(offset, 0) + limit]
    ]


@router.get(
    "/citizenship/cases/{case_number}",
    response={200: CaseOut, 404: Problem},
    auth=[staff_auth, citizen_auth],
    summary="One case: its stage, documents, inquiries with due dates, decision, family",
)
def case_detail(request, case_number: str):
    return _case_out(_case_for(request, case_number), staff=not _is_citizen(request))


@router.post(
    "/citizenship/cases/{case_number}/documents",
    response={201: DocumentOut, 404: Problem, 409: Problem, 422: Problem},
    auth=[staff_auth, citizen_auth],
    summary="Upload a scanned document (multipart: kind, file; witnesses for an attestation)",
    description="JPEG or PNG, checked by content as enrolment checks images; 422 "
    "`DOCUMENT_KIND_INVALID`, `DOCUMENT_TOO_LARGE`, `IMAGE_*`, `WITNESSES_REQUIRED` (a local "
    "attestation names at least two witnesses, one a line).",
)
def document_add(
    request,
    case_number: str,
    kind: Form[str],
    file: File[UploadedFile],
    witnesses: Form[str] = "",
):
    case = _case_for(request, case_number)
    document = services.document_add(
        case=case,
        kind=kind,
        data=file.read(),
        witnesses=[w for w in witnesses.splitlines() if w.strip()],
        actor=_actor(request),
        uploader="citizen" if _is_citizen(request) else request.auth.get_username(),
    )
    return Status(201, document)


@router.get(
    "/citizenship/cases/{case_number}/documents/{document_id}",
    response={200: None, 404: Problem},
    auth=staff_auth,
    summary="One scanned document of the case (staff who see the case; audited, never cached)",
)
def document_get(request, case_number: str, document_id: int):
    case = selectors.access_case_for(request.auth, case_number=case_number)
    document = case.documents.filter(pk=document_id).first()
    if document is None:
        raise NotFound("مدرکی با این شناسه در این پرونده نیست.", code="DOCUMENT_NOT_FOUND")
    data = services.document_read(document=document, actor=request.auth)
    # Cache-Control: no-store comes from core/headers.py, as for every page but public ones.
    return HttpResponse(data, content_type=document.content_type)


class CaseFingerIn(Schema):
    position: int = Field(description="ISO/IEC 19794-4: 1 right thumb … 10 left little")
    image: str | None = Field(None, description="base64 JPEG or PNG")
    missing: str | None = Field(None, description="AMPUTATED | BANDAGED | UNABLE_TO_CAPTURE")


class CaseBiometricsIn(Schema):
    device: bool = Field(False, description="capture all through the office's device")
    face_image: str | None = Field(None, description="base64 JPEG or PNG, portrait 3:4")
    fingerprints: list[CaseFingerIn] = Field(default_factory=list, max_length=10)


class CaseBiometricsOut(Schema):
    captured: list[int]
    possible_duplicates: list[DuplicateOut]


def _image(text: str | None) -> bytes | None:
    if text is None:
        return None
    if text.startswith("data:"):
        _, _, text = text.partition(",")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed("تصویر به صورت base64 معتبر نیست.", code="IMAGE_BASE64") from None


@router.post(
    "/citizenship/cases/{case_number}/biometrics",
    response={201: CaseBiometricsOut, 403: Problem, 404: Problem, 409: Problem, 422: Problem},
    auth=staff_auth,
    summary="Capture the applicant's face and fingers (as enrolment), and search for duplicates",
    description="Images as enrolment takes them (base64, each finger an image or a `missing` "
    "reason), or `device: true` to capture through the office's device. The matcher searches "
    "the registry's enrolments and the other open cases: each candidate is a possible "
    "duplicate that blocks the council (409 `DUPLICATE_UNRESOLVED` on submit) until the case "
    "officer links or clears it. 409 `BIOMETRICS_ALREADY_CAPTURED`; 422 `FACE_REQUIRED`, "
    "`FINGERS_INCOMPLETE`, `IMAGE_*`.",
)
def case_biometrics(request, case_number: str, payload: CaseBiometricsIn):
    selectors.access_case_for(request.auth, case_number=case_number)
    duplicates = services.case_biometrics_capture(
        case_number=case_number,
        biometrics=services.BiometricsIn(
            device=payload.device,
            face=_image(payload.face_image),
            fingers={
                f.position: image
                for f in payload.fingerprints
                if (image := _image(f.image)) is not None
            },
            missing={f.position: f.missing for f in payload.fingerprints if f.missing},
        ),
        officer=request.auth,
    )
    captured = selectors.case_by_number(case_number=case_number).biometrics.exclude(sha256="")
    return Status(
        201,
        {
            "captured": sorted(captured.values_list("position", flat=True)),
            "possible_duplicates": [_duplicate_out(d) for d in duplicates],
        },
    )


@router.get(
    "/citizenship/duplicates",
    response={200: list[DuplicateOut]},
    auth=staff_auth,
    summary="The review queue: possible duplicates of the cases in the officer's counties",
)
def duplicates_queue(request, status: str = "open"):
    rows = selectors.possible_duplicates_for(request.auth, status=status or None)
    return [_duplicate_out(d) for d in rows[:500]]


class ResolveIn(Schema):
    reason: str = Field("", max_length=4000)


def _resolve(request, duplicate_id: int, payload: ResolveIn, *, link: bool):
    duplicate = services.duplicate_resolve(
        duplicate_id=duplicate_id, officer=request.auth, link=link, reason=payload.reason
    )
    return _duplicate_out(duplicate)


@router.post(
    "/citizenship/duplicates/{duplicate_id}/link",
    response={200: DuplicateOut, 404: Problem, 409: Problem, 422: Problem},
    auth=staff_auth,
    summary="The same person: link the case to the other case or citizen (written reasons)",
    description="422 `RESOLUTION_REASON_REQUIRED`; 404 `DUPLICATE_NOT_FOUND` outside the "
    "officer's counties; 409 once resolved.",
)
def duplicate_link(request, duplicate_id: int, payload: ResolveIn):
    return _resolve(request, duplicate_id, payload, link=True)


@router.post(
    "/citizenship/duplicates/{duplicate_id}/clear",
    response={200: DuplicateOut, 404: Problem, 409: Problem, 422: Problem},
    auth=staff_auth,
    summary="Someone else: clear the possible duplicate (written reasons)",
    description="422 `RESOLUTION_REASON_REQUIRED`; 404 `DUPLICATE_NOT_FOUND`; 409 once resolved.",
)
def duplicate_clear(request, duplicate_id: int, payload: ResolveIn):
    return _resolve(request, duplicate_id, payload, link=False)


class InquiryIn(Schema):
    agency: Agency


class InquiryOrderedOut(Schema):
    inquiry_id: int
    due_on: dt.date


@router.post(
    "/citizenship/cases/{case_number}/inquiries",
    response={201: InquiryOrderedOut, 403: Problem, 404: Problem, 409: Problem},
    auth=staff_auth,
    summary="Send an inquiry (police, security council, forensic DNA) with its due date",
)
def inquiry_order(request, case_number: str, payload: InquiryIn):
    case = selectors.access_case_for(request.auth, case_number=case_number)
    inquiry = services.inquiry_order(case=case, agency=payload.agency, officer=request.auth)
    return Status(201, {"inquiry_id": inquiry.pk, "due_on": inquiry.due_on})


class AnswerIn(Schema):
    outcome: Outcome
    note: str = Field("", max_length=4000)


@router.post(
    "/citizenship/inquiries/{inquiry_id}/answer",
    response={200: InquiryOut, 403: Problem, 409: Problem, 422: Problem},
    auth=staff_auth,
    summary="The agency's user records its answer",
)
def inquiry_answer(request, inquiry_id: int, payload: AnswerIn):
    inquiry = services.inquiry_answer(
        inquiry_id=inquiry_id, user=request.auth, outcome=payload.outcome, note=payload.note
    )
    return _inquiry_out(inquiry)


@router.post(
    "/citizenship/inquiries/{inquiry_id}/sample",
    response={200: InquiryOut, 403: Problem, 409: Problem},
    auth=staff_auth,
    summary="The forensic user records that the DNA sample was taken",
)
def inquiry_sample(request, inquiry_id: int):
    return _inquiry_out(services.inquiry_sample_taken(inquiry_id=inquiry_id, user=request.auth))


@router.get(
    "/citizenship/inquiries/overdue",
    response={200: list[InquiryOut]},
    auth=staff_auth,
    summary="Unanswered inquiries past their due date (the provincial director's list)",
)
def inquiries_overdue(request):
    return [_inquiry_out(i) for i in selectors.overdue_inquiries_for(user=request.auth)[:500]]


@router.post(
    "/citizenship/cases/{case_number}/submit",
    response={200: CaseFiledOut, 403: Problem, 404: Problem, 409: Problem, 422: Problem},
    auth=staff_auth,
    summary="Send the case to the county council (documents complete, inquiries answered)",
    description="422 `DOCUMENTS_MISSING` (with `missing`) or `INQUIRIES_PENDING` (`pending`); "
    "409 `DUPLICATE_UNRESOLVED` (with `possible_duplicates`) while a possible duplicate of the "
    "case waits for review.",
)
def case_submit(request, case_number: str):
    selectors.access_case_for(request.auth, case_number=case_number)
    return services.case_submit(case_number=case_number, officer=request.auth)


class VoteIn(Schema):
    outcome: VoteOutcome
    reasons: str = Field("", max_length=8000)


class VotedOut(Schema):
    status: str
    decision_letter_url: str | None


def _decided_out(case: Case) -> dict:
    decided = case.status != CaseStatus.AWAITING_DECISION
    return {
        "status": case.status,
        "decision_letter_url": selectors.decision_letter_url(case) if decided else None,
    }


@router.post(
    "/citizenship/cases/{case_number}/votes",
    response={200: VotedOut, 403: Problem, 404: Problem, 409: Problem, 422: Problem},
    auth=staff_auth,
    summary="A council member's vote (written reasons required); decided at the quorum",
    description="403 `NOT_COUNCIL_MEMBER`, 409 `ALREADY_VOTED`, `DUPLICATE_UNRESOLVED`, "
    "`PERSON_ALREADY_REGISTERED` (an approval of a case linked to someone registered), 422 "
    "`REASONS_REQUIRED`. On approval the person and family are registered at once (see "
    "`people` on the case). Each decision writes the applicant's letter "
    "(`decision_letter_url`, a PDF with a signed QR) and an SMS; with no key to sign it, 503 "
    "and nothing is decided.",
)
def case_vote(request, case_number: str, payload: VoteIn):
    case = services.case_vote(
        case_number=case_number,
        member=request.auth,
        outcome=payload.outcome,
        reasons=payload.reasons,
    )
    return _decided_out(case)


class AppealIn(Schema):
    grounds: str = Field("", max_length=8000)


@router.post(
    "/citizenship/cases/{case_number}/appeal",
    response={200: CaseFiledOut, 404: Problem, 409: Problem, 422: Problem},
    auth=[staff_auth, citizen_auth],
    summary="Appeal a refusal to a court, within the window",
    description="409 `APPEAL_WINDOW_CLOSED` after the setting's days; 422 `GROUNDS_REQUIRED`.",
)
def case_appeal(request, case_number: str, payload: AppealIn):
    _case_for(request, case_number)
    return services.case_appeal(
        case_number=case_number, grounds=payload.grounds, actor=_actor(request)
    )


class CourtRulingIn(Schema):
    outcome: str = Field(..., pattern="^(upheld|overturned)$")
    ruling_number: str = Field(max_length=32)
    date: str = Field(max_length=20, description="ISO or Jalali")


@router.post(
    "/citizenship/cases/{case_number}/court-ruling",
    response={200: VotedOut, 403: Problem, 404: Problem, 409: Problem, 422: Problem},
    auth=staff_auth,
    summary="A registry lawyer records the court's ruling on an appeal",
    description="`overturned` approves the case and registers the people at once.",
)
def case_court_ruling(request, case_number: str, payload: CourtRulingIn):
    case = services.case_court_ruling(
        case_number=case_number,
        lawyer=request.auth,
        outcome=payload.outcome,
        ruling_number=payload.ruling_number,
        ruling_date=parse_date(payload.date),
    )
    return _decided_out(case)


@router.get(
    "/citizenship/cases/{case_number}/decision-letter.pdf",
    response={200: None, 404: Problem},
    auth=[staff_auth, citizen_auth],
    summary="The decision letter (PDF, Persian, with a QR signed like the receipt's)",
    description="The letter of the case's newest decision, for the applicant (their own case "
    "only) and the staff who see the case; 404 `CASE_NOT_FOUND` for anyone else, "
    "`LETTER_NOT_FOUND` before a decision. Each download is audited.",
)
def decision_letter_pdf(request, case_number: str):
    case = _case_for(request, case_number)
    letter = selectors.decision_letter_latest(case=case)
    pdf = services.decision_letter_render(letter=letter, viewer=_actor(request))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="decision-{case.case_number}-{letter.letter_number}.pdf"'
    )
    return response


@router.get(
    "/citizenship/checklist",
    response=dict[str, list[str]],
    summary="The documents each basis of claim requires before the council",
)
def checklist(request):
    return {basis: list(kinds) for basis, kinds in REQUIRED_DOCUMENTS.items()}
