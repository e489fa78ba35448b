"""Writes of citizenship cases: filing, documents, inquiries, the council's votes and, on
approval, registration of the person and their family in the registry (one transaction).

Lock order inside a case's transaction: the case row, then the registry's national-code
sequence rows (registry.late), then the audit rows (no lock)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from hoviat.citizenship import hooks, selectors
from hoviat.citizenship.matching import matcher
from hoviat.citizenship.models import (
    ANSWER_FUNCTION,
    FACE_POSITION,
    FINGER_POSITIONS,
    MISSING_FINGER_REASONS,
    OPEN_STATUSES,
    OUTCOMES_OF,
    WAITING_INQUIRY_STATUSES,
    Agency,
    Basis,
    Case,
    CaseBiometric,
    CaseStatus,
    DecisionLetter,
    Document,
    DocumentKind,
    DuplicateStatus,
    FamilyMember,
    Function,
    Inquiry,
    InquiryStatus,
    LetterOutcome,
    PossibleDuplicate,
    Relation,
    Vote,
    VoteOutcome,
)
from hoviat.citizenship.pdf import decision_letter_pdf
from hoviat.core.audit import audit_many, audit_record
from hoviat.core.checkdigits import damm_digit
from hoviat.core.errors import AccessDenied, Conflict, DomainError, ValidationFailed
from hoviat.core.jalali import format_jalali, today_local
from hoviat.core.national_code import parse_national_code
from hoviat.core.ratelimit import rate_limit_hit
from hoviat.core.text import is_persian_name, normalize_text, persian_digits
from hoviat.core.transitions import transition
from hoviat.notifications.services import sms_queue
from hoviat.places.models import County
from hoviat.registry.models import Citizen, OwnershipSource
from hoviat.registry.services import NewCitizen, citizens_register, mobile_ownership_record

logger = logging.getLogger(__name__)

__all__ = [
    "BiometricsIn",
    "CaseDuplicate",
    "CaseIntake",
    "FamilyIn",
    "case_appeal",
    "case_biometrics_capture",
    "case_court_ruling",
    "case_file",
    "case_submit",
    "case_vote",
    "decision_letter_number_new",
    "document_add",
    "document_read",
    "duplicate_resolve",
    "inquiries_overdue_flag",
    "inquiry_answer",
    "inquiry_order",
    "inquiry_sample_taken",
    "temporary_id_new",
]


class CaseDuplicate(Conflict):
    code = "CASE_DUPLICATE"
    default_detail = "برای این شخص پیش‌تر پرونده‌ای باز شده است؛ این درخواست به همان پرونده پیوست شد."


class DocumentsMissing(DomainError):
    code = "DOCUMENTS_MISSING"
    status = 422
    title = "Documents missing"
    default_detail = "مدارک لازم پرونده کامل نیست."


class InquiriesPending(DomainError):
    code = "INQUIRIES_PENDING"
    status = 422
    title = "Inquiries pending"
    default_detail = "پاسخ همهٔ استعلام‌های لازم هنوز نرسیده است."


class NotCouncilMember(AccessDenied):
    code = "NOT_COUNCIL_MEMBER"
    default_detail = "شما عضو شورای تأمین شهرستانِ این پرونده نیستید."


class AlreadyVoted(Conflict):
    code = "ALREADY_VOTED"
    default_detail = "شما در این نوبت به این پرونده رأی داده‌اید."


class DuplicateUnresolved(Conflict):
    code = "DUPLICATE_UNRESOLVED"
    default_detail = (
        "برای این پرونده احتمال تکرار (همان شخص در پرونده‌ای دیگر یا در ثبت احوال) بررسی نشده "
        "است؛ تا کارشناس پرونده آن را پیوند ندهد یا رد نکند، پرونده به شورا نمی‌رود."
    )


class PersonAlreadyRegistered(Conflict):
    code = "PERSON_ALREADY_REGISTERED"
    default_detail = (
        "متقاضی همان شخصی شناخته شده که پیش‌تر در ثبت احوال ثبت شده است؛ تأیید تابعیت به او "
        "کد ملی دوم می‌داد. پرونده را رد کنید یا پیوند را بازبینی کنید."
    )


class AppealWindowClosed(Conflict):
    code = "APPEAL_WINDOW_CLOSED"
    default_detail = "مهلت اعتراض به این تصمیم گذشته است."


class ReasonsRequired(ValidationFailed):
    code = "REASONS_REQUIRED"
    default_detail = "رأی بدون دلایل مکتوب پذیرفته نمی‌شود."


# --- Numbers --------------------------------------------------------------------------------


def temporary_id_new() -> str:
    """12 digits: «77», 9 random digits, a Damm check digit (never a 10-digit national code)."""
    body = "77" + "".join(secrets.choice("0123456789") for _ in range(9))
    return body + str(damm_digit(body))


def _case_number_new() -> str:
    return "CZ" + "".join(secrets.choice("0123456789") for _ in range(8))


# --- Intake -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FamilyIn:
    relation: str
    first_name: str
    last_name: str
    father_name: str
    mother_name: str
    gender: str
    birth_date: dt.date


@dataclass(frozen=True)
class CaseIntake:
    first_name: str
    last_name: str
    father_name: str
    mother_name: str
    gender: str
    birth_county_id: int
    residence_county_id: int
    basis: str
    mobile: str
    birth_date: dt.date | None = None
    birth_year: int | None = None
    birth_place: str = ""
    grandfather_name: str = ""
    father_national_code: str = ""
    mother_national_code: str = ""
    grandfather_national_code: str = ""
    family: list[FamilyIn] = field(default_factory=list)


def _name(value: str, label: str) -> str:
    name = normalize_text(value or "")
    if not is_persian_name(name):
        raise ValidationFailed(
            f"{label} باید با حروف فارسی نوشته شود.",
            code="NAME_INVALID",
            extra={"field": label},
        )
    return name


def _code_or_blank(value: str) -> str:
    return parse_national_code(value) if (value or "").strip() else ""


def _person_key(first: str, last: str, father: str, mother: str, gender: str, year: int) -> str:
    text = "|".join([first, last, father, mother, gender, str(year)]).replace("\u200c", "")
    return hashlib.sha256(text.replace(" ", "").encode()).hexdigest()


def _checked(intake: CaseIntake) -> dict[str, Any]:
    if intake.basis not in Basis.values:
        raise ValidationFailed("مبنای ادعا معتبر نیست.", code="BASIS_INVALID")
    if intake.gender not in ("male", "female"):
        raise ValidationFailed("جنسیت معتبر نیست.", code="GENDER_INVALID")
    this_year = today_local().year
    if intake.birth_date is not None:
        if intake.birth_date > today_local():
            raise ValidationFailed("تاریخ تولد در آینده است.", code="BIRTH_DATE_INVALID")
        year = intake.birth_date.year
    elif intake.birth_year is not None and 1900 <= intake.birth_year <= this_year:
        year = intake.birth_year
    else:
        raise ValidationFailed(
            "تاریخ تولد یا دست‌کم سال تولد (میلادی) را وارد کنید.", code="BIRTH_DATE_REQUIRED"
        )
    counties = County.objects.in_bulk([intake.birth_county_id, intake.residence_county_id])
    if intake.birth_county_id not in counties or intake.residence_county_id not in counties:
        raise ValidationFailed("شهرستان واردشده یافت نشد.", code="COUNTY_INVALID")
    for member in intake.family:
        if member.relation not in Relation.values or member.gender not in ("male", "female"):
            raise ValidationFailed("اطلاعات اعضای خانواده معتبر نیست.", code="FAMILY_INVALID")
        if member.birth_date > today_local():
            raise ValidationFailed("تاریخ تولد در آینده است.", code="BIRTH_DATE_INVALID")
    first, last = _name(intake.first_name, "نام"), _name(intake.last_name, "نام خانوادگی")
    father, mother = _name(intake.father_name, "نام پدر"), _name(intake.mother_name, "نام مادر")
    values: dict[str, Any] = {
        "first_name": first,
        "last_name": last,
        "father_name": father,
        "mother_name": mother,
        "grandfather_name": _name(intake.grandfather_name, "نام پدربزرگ")
        if intake.grandfather_name
        else "",
        "gender": intake.gender,
        "birth_date": intake.birth_date,
        "birth_year": year,
        "birth_date_approximate": intake.birth_date is None,
        "birth_place": normalize_text(intake.birth_place or "")[:128],
        "birth_county_id": intake.birth_county_id,
        "residence_county_id": intake.residence_county_id,
        "basis": intake.basis,
        "father_national_code": _code_or_blank(intake.father_national_code),
        "mother_national_code": _code_or_blank(intake.mother_national_code),
        "grandfather_national_code": _code_or_blank(intake.grandfather_national_code),
        "mobile": intake.mobile,
    }
    values["person_key"] = _person_key(first, last, father, mother, intake.gender, year)
    return values


def _duplicate(existing: Case, actor: Any, *, online: bool, mobile: str) -> CaseDuplicate:
    """The second filing is linked to the open case (an audit row on it), not duplicated.
    Online, the case number is told only to the mobile the case was filed with: to anyone
    else it would confirm that someone of these names has a case."""
    audit_record(
        actor=actor,
        action="citizenship_case.filed_again",
        obj=existing,
        data={"online": online, "same_mobile": mobile == existing.mobile},
    )
    if online and mobile != existing.mobile:
        return CaseDuplicate(
            "برای این شخص پیش‌تر پرونده‌ای باز شده است؛ برای پیگیری با شمارهٔ همراهی که پرونده "
            "با آن تشکیل شده وارد شوید یا به ادارهٔ ثبت احوال شهرستان مراجعه کنید."
        )
    return CaseDuplicate(extra={"case_number": existing.case_number})


def case_file(*, intake: CaseIntake, actor: Any, filed_by: Any = None, online: bool) -> Case:
    """Open a case at once with a case number and a temporary identifier, its family, an
    audit row and an SMS to the applicant. A person with an open case gets CASE_DUPLICATE
    naming it; nothing new is written but the link."""
    if not online and not selectors.may_file_in(filed_by, county_id=intake.residence_county_id):
        raise AccessDenied(
            "شما کارشناس پرونده‌های تابعیت این شهرستان نیستید.", code="NOT_CASE_OFFICER"
        )
    values = _checked(intake)
    if online:
        # Each filing is a look at whether someone has an open case: counted, like tries.
        rate_limit_hit(
            scope="citizenship-file",
            subject=intake.mobile,
            limit=settings.CITIZENSHIP_ONLINE_FILINGS_PER_DAY,
            window=dt.timedelta(days=1),
        )
    family = [
        FamilyMember(
            relation=m.relation,
            first_name=_name(m.first_name, "نام"),
            last_name=_name(m.last_name, "نام خانوادگی"),
            father_name=_name(m.father_name, "نام پدر"),
            mother_name=_name(m.mother_name, "نام مادر"),
            gender=m.gender,
            birth_date=m.birth_date,
        )
        for m in intake.family
    ]
    existing = Case.objects.filter(
        person_key=values["person_key"], status__in=list(OPEN_STATUSES)
    ).first()
    if existing is not None:
        raise _duplicate(existing, actor, online=online, mobile=intake.mobile)
    case_number, temporary_id = _case_number_new(), temporary_id_new()
    # Random numbers from a space of 10^8 and 10^9: a collision is rare, never silent.
    while Case.objects.filter(case_number=case_number).exists():
        case_number = _case_number_new()
    while Case.objects.filter(temporary_id=temporary_id).exists():
        temporary_id = temporary_id_new()
    try:
        with transaction.atomic():
            case = Case.objects.create(
                case_number=case_number,
                temporary_id=temporary_id,
                filed_online=online,
                filed_by=filed_by,
                **values,
            )
            for member in family:
                member.case = case
            FamilyMember.objects.bulk_create(family)
            audit_record(
                actor=actor,
                action="citizenship_case.filed",
                obj=case,
                to_state=CaseStatus.INTAKE,
                data={"online": online, "basis": case.basis, "family": len(family)},
            )
            sms_queue(
                to=case.mobile,
                template="citizenship_case_opened",
                params={"case_number": case.case_number, "temporary_id": case.temporary_id},
                related=case,
            )
    except IntegrityError:
        # A concurrent twin won the partial unique constraint (one open case per person).
        existing = Case.objects.filter(
            person_key=values["person_key"], status__in=list(OPEN_STATUSES)
        ).first()
        if existing is None:
            raise
        raise _duplicate(existing, actor, online=online, mobile=intake.mobile) from None
    return case


# --- Documents ----------------------------------------------------------------------------


def document_add(
    *, case: Case, kind: str, data: bytes, witnesses: list[str], actor: Any, uploader: str
) -> Document:
    """Keep a scanned document of the case, checked as enrolment checks images."""
    if kind not in DocumentKind.values:
        raise ValidationFailed(
            "نوع مدرک معتبر نیست.",
            code="DOCUMENT_KIND_INVALID",
            extra={"kinds": DocumentKind.values},
        )
    if case.status not in (CaseStatus.INTAKE, CaseStatus.MORE_EVIDENCE):
        raise Conflict(
            "در این مرحلهٔ پرونده مدرکی پذیرفته نمی‌شود.", code="CASE_NOT_OPEN_FOR_DOCUMENTS"
        )
    limit = settings.CITIZENSHIP_DOCUMENT_MAX_BYTES
    if len(data) > limit:
        raise ValidationFailed(
            f"حجم فایل بیش از {persian_digits(limit // (1024 * 1024))} مگابایت است.",
            code="DOCUMENT_TOO_LARGE",
            extra={"max_bytes": limit},
        )
    names = [normalize_text(w) for w in witnesses if normalize_text(w)]
    if kind == DocumentKind.LOCAL_ATTESTATION and len(names) < 2:
        raise ValidationFailed(
            "استشهادیهٔ محلی باید نام دست‌کم دو شاهد را داشته باشد.", code="WITNESSES_REQUIRED"
        )
    checked = hooks.document_image_check.first(data=data)
    if checked is None:  # nobody can check images: refuse rather than keep unchecked bytes
        raise DomainError("بررسی تصویر در دسترس نیست.", code="IMAGE_CHECK_UNAVAILABLE", status=503)
    sealed = hooks.document_seal.first(data=data)
    if sealed is None:  # never keep a person's documents in the clear
        raise DomainError(
            "نگهداری امن مدرک در دسترس نیست.", code="DOCUMENT_STORE_UNAVAILABLE", status=503
        )
    with transaction.atomic():
        document = Document.objects.create(
            case=case,
            kind=kind,
            content_type=checked.content_type,
            size=len(data),
            sha256=checked.sha256,
            data=sealed,
            witnesses=names,
            uploaded_by=uploader[:150],
        )
        audit_record(
            actor=actor,
            action="citizenship_document.added",
            obj=document,
            data={"case": case.case_number, "kind": kind, "sha256": checked.sha256},
        )
    return document


def document_read(*, document: Document, actor: Any) -> bytes:
    """The document's bytes, decrypted and checked against the hash kept; audited."""
    try:
        data = hooks.document_unseal.first(token=bytes(document.data))
    except Exception:  # a damaged or foreign token: the cipher's own error says nothing useful
        data = None
    if data is None or hashlib.sha256(data).hexdigest() != document.sha256:
        raise DomainError("فایل این مدرک آسیب دیده است.", code="DOCUMENT_DAMAGED", status=500)
    audit_record(
        actor=actor,
        action="citizenship_document.viewed",
        obj=document,
        data={"case": document.case.case_number, "kind": document.kind},
    )
    return data


# --- Biometrics and possible duplicates ------------------------------------------------------


@dataclass(frozen=True)
class BiometricsIn:
    """What the office captured: the face and the fingers (position → image), each finger
    not taken with its reason; or `device=True` to capture all through enrolment's device."""

    face: bytes | None = None
    fingers: dict[int, bytes] = field(default_factory=dict)
    missing: dict[int, str] = field(default_factory=dict)
    device: bool = False


def _captured(case: Case, given: BiometricsIn) -> tuple[dict[int, bytes], dict[int, str], str]:
    """position → image, position → missing reason, and the source; checked as enrolment
    checks its captures (every finger accounted for)."""
    if given.device:
        initials = f"{case.first_name[:1]}. {case.last_name[:1]}."
        captured = hooks.biometric_device_capture.first(person=case.temporary_id, initials=initials)
        if captured is None:
            raise DomainError(
                "دستگاه ثبت زیست‌سنجی در دسترس نیست.", code="DEVICE_UNAVAILABLE", status=503
            )
        images = {FACE_POSITION: captured["face"], **captured["fingers"]}
        missing = {p: "UNABLE_TO_CAPTURE" for p in FINGER_POSITIONS if p not in images}
        return images, missing, "device"
    if not given.face:
        raise ValidationFailed("عکس چهره گرفته نشده است.", code="FACE_REQUIRED")
    for position in [*given.fingers, *given.missing]:
        if position not in FINGER_POSITIONS:
            raise ValidationFailed(
                "شمارهٔ انگشت باید از ۱ تا ۱۰ باشد.",
                code="FINGER_POSITION_INVALID",
                extra={"position": position},
            )
    for reason in given.missing.values():
        if reason not in MISSING_FINGER_REASONS:
            raise ValidationFailed(
                "دلیل ثبت‌نشدن انگشت معتبر نیست.",
                code="MISSING_REASON_INVALID",
                extra={"reasons": list(MISSING_FINGER_REASONS)},
            )
    both = set(given.fingers) & set(given.missing)
    unaccounted = [p for p in FINGER_POSITIONS if p not in given.fingers and p not in given.missing]
    if both or unaccounted:
        raise ValidationFailed(
            "برای هر ده انگشت یا تصویر یا دلیل ثبت‌نشدن لازم است (نه هر دو).",
            code="FINGERS_INCOMPLETE",
            extra={"positions": sorted(both) + unaccounted},
        )
    return {FACE_POSITION: given.face, **given.fingers}, dict(given.missing), "upload"


# Two captures of the same person at once would each search before the other's rows are
# committed and find nothing: on PostgreSQL a transaction-level advisory lock makes the
# keep-and-search step of captures take turns (a capture is seconds at a counter; the search
# is short). SQLite takes its one write lock at the first insert, which has the same effect.
_BIOMETRIC_SEARCH_LOCK = 0x43495A42  # "CIZB"


def _biometric_search_lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_BIOMETRIC_SEARCH_LOCK])


def case_biometrics_capture(
    *, case_number: str, biometrics: BiometricsIn, officer: Any
) -> list[PossibleDuplicate]:
    """Keep the applicant's face and fingers (checked like enrolment's, sealed like the
    documents) and search them with the matcher against the registry's enrolments and the
    other open cases; each candidate over the threshold is a possible duplicate, found here
    and audited. Once per case. Returns the possible duplicates found."""
    found = selectors.case_by_number(case_number=case_number)
    if not selectors.holds_post(
        officer, county_id=found.residence_county_id, function=Function.CASE_OFFICER
    ):
        raise AccessDenied("شما کارشناس پرونده‌های این شهرستان نیستید.", code="NOT_CASE_OFFICER")
    if found.status not in (CaseStatus.INTAKE, CaseStatus.MORE_EVIDENCE):
        raise Conflict("در این مرحلهٔ پرونده زیست‌سنجی گرفته نمی‌شود.", code="CASE_NOT_OPEN")
    if found.biometrics.exists():  # again under the lock below; here before costly checks
        raise Conflict(
            "زیست‌سنجی این پرونده پیش‌تر گرفته شده است.", code="BIOMETRICS_ALREADY_CAPTURED"
        )
    images, missing, source = _captured(found, biometrics)
    checked = {}
    for position, data in images.items():
        kind = "face" if position == FACE_POSITION else "finger"
        checked[position] = hooks.biometric_image_check.first(data=data, kind=kind)
        if checked[position] is None:
            raise DomainError(
                "بررسی تصویر در دسترس نیست.", code="IMAGE_CHECK_UNAVAILABLE", status=503
            )
    sealed = {position: hooks.document_seal.first(data=data) for position, data in images.items()}
    if any(token is None for token in sealed.values()):
        raise DomainError(
            "نگهداری امن زیست‌سنجی در دسترس نیست.", code="DOCUMENT_STORE_UNAVAILABLE", status=503
        )
    uploader = officer.get_username()[:150]
    with transaction.atomic():
        _biometric_search_lock()
        case = Case.objects.select_for_update().get(pk=found.pk)
        if case.biometrics.exists():
            raise Conflict(
                "زیست‌سنجی این پرونده پیش‌تر گرفته شده است.", code="BIOMETRICS_ALREADY_CAPTURED"
            )
        rows = [
            CaseBiometric(
                case=case,
                position=position,
                source=source,
                content_type=checked[position].content_type,
                size=len(images[position]),
                sha256=checked[position].sha256,
                data=sealed[position],
                captured_by=uploader,
            )
            for position in sorted(images)
        ] + [
            CaseBiometric(
                case=case,
                position=position,
                source=source,
                missing_reason=reason,
                captured_by=uploader,
            )
            for position, reason in sorted(missing.items())
        ]
        CaseBiometric.objects.bulk_create(rows)
        audit_record(
            actor=officer,
            action="citizenship_biometrics.captured",
            obj=case,
            data={"source": source, "captured": sorted(images), "missing": missing},
        )
        templates = {position: checked[position].sha256 for position in images}
        duplicates = []
        for candidate in matcher().search(case_id=case.pk, templates=templates):
            if candidate.score < settings.CITIZENSHIP_BIOMETRIC_MATCH_THRESHOLD:
                continue
            citizen = (
                Citizen.objects.filter(national_code=candidate.national_code).first()
                if candidate.national_code
                else None
            )
            if candidate.other_case_id is None and citizen is None:
                continue  # an enrolment of a citizen the registry no longer holds
            duplicate = PossibleDuplicate.objects.create(
                case=case,
                other_case_id=candidate.other_case_id,
                citizen=citizen,
                score=candidate.score,
                positions=list(candidate.positions),
            )
            audit_record(
                actor=officer,
                action="citizenship_duplicate.found",
                obj=duplicate,
                data={
                    "case": case.case_number,
                    "other_case": candidate.other_case_id,
                    "citizen": citizen.pk if citizen else None,
                    "score": candidate.score,
                },
            )
            duplicates.append(duplicate)
    return duplicates


def duplicate_resolve(
    *, duplicate_id: int, officer: Any, link: bool, reason: str
) -> PossibleDuplicate:
    """An officer of either case's county links the possible duplicate (the same person) or
    clears it (someone else), with written reasons (RESOLUTION_REASON_REQUIRED without)."""
    duplicate = selectors.access_duplicate_for(officer, duplicate_id=duplicate_id)
    reason = normalize_text(reason or "")
    if len(reason) < 10:
        raise ValidationFailed(
            "دلیل پیوند یا رفع احتمال تکرار را بنویسید.", code="RESOLUTION_REASON_REQUIRED"
        )
    to = DuplicateStatus.LINKED if link else DuplicateStatus.CLEARED
    return transition(
        PossibleDuplicate,
        pk=duplicate.pk,
        to=to,
        actor=officer,
        reason=reason,
        updates={"reason": reason, "resolved_at": timezone.now(), "resolved_by": officer},
        action=f"citizenship_duplicate.{to}",
        audit_data={"case": duplicate.case.case_number},
    )


# --- Inquiries ----------------------------------------------------------------------------

_DAYS_SETTING: dict[str, str] = {
    Agency.POLICE: "CITIZENSHIP_POLICE_DAYS",
    Agency.SECURITY: "CITIZENSHIP_SECURITY_DAYS",
    Agency.FORENSIC: "CITIZENSHIP_FORENSIC_DAYS",
}


def inquiry_order(*, case: Case, agency: str, officer: Any) -> Inquiry:
    """Send an inquiry to an agency; it is due after the agency's days (settings)."""
    if agency not in Agency.values:
        raise ValidationFailed("مرجع استعلام معتبر نیست.", code="AGENCY_INVALID")
    if not selectors.holds_post(
        officer, county_id=case.residence_county_id, function=Function.CASE_OFFICER
    ):
        raise AccessDenied("شما کارشناس پرونده‌های این شهرستان نیستید.", code="NOT_CASE_OFFICER")
    if case.status not in (CaseStatus.INTAKE, CaseStatus.MORE_EVIDENCE):
        raise Conflict("در این مرحلهٔ پرونده استعلام فرستاده نمی‌شود.", code="CASE_NOT_OPEN")
    now = timezone.now()
    due = today_local() + dt.timedelta(days=getattr(settings, _DAYS_SETTING[agency]))
    try:
        with transaction.atomic():
            inquiry = Inquiry.objects.create(case=case, agency=agency, ordered_at=now, due_on=due)
            audit_record(
                actor=officer,
                action="citizenship_inquiry.ordered",
                obj=inquiry,
                to_state=InquiryStatus.ORDERED,
                data={"case": case.case_number, "agency": agency, "due_on": due.isoformat()},
            )
    except IntegrityError:
        raise Conflict(
            "استعلامی از این مرجع هنوز بی‌پاسخ مانده است.", code="INQUIRY_ALREADY_OPEN"
        ) from None
    return inquiry


def inquiry_answer(*, inquiry_id: int, user: Any, outcome: str, note: str) -> Inquiry:
    """The agency's user records the answer (once)."""
    inquiry = Inquiry.objects.select_related("case").filter(pk=inquiry_id).first()
    if inquiry is None or not selectors.holds_post(
        user, county_id=inquiry.case.residence_county_id, function=ANSWER_FUNCTION[inquiry.agency]
    ):
        raise AccessDenied(
            "پاسخ این استعلام با کاربر همان مرجع در شهرستان پرونده است.", code="NOT_AGENCY_USER"
        )
    if outcome not in OUTCOMES_OF[inquiry.agency]:
        raise ValidationFailed(
            "این نتیجه برای این مرجع معتبر نیست.",
            code="OUTCOME_INVALID",
            extra={"outcomes": sorted(OUTCOMES_OF[inquiry.agency])},
        )
    return transition(
        Inquiry,
        pk=inquiry.pk,
        to=InquiryStatus.ANSWERED,
        # A DNA result comes from a sample: a forensic test is answered only after it.
        allowed_from=(InquiryStatus.SAMPLE_TAKEN,)
        if inquiry.agency == Agency.FORENSIC
        else (InquiryStatus.ORDERED,),
        actor=user,
        updates={
            "outcome": outcome,
            "note": normalize_text(note or "")[:4000],
            "answered_at": timezone.now(),
            "answered_by": user,
        },
        action="citizenship_inquiry.answered",
        audit_data={"case": inquiry.case.case_number, "outcome": outcome},
    )


def inquiry_sample_taken(*, inquiry_id: int, user: Any) -> Inquiry:
    """The forensic user records that the DNA sample was taken (the result comes later)."""
    inquiry = Inquiry.objects.select_related("case").filter(pk=inquiry_id).first()
    if (
        inquiry is None
        or inquiry.agency != Agency.FORENSIC
        or not selectors.holds_post(
            user, county_id=inquiry.case.residence_county_id, function=Function.FORENSIC
        )
    ):
        raise AccessDenied(
            "ثبت نمونه‌گیری با کاربر پزشکی قانونی شهرستان پرونده است.", code="NOT_AGENCY_USER"
        )
    return transition(
        Inquiry,
        pk=inquiry.pk,
        to=InquiryStatus.SAMPLE_TAKEN,
        actor=user,
        updates={"sample_taken_at": timezone.now()},
        action="citizenship_inquiry.sample_taken",
        audit_data={"case": inquiry.case.case_number},
    )


@dataclass(frozen=True)
class OverdueFlagged:
    """What one overdue sweep flagged: the inquiries, and how many in each province."""

    inquiry_ids: list[int]
    by_province: dict[str, int]

    def __str__(self) -> str:
        per = ", ".join(f"{code}: {n}" for code, n in sorted(self.by_province.items()))
        return f"overdue inquiries flagged: {len(self.inquiry_ids)}" + (f" ({per})" if per else "")


def inquiries_overdue_flag(*, on: dt.date | None = None) -> OverdueFlagged:
    """Flag to their provincial directors the inquiries still unanswered past their due date
    that no sweep flagged before: each is marked once (overdue_flagged_at) with an audit row;
    the director's list (selectors.overdue_inquiries_for) shows them, newest flags first, and
    each province's count goes to the log as a warning after the commit (staff have no SMS
    number in Hoviat). Running it again flags nothing new; two at once skip each other's rows."""
    today = on or today_local()
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            Inquiry.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                status__in=WAITING_INQUIRY_STATUSES,
                due_on__lt=today,
                overdue_flagged_at__isnull=True,
            )
            .select_related("case__residence_county__province")
            .order_by("pk")
        )
        if not rows:
            return OverdueFlagged(inquiry_ids=[], by_province={})
        ids = [row.pk for row in rows]
        Inquiry.objects.filter(pk__in=ids).update(overdue_flagged_at=now)
        audit_many(
            actor=None,
            rows=[
                {
                    "action": "citizenship_inquiry.overdue_flagged",
                    "object_type": "citizenship.inquiry",
                    "object_id": row.pk,
                    "data": {
                        "case": row.case.case_number,
                        "agency": row.agency,
                        "due_on": row.due_on.isoformat(),
                        "province": row.case.residence_county.province.code,
                    },
                }
                for row in rows
            ],
        )
        by_province = dict(Counter(row.case.residence_county.province.code for row in rows))

        def tell() -> None:
            for code, n in sorted(by_province.items()):
                logger.warning("citizenship: %s inquiries newly overdue in %s", n, code)

        transaction.on_commit(tell)
    return OverdueFlagged(inquiry_ids=ids, by_province=by_province)


# --- To the council, and its decision -------------------------------------------------------


def case_submit(*, case_number: str, officer: Any) -> Case:
    """Send the case to the county council: every required document held, every inquiry
    answered; otherwise DOCUMENTS_MISSING / INQUIRIES_PENDING naming what is missing."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(
            pk=selectors.case_by_number(case_number=case_number).pk
        )
        if not selectors.holds_post(
            officer, county_id=case.residence_county_id, function=Function.CASE_OFFICER
        ):
            raise AccessDenied("شما کارشناس پرونده‌های این شهرستان نیستید.", code="NOT_CASE_OFFICER")
        missing = selectors.documents_missing(case)
        if missing:
            raise DocumentsMissing(extra={"missing": missing})
        pending = selectors.inquiries_pending(case)
        if pending:
            raise InquiriesPending(extra={"pending": pending})
        unresolved = selectors.duplicates_unresolved(case)
        if unresolved:
            raise DuplicateUnresolved(extra={"possible_duplicates": unresolved})
        return transition(
            Case,
            obj=case,
            to=CaseStatus.AWAITING_DECISION,
            actor=officer,
            action="citizenship_case.submitted",
        )


_DECISION_OF = {
    VoteOutcome.APPROVE: CaseStatus.APPROVED,
    VoteOutcome.REFUSE: CaseStatus.REFUSED,
    VoteOutcome.MORE_EVIDENCE: CaseStatus.MORE_EVIDENCE,
}
_DECISION_TEXT = {
    CaseStatus.APPROVED: "تأیید تابعیت و صدور شناسنامه",
    CaseStatus.REFUSED: "رد درخواست (امکان اعتراض در دادگاه)",
    CaseStatus.MORE_EVIDENCE: "نیاز به مدارک بیشتر",
    CaseStatus.REFUSAL_UPHELD: "رد اعتراض در دادگاه",
}


def case_vote(*, case_number: str, member: Any, outcome: str, reasons: str) -> Case:
    """A council member's vote; when the quorum agrees on an outcome the case is decided with
    the agreeing members' reasons, and an approval registers the people in the same
    transaction."""
    reasons = normalize_text(reasons or "")
    if outcome not in VoteOutcome.values:
        raise ValidationFailed("رأی معتبر نیست.", code="VOTE_INVALID")
    if len(reasons) < 10:
        raise ReasonsRequired()
    with transaction.atomic():
        found = selectors.case_by_number(case_number=case_number)
        if not selectors.holds_post(
            member, county_id=found.residence_county_id, function=Function.COUNCIL_MEMBER
        ):
            raise NotCouncilMember()
        case = Case.objects.select_for_update().get(pk=found.pk)
        if case.status != CaseStatus.AWAITING_DECISION:
            raise Conflict(
                "این پرونده در انتظار تصمیم شورا نیست.", code="CASE_NOT_AWAITING_DECISION"
            )
        if Vote.objects.filter(case=case, member=member, round=case.decision_round).exists():
            raise AlreadyVoted()
        unresolved = selectors.duplicates_unresolved(case)
        if unresolved:  # flagged by another case's capture after this one was submitted
            raise DuplicateUnresolved(extra={"possible_duplicates": unresolved})
        registered = selectors.linked_registrations(case)
        if outcome == VoteOutcome.APPROVE and registered:
            raise PersonAlreadyRegistered(extra={"national_codes": registered})
        vote = Vote.objects.create(
            case=case, member=member, round=case.decision_round, outcome=outcome, reasons=reasons
        )
        audit_record(
            actor=member,
            action="citizenship_vote.cast",
            obj=vote,
            data={"case": case.case_number, "round": case.decision_round, "outcome": outcome},
        )
        votes = list(Vote.objects.filter(case=case, round=case.decision_round).order_by("pk"))
        tally = Counter(v.outcome for v in votes)
        if tally[outcome] < settings.CITIZENSHIP_COUNCIL_QUORUM:
            return case
        decided = _DECISION_OF[VoteOutcome(outcome)]
        written = "\n".join(v.reasons for v in votes if v.outcome == outcome)
        updates: dict[str, Any] = {"decision_reasons": written, "decided_at": timezone.now()}
        if decided == CaseStatus.MORE_EVIDENCE:
            updates["decision_round"] = case.decision_round + 1
        case = transition(
            Case,
            obj=case,
            to=decided,
            actor=member,
            reason=written,
            updates=updates,
            action=f"citizenship_case.{decided}",
            audit_data={"votes": dict(tally)},
        )
        if decided == CaseStatus.APPROVED:
            case = _issue(case, actor=member)
        _letter_issue(case, outcome=decided, actor=member)
    return case


def _birth_date_of(case: Case) -> dt.date:
    # An approximate birth is registered on the 1st of July of its year (the middle).
    return case.birth_date or dt.date(case.birth_year, 7, 1)


def _issue(case: Case, *, actor: Any) -> Case:
    """Register the person and each family member (national code, birth certificate), link
    them to the case, let the applicant's mobile own their code. Caller holds the case lock."""
    family = list(case.family.order_by("pk"))
    people = [
        NewCitizen(
            first_name=case.first_name,
            last_name=case.last_name,
            father_name=case.father_name,
            mother_name=case.mother_name,
            gender=case.gender,
            birth_date=_birth_date_of(case),
            mobile=case.mobile,
        )
    ] + [
        NewCitizen(
            first_name=m.first_name,
            last_name=m.last_name,
            father_name=m.father_name,
            mother_name=m.mother_name,
            gender=m.gender,
            birth_date=m.birth_date,
        )
        for m in family
    ]
    citizens = citizens_register(
        people=people,
        county=case.residence_county,
        actor=actor,
        reason=f"citizenship case {case.case_number}",
    )
    for member, citizen in zip(family, citizens[1:], strict=True):
        member.citizen = citizen
    FamilyMember.objects.bulk_update(family, ["citizen"])
    mobile_ownership_record(
        mobile=case.mobile, national_code=citizens[0].national_code, source=OwnershipSource.REGISTRY
    )
    return transition(
        Case,
        obj=case,
        to=CaseStatus.ISSUED,
        actor=actor,
        updates={"citizen": citizens[0], "issued_at": timezone.now()},
        action="citizenship_case.issued",
        audit_data={"national_codes": [c.national_code for c in citizens]},
    )


# --- Appeal and the court's ruling -------------------------------------------------------------


def appeal_closes_on(case: Case) -> dt.date | None:
    """The last day a refusal may be appealed (the decision's local date + the setting)."""
    if case.decided_at is None:
        return None
    decided_on = timezone.localtime(case.decided_at).date()
    return decided_on + dt.timedelta(days=settings.CITIZENSHIP_APPEAL_DAYS)


def case_appeal(*, case_number: str, grounds: str, actor: Any) -> Case:
    """A refused applicant appeals to a court, within the window (APPEAL_WINDOW_CLOSED after)."""
    grounds = normalize_text(grounds or "")
    if len(grounds) < 10:
        raise ValidationFailed("دلایل اعتراض را بنویسید.", code="GROUNDS_REQUIRED")
    with transaction.atomic():
        case = Case.objects.select_for_update().get(
            pk=selectors.case_by_number(case_number=case_number).pk
        )
        if case.status != CaseStatus.REFUSED:
            raise Conflict("تنها به تصمیم رد می‌توان اعتراض کرد.", code="CASE_NOT_REFUSED")
        closes = appeal_closes_on(case)
        if closes is None or today_local() > closes:
            raise AppealWindowClosed(extra={"closed_on": closes.isoformat() if closes else None})
        return transition(
            Case,
            obj=case,
            to=CaseStatus.APPEALED,
            actor=actor,
            reason=grounds,
            updates={"appeal_grounds": grounds, "appealed_at": timezone.now()},
            action="citizenship_case.appealed",
        )


def case_court_ruling(
    *, case_number: str, lawyer: Any, outcome: str, ruling_number: str, ruling_date: dt.date
) -> Case:
    """A registry lawyer of the case's county records the court's ruling on the appeal; a
    ruling that overturns the refusal approves the case and registers the people at once."""
    if outcome not in ("upheld", "overturned"):
        raise ValidationFailed("نتیجهٔ حکم معتبر نیست.", code="RULING_OUTCOME_INVALID")
    number = normalize_text(ruling_number or "")
    if not number:
        raise ValidationFailed("شمارهٔ دادنامه را وارد کنید.", code="RULING_NUMBER_REQUIRED")
    if ruling_date > today_local():
        raise ValidationFailed("تاریخ دادنامه در آینده است.", code="RULING_DATE_INVALID")
    with transaction.atomic():
        found = selectors.case_by_number(case_number=case_number)
        if not selectors.holds_post(
            lawyer, county_id=found.residence_county_id, function=Function.REGISTRY_LAWYER
        ):
            raise AccessDenied(
                "ثبت حکم دادگاه با حقوقدان ثبت احوال همین شهرستان است.", code="NOT_REGISTRY_LAWYER"
            )
        case = Case.objects.select_for_update().get(pk=found.pk)
        if case.status != CaseStatus.APPEALED:
            raise Conflict("این پرونده در انتظار حکم دادگاه نیست.", code="CASE_NOT_APPEALED")
        to = CaseStatus.APPROVED if outcome == "overturned" else CaseStatus.REFUSAL_UPHELD
        # Read by people (the letter, the case page): Persian digits and the Jalali date.
        on = format_jalali(ruling_date, long=True)
        written = f"دادنامهٔ شمارهٔ {persian_digits(number)} مورخ {on}: " + (
            "رد تصمیم شورا و تأیید تابعیت." if to == CaseStatus.APPROVED else "تأیید تصمیم شورا."
        )
        case = transition(
            Case,
            obj=case,
            to=to,
            actor=lawyer,
            reason=written,
            updates={
                "court_outcome": outcome,
                "court_ruling_number": number,
                "court_ruling_date": ruling_date,
                "decision_reasons": f"{case.decision_reasons}\n{written}".strip(),
                "decided_at": timezone.now(),
            },
            action=f"citizenship_case.court_{outcome}",
        )
        if to == CaseStatus.APPROVED:
            case = _issue(case, actor=lawyer)
        _letter_issue(case, outcome=to, actor=lawyer)
    return case


# --- The decision letter --------------------------------------------------------------------


class LetterSigningUnavailable(DomainError):
    code = "LETTER_SIGNING_UNAVAILABLE"
    status = 503
    title = "Letter signing unavailable"
    default_detail = "امضای نامهٔ تصمیم در دسترس نیست؛ تصمیم ثبت نشد. دوباره تلاش کنید."


def decision_letter_number_new() -> str:
    """9 digits: 8 random and a Damm check digit (no other number Hoviat gives has 9)."""
    body = str(secrets.randbelow(9) + 1) + "".join(secrets.choice("0123456789") for _ in range(7))
    return body + str(damm_digit(body))


def _letter_issue(case: Case, *, outcome: str, actor: Any) -> DecisionLetter:
    """The letter of the decision just taken (caller holds the case lock, inside its
    transaction): its QR signed through the decision_letter_sign hook, audited, and an SMS
    to the applicant after the commit. No signer, no decision (LETTER_SIGNING_UNAVAILABLE)."""
    assert case.decided_at is not None
    letter_outcome = LetterOutcome(outcome)
    appeal = appeal_closes_on(case) if letter_outcome == LetterOutcome.REFUSED else None
    codes: list[str] = []
    if case.citizen is not None:
        family_codes = (
            case.family.filter(citizen__isnull=False)
            .order_by("pk")
            .values_list("citizen__national_code", flat=True)
        )
        codes = [case.citizen.national_code, *family_codes]
    number = decision_letter_number_new()
    while DecisionLetter.objects.filter(letter_number=number).exists():
        number = decision_letter_number_new()
    now = timezone.now()
    reasons = case.decision_reasons
    qr_text = hooks.decision_letter_sign.first(
        claims={
            "letter_number": number,
            "case_number": case.case_number,
            "temporary_id": case.temporary_id,
            "first_name": case.first_name,
            "last_name": case.last_name,
            "outcome": str(letter_outcome),
            "decided_on": timezone.localtime(case.decided_at).date(),
            "appeal_closes_on": appeal,
            "reasons_digest": hashlib.sha256(reasons.encode("utf-8")).hexdigest()[:16],
            "national_codes": codes,
            "issued_at": now,
        }
    )
    if qr_text is None:
        raise LetterSigningUnavailable()
    letter = DecisionLetter.objects.create(
        case=case,
        letter_number=number,
        outcome=letter_outcome,
        reasons=reasons,
        decided_at=case.decided_at,
        appeal_closes_on=appeal,
        national_codes=codes,
        qr_text=qr_text,
        issued_at=now,
    )
    audit_record(
        actor=actor,
        action="citizenship_letter.issued",
        obj=letter,
        data={"case": case.case_number, "outcome": letter_outcome, "letter": number},
    )
    sms_queue(
        to=case.mobile,
        template="citizenship_decided",
        params={
            "case_number": case.case_number,
            "outcome": _DECISION_TEXT[CaseStatus(letter_outcome)],
            "letter_number": number,
        },
        related=case,
    )
    return letter


def decision_letter_render(*, letter: DecisionLetter, viewer: Any) -> bytes:
    """The letter's PDF (rendered on demand from its row); each rendering is audited."""
    pdf = decision_letter_pdf(letter)
    audit_record(
        actor=viewer,
        action="citizenship_letter.rendered",
        obj=letter,
        data={"case": letter.case.case_number, "letter": letter.letter_number},
    )
    return pdf
