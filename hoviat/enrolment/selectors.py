"""Reads of the enrolment: who may see what, today's appointments, and an enrolment's progress.

Access: an office operator sees the enrolments, receipts and biometric files of their own
office only; a national admin sees all; anyone else nothing. Whatever is out of reach is
"not found", so an operator cannot learn what happens at other offices by guessing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from hoviat.applications.codes import tracking_code_parse
from hoviat.applications.models import (
    AWAITING_CARD_STATUSES,
    CLOSED_STATUSES,
    Application,
    ApplicationStatus,
)
from hoviat.applications.selectors import access_application_for_citizen
from hoviat.booking.models import Booking, BookingStatus
from hoviat.core.errors import DomainError
from hoviat.core.national_code import parse_national_code
from hoviat.core.permissions import is_national_admin, operator_office
from hoviat.core.permissions import (
    is_office_operator as is_office_operator,  # services import it here
)
from hoviat.enrolment.errors import (
    ApplicationNotFound,
    EnrolmentNotFound,
    ReceiptNotFound,
)
from hoviat.enrolment.models import (
    BiometricFile,
    BiometricKind,
    Document,
    Enrolment,
    FingerPosition,
    MissingFingerReason,
    Receipt,
)
from hoviat.offices.selectors import OFFICE_TZ
from hoviat.registry.models import OldCard

ALL_FINGERS = tuple(FingerPosition.values)
# A receipt stands in for the card from enrolment until the card is handed over.
RECEIPT_STANDING_STATUSES = AWAITING_CARD_STATUSES
APPOINTMENT_STATUSES = (BookingStatus.BOOKED, BookingStatus.ATTENDED, BookingStatus.MISSED)


# --- Access ----------------------------------------------------------------------------------


def _office_scope(user: Any, field: str) -> Q | None:
    """The filter of rows the user may see through `field` (an office id); None: nothing."""
    if is_national_admin(user):
        return Q()
    office_id = operator_office(user)
    if office_id is not None:
        return Q(**{field: office_id})
    return None


def enrolments_visible_to(user: Any) -> QuerySet[Enrolment]:
    enrolments = Enrolment.objects.select_related("application__citizen", "office", "operator")
    scope = _office_scope(user, "office_id")
    return enrolments.none() if scope is None else enrolments.filter(scope)


def access_enrolment_for(user: Any, enrolment_id: Any) -> Enrolment:
    """The enrolment if the user may see it; otherwise ENROLMENT_NOT_FOUND."""
    try:
        pk = int(enrolment_id)
    except (TypeError, ValueError):
        raise EnrolmentNotFound() from None
    enrolment = enrolments_visible_to(user).filter(pk=pk).first()
    if enrolment is None:
        raise EnrolmentNotFound()
    return enrolment


def access_application_at_office_for(user: Any, tracking_code: str) -> Application:
    """The application if it was enrolled (or is being enrolled) where the user may see it.

    A national admin reaches any application that has an enrolment; an operator only those
    enrolled at their office. Anything else is ENROLMENT_NOT_FOUND.
    """
    code = tracking_code_parse(tracking_code or "")
    scope = _office_scope(user, "enrolment__office_id")
    application = None
    if code is not None and scope is not None:
        application = (
            Application.objects.select_related("citizen", "enrolment__office")
            .filter(scope, tracking_code=code, enrolment__isnull=False)
            .first()
        )
    if application is None:
        raise EnrolmentNotFound()
    return application


def access_receipt_for(user: Any, receipt_number: str) -> Receipt:
    """A receipt (current or superseded) issued at the user's office, or any for an admin."""
    scope = _office_scope(user, "enrolment__office_id")
    receipt = None
    if scope is not None and receipt_number.isascii() and receipt_number.isdigit():
        receipt = (
            Receipt.objects.select_related(
                "application__citizen", "enrolment", "office", "issued_by"
            )
            .filter(scope, receipt_number=receipt_number)
            .first()
        )
    if receipt is None:
        raise ReceiptNotFound()
    return receipt


def access_receipt_for_citizen(
    *, mobile: str, public_id: uuid.UUID | None = None, tracking_code: str = ""
) -> Receipt:
    """The current receipt of the citizen's own application, named by its public id (pages)
    or its tracking code (the API); the owner check is the applications app's. One 404 for
    another's application, an unknown code and no receipt."""
    try:
        application = access_application_for_citizen(
            mobile=mobile, public_id=public_id, tracking_code=tracking_code
        )
    except DomainError:
        raise ReceiptNotFound("رسیدی برای این درخواست یافت نشد.") from None
    receipt = receipt_current(application=application)
    if receipt is None:
        raise ReceiptNotFound(
            "رسید پس از ثبت‌نام حضوری صادر می‌شود؛ برای این درخواست هنوز رسیدی نیست."
        )
    return receipt


def access_biometric_for(user: Any, biometric_id: Any) -> BiometricFile:
    """A biometric file for the operators of its office and national admins, no one else."""
    try:
        pk = int(biometric_id)
    except (TypeError, ValueError):
        raise EnrolmentNotFound() from None
    scope = _office_scope(user, "enrolment__office_id")
    found = (
        BiometricFile.objects.select_related("enrolment").filter(scope, pk=pk).first()
        if scope is not None
        else None
    )
    if found is None:
        raise EnrolmentNotFound()
    return found


def enrolment_face_of(*, application_id: int) -> BiometricFile | None:
    """The face photo enrolment kept for an application; for a card made from reused
    biometrics (`enrolment_reuse`), the photo of the visit they were taken at. The caller
    checks access and reads it through `services.biometric_image_read` (audited)."""
    enrolment = Enrolment.objects.filter(application_id=application_id).first()
    seen: set[int] = set()
    while enrolment is not None and enrolment.pk not in seen:
        seen.add(enrolment.pk)
        face = BiometricFile.objects.filter(enrolment=enrolment, kind=BiometricKind.FACE).first()
        if face is not None:
            return face
        enrolment = enrolment.reused_from
    return None


# --- Finding the application at check-in -----------------------------------------------------


def application_for_check_in(
    *, tracking_code: str | None = None, national_code: str | None = None
) -> Application:
    """The application the citizen presents: by tracking code, or their latest by national code.

    Not scoped to an office: a citizen may walk into any office with their tracking code.
    """
    applications = Application.objects.select_related("citizen")
    if tracking_code:
        code = tracking_code_parse(tracking_code)
        if code is None:
            raise ApplicationNotFound(
                "کد رهگیری معتبر نیست؛ آن را دوباره بررسی کنید.",
                code="TRACKING_CODE_INVALID",
                status=422,
            )
        found = applications.filter(tracking_code=code).first()
    elif national_code:
        national = parse_national_code(national_code)
        # The open application if there is one (at most one); else the latest, so that an
        # expired or cancelled one is reported as such rather than as "not found".
        mine = applications.filter(citizen__national_code=national)
        found = (
            mine.exclude(status__in=CLOSED_STATUSES).first() or mine.order_by("-created_at").first()
        )
    else:
        raise ApplicationNotFound(
            "کد رهگیری یا کد ملی را وارد کنید.", code="CHECK_IN_KEY_MISSING", status=422
        )
    if found is None:
        raise ApplicationNotFound()
    return found


# --- Appointments ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Appointment:
    booking_id: int
    starts_at: dt.datetime
    tracking_code: str
    full_name: str
    national_code: str
    booking_status: str
    application_status: str
    enrolment_id: int | None
    enrolment_status: str | None


def office_appointments(*, office_id: int, date: dt.date) -> list[Appointment]:
    """The day's appointments at an office, in time order, with how far each has got."""
    bookings = (
        Booking.objects.filter(
            slot__office_id=office_id, slot__date=date, status__in=APPOINTMENT_STATUSES
        )
        .select_related("slot", "application__citizen", "application__enrolment")
        .order_by("slot__starts_at", "pk")
    )
    appointments = []
    for booking in bookings:
        application = booking.application
        enrolment = getattr(application, "enrolment", None)
        appointments.append(
            Appointment(
                booking_id=booking.pk,
                starts_at=booking.slot.starts_at,
                tracking_code=application.tracking_code,
                full_name=application.citizen.full_name,
                national_code=application.citizen.national_code,
                booking_status=booking.status,
                application_status=application.status,
                enrolment_id=enrolment.pk if enrolment else None,
                enrolment_status=enrolment.status if enrolment else None,
            )
        )
    return appointments


def enrolments_of_office_on(*, office_id: int, date: dt.date) -> QuerySet[Enrolment]:
    """Enrolments started at the office that day (walk-ins included)."""
    start = dt.datetime.combine(date, dt.time(), tzinfo=OFFICE_TZ)
    return (
        Enrolment.objects.filter(
            office_id=office_id, started_at__gte=start, started_at__lt=start + dt.timedelta(days=1)
        )
        .select_related("application__citizen")
        .order_by("-started_at")
    )


# --- Progress --------------------------------------------------------------------------------


def documents_required(*, enrolment: Enrolment) -> list[str]:
    """The checklist: the old card is asked for only when the registry knows a live one."""
    required = [Document.SHENASNAMEH_ORIGINAL, Document.FORM_CONFIRMED]
    if OldCard.objects.filter(
        citizen_id=enrolment.application.citizen_id, invalidated_on__isnull=True
    ).exists():
        required.insert(1, Document.OLD_CARD_SURRENDERED)
    return [str(code) for code in required]


@dataclass(frozen=True)
class FingerState:
    position: int
    label: str
    biometric_id: int | None
    missing_reason: str | None
    missing_label: str | None

    @property
    def done(self) -> bool:
        return self.biometric_id is not None or self.missing_reason is not None


@dataclass(frozen=True)
class Progress:
    documents: list[tuple[str, str, bool]]  # (code, label, ticked) of the required ones
    documents_done: bool
    face_id: int | None
    fingers: list[FingerState]
    fingers_done: bool
    fingers_captured: int
    problems: list[str]  # what still stops completion, in Persian

    @property
    def ready(self) -> bool:
        return not self.problems


def enrolment_progress(*, enrolment: Enrolment) -> Progress:
    """Where the enrolment stands, and what still stops it from completing."""
    required = documents_required(enrolment=enrolment)
    documents = [(code, Document(code).label, bool(getattr(enrolment, code))) for code in required]
    files = {bio.position: bio for bio in enrolment.biometrics.all()}
    face = files.get(0)
    fingers = []
    for position in ALL_FINGERS:
        entry = enrolment.fingerprints.get(str(position), {})
        reason = entry.get("missing")
        bio = files.get(position)
        fingers.append(
            FingerState(
                position=position,
                label=FingerPosition(position).label,
                biometric_id=bio.pk if bio and bio.kind == BiometricKind.FINGER else None,
                missing_reason=reason,
                missing_label=MissingFingerReason(reason).label if reason else None,
            )
        )
    captured = sum(1 for finger in fingers if finger.biometric_id is not None)
    problems = []
    if not all(ticked for _, _, ticked in documents):
        problems.append("همهٔ مدارک فهرست بررسی تأیید نشده است.")
    if face is None:
        problems.append("عکس چهره ثبت نشده است.")
    undone = [finger.label for finger in fingers if not finger.done]
    if undone:
        problems.append(
            "برای این انگشت‌ها نه اثری ثبت شده و نه علت نبودن: " + "، ".join(undone) + "."
        )
    elif captured == 0:
        problems.append("دست‌کم اثر یک انگشت باید ثبت شود.")
    return Progress(
        documents=documents,
        documents_done=all(ticked for _, _, ticked in documents),
        face_id=face.pk if face else None,
        fingers=fingers,
        fingers_done=not undone,
        fingers_captured=captured,
        problems=problems,
    )


# --- Receipts --------------------------------------------------------------------------------


def receipt_current(*, application: Application) -> Receipt | None:
    return (
        Receipt.objects.select_related("office")
        .filter(application=application, superseded_at__isnull=True)
        .first()
    )


@dataclass(frozen=True)
class ReceiptStanding:
    """What an inquiry may say about a receipt number."""

    receipt: Receipt
    stands_in: bool  # the receipt is a valid stand-in for the card today
    reason_code: str  # "" when it stands in; otherwise RECEIPT_SUPERSEDED, RECEIPT_EXPIRED, …


def receipt_standing(*, receipt_number: str, today: dt.date) -> ReceiptStanding | None:
    """Whether a receipt stands in for the card (for the inquiry app); None if unknown."""
    receipt = (
        Receipt.objects.select_related("application").filter(receipt_number=receipt_number).first()
    )
    if receipt is None:
        return None
    status = receipt.application.status
    if receipt.is_superseded:
        reason = "RECEIPT_SUPERSEDED"
    elif status == ApplicationStatus.DELIVERED:
        reason = "CARD_DELIVERED"
    elif status not in RECEIPT_STANDING_STATUSES:
        reason = "APPLICATION_CLOSED"
    elif receipt.valid_until < today:
        reason = "RECEIPT_EXPIRED"
    else:
        reason = ""
    return ReceiptStanding(receipt=receipt, stands_in=not reason, reason_code=reason)


def enrolled_biometrics_with_hashes(*, sha256s: list[str]) -> list[dict]:
    """Enrolled faces and fingers whose image hashes are among these, with whose they are
    (citizenship's simulator matcher looks a case's biometrics up in the registry here)."""
    if not sha256s:
        return []
    rows = BiometricFile.objects.filter(sha256__in=sha256s).values_list(
        "enrolment__application__citizen__national_code", "position", "sha256"
    )
    return [
        {"national_code": code, "position": position, "sha256": sha256}
        for code, position, sha256 in rows
    ]
