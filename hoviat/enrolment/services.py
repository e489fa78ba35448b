"""Writes of the enrolment: check-in, the document checklist, biometric capture, completion
(application → enrolled, booking → attended, the signed receipt) and receipt reissue.

Lock order, as in booking: application row → enrolment row → booking rows → slot rows →
the audit head (audit_record, always last). Every row a transaction will change is locked
before its first audit row is written, so it never waits for a row while holding the chain.

Biometric files are written to disk before their database rows; a failure anywhere in the
block deletes them again (storage.files_cleanup_on_error), so nothing is left half-written.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hoviat.applications.models import AWAITING_CARD_STATUSES, Application, ApplicationStatus
from hoviat.applications.services import application_status_change
from hoviat.booking.models import Booking, BookingStatus, Slot
from hoviat.booking.services import (
    SlotFull,
    booking_attend,
    booking_hold,
    booking_reschedule,
)
from hoviat.core.audit import Actor, audit_record
from hoviat.core.checkdigits import damm_digit
from hoviat.core.errors import ValidationFailed
from hoviat.core.models import User
from hoviat.core.transitions import transition
from hoviat.enrolment import storage
from hoviat.enrolment.devices import BiometricDevice, MissingFinger
from hoviat.enrolment.errors import (
    ApplicationNotEnrollable,
    EnrolmentExists,
    EnrolmentIncomplete,
    EnrolmentInProgressElsewhere,
    EnrolmentNotFound,
    EnrolmentNotInProgress,
    NoAppointmentToday,
    OperatorRequired,
    ReceiptNotFound,
    ReceiptNotReissuable,
    WalkInNoRoom,
)
from hoviat.enrolment.images import CheckedImage, image_check
from hoviat.enrolment.models import (
    BiometricFile,
    BiometricKind,
    BiometricSource,
    Document,
    Enrolment,
    EnrolmentStatus,
    FingerPosition,
    MissingFingerReason,
    Receipt,
)
from hoviat.enrolment.pdf import receipt_pdf
from hoviat.enrolment.selectors import (
    ALL_FINGERS,
    RECEIPT_STANDING_STATUSES,
    access_application_at_office_for,
    application_for_check_in,
    enrolment_progress,
    is_office_operator,
)
from hoviat.notifications.services import sms_queue
from hoviat.offices.models import Office
from hoviat.offices.selectors import OFFICE_TZ
from hoviat.pki.receipts import ReceiptClaims
from hoviat.pki.services import receipt_qr_sign

FACE = 0

# Why an application cannot be enrolled, by its status: a code and words for the operator.
_NOT_ENROLLABLE = {
    "pre_registered": (
        "APPLICATION_NOT_PAID",
        "هزینهٔ این درخواست پرداخت نشده است؛ پیش از ثبت‌نام حضوری باید پرداخت شود.",
    ),
    "expired": (
        "APPLICATION_EXPIRED",
        "این درخواست منقضی شده است (نوبت از دست رفته)؛ متقاضی باید دوباره پیش‌ثبت‌نام کند.",
    ),
    "cancelled": ("APPLICATION_CANCELLED", "این درخواست لغو شده است."),
    "rejected": ("APPLICATION_REJECTED", "این درخواست رد شده است."),
    "voided": ("APPLICATION_CLOSED", "این درخواست بسته شده است."),
    "delivered": ("APPLICATION_CLOSED", "کارت این درخواست پیش‌تر تحویل شده است."),
}
_ENROLLED_OR_LATER = AWAITING_CARD_STATUSES


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment, OFFICE_TZ).date()


def _require_operator(operator: Any) -> int:
    """The operator's office id; OperatorRequired unless an active operator with an office."""
    if not is_office_operator(operator):
        raise OperatorRequired()
    return operator.office_id


def _lock_application(pk: int) -> Application:
    return Application.objects.select_related("citizen").select_for_update(of=("self",)).get(pk=pk)


def _lock_enrolment(pk: int) -> Enrolment:
    try:
        return Enrolment.objects.select_for_update().get(pk=pk)
    except Enrolment.DoesNotExist:
        raise EnrolmentNotFound() from None


def _enrollable(application: Application) -> None:
    if application.status in _ENROLLED_OR_LATER:
        raise EnrolmentExists(extra={"application_status": application.status})
    if application.status in _NOT_ENROLLABLE:
        code, detail = _NOT_ENROLLABLE[application.status]
        raise ApplicationNotEnrollable(
            detail, code=code, extra={"application_status": application.status}
        )


# --- Check-in --------------------------------------------------------------------------------


# An always-open office (the demo's) has no working day to speak of: its "today" is the
# half-day either side of now, so a visit at 23:55 for the 00:00 slot, or one that runs past
# midnight, is still the same visit.
ALWAYS_OPEN_VISIT_WINDOW = dt.timedelta(hours=12)


def _visit_slots(office_id: int, now: dt.datetime, prefix: str = "") -> dict[str, Any]:
    """Filter arguments for the slots of the visit day at the office (`prefix` for a join)."""
    if Office.objects.filter(pk=office_id, always_open=True).exists():
        return {
            f"{prefix}starts_at__gte": now - ALWAYS_OPEN_VISIT_WINDOW,
            f"{prefix}starts_at__lt": now + ALWAYS_OPEN_VISIT_WINDOW,
        }
    return {f"{prefix}date": _local_date(now)}


def _booking_today_here(
    application: Application, office_id: int, now: dt.datetime
) -> Booking | None:
    return (
        Booking.objects.select_for_update(of=("self",))
        .filter(
            application_id=application.pk,
            status=BookingStatus.BOOKED,
            slot__office_id=office_id,
            **_visit_slots(office_id, now, prefix="slot__"),
        )
        .first()
    )


def _walk_in_seat(
    *, application: Application, office_id: int, now: dt.datetime, operator: User
) -> Booking:
    """A seat in the next slot today at this office that has room, through booking's services.

    A booked application's appointment moves here (its old seat is given back); a paid one is
    booked here. Booking sends the citizen its usual SMS, which carries the tracking code.
    """
    candidates = (
        Slot.objects.filter(
            office_id=office_id,
            starts_at__gt=now,
            taken__lt=F("capacity"),
            **_visit_slots(office_id, now),
        )
        .order_by("starts_at")
        .values_list("pk", flat=True)[:5]
    )
    for slot_id in candidates:
        try:
            if application.status == ApplicationStatus.BOOKED:
                return booking_reschedule(application=application, slot_id=slot_id, actor=operator)
            return booking_hold(application=application, slot_id=slot_id, actor=operator)
        except SlotFull:
            continue  # taken a moment ago by someone else: the next one
    raise WalkInNoRoom()


def _files_delete(names: Iterable[str]) -> None:
    for name in names:
        storage.encrypted_delete(name)


def _wipe_biometrics(enrolment: Enrolment) -> None:
    """Delete the enrolment's biometric rows; their files go after the commit."""
    names = list(enrolment.biometrics.values_list("storage_name", flat=True))
    enrolment.biometrics.all().delete()
    transaction.on_commit(lambda: _files_delete(names))


_FRESH = {
    "shenasnameh_original": False,
    "old_card_surrendered": False,
    "form_confirmed": False,
    "face_sha256": "",
    "fingerprints": {},
    "completed_at": None,
}


def enrolment_check_in(
    *, operator: User, tracking_code: str | None = None, national_code: str | None = None
) -> Enrolment:
    """Start (or resume) the enrolment of the citizen in front of the operator, at their office."""
    office_id = _require_operator(operator)
    found = application_for_check_in(tracking_code=tracking_code, national_code=national_code)
    now = timezone.now()
    today = _local_date(now)
    with transaction.atomic():
        application = _lock_application(found.pk)
        _enrollable(application)
        existing = Enrolment.objects.select_for_update().filter(application=application).first()
        if existing is not None and existing.status == EnrolmentStatus.COMPLETED:
            raise EnrolmentExists()
        if existing is not None and existing.status == EnrolmentStatus.IN_PROGRESS:
            if existing.office_id == office_id:
                return existing  # the same citizen checked in twice: carry on
            if _local_date(existing.started_at) == today:
                raise EnrolmentInProgressElsewhere()
        booking = _booking_today_here(application, office_id, now)
        walk_in = booking is None
        if booking is None:
            if not settings.ENROLMENT_WALK_IN_ALLOWED:
                raise NoAppointmentToday()
            booking = _walk_in_seat(
                application=application, office_id=office_id, now=now, operator=operator
            )
        data = {
            "application_id": application.pk,
            "office_id": office_id,
            "booking_id": booking.pk,
            "walk_in": walk_in,
        }
        if existing is None:
            enrolment = Enrolment.objects.create(
                application=application,
                office_id=office_id,
                operator=operator,
                started_at=now,
                walk_in=walk_in,
            )
            audit_record(
                actor=operator,
                action="enrolment.in_progress",
                obj=enrolment,
                to_state=EnrolmentStatus.IN_PROGRESS,
                data=data,
            )
            return enrolment
        # Left unfinished on an earlier day (elsewhere), or abandoned: start again from
        # nothing here; captures made there are not trusted for this visit.
        if existing.status == EnrolmentStatus.IN_PROGRESS:
            transition(
                Enrolment,
                pk=existing.pk,
                to=EnrolmentStatus.ABANDONED,
                actor=operator,
                reason="left_unfinished",
            )
        _wipe_biometrics(existing)
        return transition(
            Enrolment,
            pk=existing.pk,
            to=EnrolmentStatus.IN_PROGRESS,
            actor=operator,
            reason="checked_in_again",
            audit_data=data,
            updates={
                **_FRESH,
                "office_id": office_id,
                "operator": operator,
                "started_at": now,
                "walk_in": walk_in,
            },
        )


def enrolment_abandon(*, enrolment: Enrolment, operator: User, reason: str = "") -> Enrolment:
    """The citizen left before the end: the enrolment is closed and its captures deleted."""
    with transaction.atomic():
        locked = _open_enrolment(enrolment, operator)
        _wipe_biometrics(locked)
        return transition(
            Enrolment,
            pk=locked.pk,
            to=EnrolmentStatus.ABANDONED,
            actor=operator,
            reason=reason[:200] or "citizen_left",
            updates={"face_sha256": "", "fingerprints": {}},
        )


# --- The document checklist ------------------------------------------------------------------


def _check_open(enrolment: Enrolment, operator: User) -> None:
    """Refuse unless the operator may still change this enrolment (on the row as given)."""
    _require_operator(operator)
    if enrolment.office_id != operator.office_id:
        raise EnrolmentNotFound()
    if enrolment.status == EnrolmentStatus.COMPLETED:
        raise EnrolmentExists()
    if enrolment.status != EnrolmentStatus.IN_PROGRESS:
        raise EnrolmentNotInProgress()


def _open_enrolment(enrolment: Enrolment, operator: User) -> Enrolment:
    """The enrolment, locked, if the operator may still change it (caller holds a transaction)."""
    _require_operator(operator)
    locked = _lock_enrolment(enrolment.pk)
    # Checked again on the locked row: the enrolment may have moved to another office or
    # been completed since the caller read it.
    _check_open(locked, operator)
    return locked


def enrolment_documents_confirm(
    *, enrolment: Enrolment, operator: User, documents: Iterable[str]
) -> Enrolment:
    """Set the checklist to exactly the documents given (codes of Document)."""
    ticked = set(documents)
    unknown = ticked - set(Document.values)
    if unknown:
        raise ValidationFailed(
            "نوع مدرک شناخته نیست: " + "، ".join(sorted(unknown)),
            code="DOCUMENT_UNKNOWN",
            extra={"unknown": sorted(unknown)},
        )
    with transaction.atomic():
        locked = _open_enrolment(enrolment, operator)
        values = {code: code in ticked for code in Document.values}
        before = {code: getattr(locked, code) for code in Document.values}
        if values == before:
            return locked
        for code, value in values.items():
            setattr(locked, code, value)
        locked.save(update_fields=[*Document.values, "updated_at"])
        audit_record(
            actor=operator,
            action="enrolment.documents",
            obj=locked,
            data={"documents": sorted(c for c, v in values.items() if v)},
        )
    return locked


# --- Biometrics ------------------------------------------------------------------------------


def _store(
    *,
    enrolment: Enrolment,
    operator: User,
    kind: str,
    position: int,
    image: CheckedImage,
    source: str,
) -> BiometricFile:
    """Write the encrypted file and its row, replacing an earlier capture of that position."""
    name = storage.encrypted_write(image.data)
    replaced = list(
        BiometricFile.objects.filter(enrolment=enrolment, position=position).values_list(
            "storage_name", flat=True
        )
    )
    BiometricFile.objects.filter(enrolment=enrolment, position=position).delete()
    bio = BiometricFile.objects.create(
        enrolment=enrolment,
        kind=kind,
        position=position,
        source=source,
        sha256=image.sha256,
        content_type=image.content_type,
        size=len(image.data),
        width=image.width,
        height=image.height,
        storage_name=name,
        captured_at=timezone.now(),
    )
    if replaced:
        transaction.on_commit(lambda: _files_delete(replaced))
    audit_record(
        actor=operator,
        action=f"biometric.{kind}.captured",
        obj=bio,
        data={
            "enrolment_id": enrolment.pk,
            "position": position,
            "source": source,
            "sha256": image.sha256,
            "replaced": bool(replaced),
        },
    )
    return bio


def _source(source: str) -> str:
    if source not in BiometricSource.values:
        raise ValidationFailed(
            "منبع تصویر باید «device» یا «upload» باشد.", code="BIOMETRIC_SOURCE_UNKNOWN"
        )
    return source


def enrolment_capture_face(
    *, enrolment: Enrolment, operator: User, image: bytes, source: str
) -> BiometricFile:
    """Check and keep the face photo (encrypted); its hash goes on the enrolment."""
    # Decoding an image is the costly part: nobody gets it for an enrolment they cannot change.
    _check_open(enrolment, operator)
    checked = image_check(image, kind="face")
    source = _source(source)
    with storage.files_cleanup_on_error(), transaction.atomic():
        locked = _open_enrolment(enrolment, operator)
        bio = _store(
            enrolment=locked,
            operator=operator,
            kind=BiometricKind.FACE,
            position=FACE,
            image=checked,
            source=source,
        )
        locked.face_sha256 = checked.sha256
        locked.save(update_fields=["face_sha256", "updated_at"])
    return bio


def _finger_position(position: Any) -> int:
    try:
        return FingerPosition(int(position)).value
    except (TypeError, ValueError):
        raise ValidationFailed(
            "شمارهٔ انگشت باید از ۱ (شست راست) تا ۱۰ (کوچک چپ) باشد.", code="FINGER_POSITION_INVALID"
        ) from None


def _missing_reason(reason: str | None) -> str | None:
    if reason is None or reason == "":
        return None
    if reason not in MissingFingerReason.values:
        raise ValidationFailed(
            "علت نبودن اثر انگشت باید یکی از AMPUTATED، BANDAGED یا UNABLE_TO_CAPTURE باشد.",
            code="FINGER_MISSING_REASON_UNKNOWN",
        )
    return reason


def enrolment_capture_fingerprint(
    *,
    enrolment: Enrolment,
    operator: User,
    position: int,
    image: bytes | None = None,
    missing_reason: str | None = None,
    source: str = BiometricSource.DEVICE,
) -> BiometricFile | None:
    """Keep one finger's image, or record why it cannot be taken (then nothing is stored)."""
    position = _finger_position(position)
    reason = _missing_reason(missing_reason)
    if (image is None) == (reason is None):
        raise ValidationFailed(
            "برای هر انگشت یا تصویر اثر آن را بفرستید یا علت نبودن آن را، نه هر دو.",
            code="FINGER_MISSING_REASON_REQUIRED",
            extra={"position": position},
        )
    _check_open(enrolment, operator)  # before the image is decoded, as for the face
    checked = image_check(image, kind="finger") if image is not None else None
    source = _source(source)
    with storage.files_cleanup_on_error(), transaction.atomic():
        locked = _open_enrolment(enrolment, operator)
        fingerprints = dict(locked.fingerprints)
        bio = None
        if checked is not None:
            bio = _store(
                enrolment=locked,
                operator=operator,
                kind=BiometricKind.FINGER,
                position=position,
                image=checked,
                source=source,
            )
            fingerprints[str(position)] = {"sha256": checked.sha256}
        else:
            names = list(
                BiometricFile.objects.filter(enrolment=locked, position=position).values_list(
                    "storage_name", flat=True
                )
            )
            BiometricFile.objects.filter(enrolment=locked, position=position).delete()
            transaction.on_commit(lambda: _files_delete(names))
            fingerprints[str(position)] = {"missing": reason}
            audit_record(
                actor=operator,
                action="biometric.finger.missing",
                obj=locked,
                data={"position": position, "reason": reason},
            )
        locked.fingerprints = fingerprints
        locked.save(update_fields=["fingerprints", "updated_at"])
    return bio


def enrolment_capture_with_device(
    *,
    enrolment: Enrolment,
    operator: User,
    device: BiometricDevice,
    positions: Iterable[int] | None = None,
    face: bool = True,
) -> None:
    """Take the face and the given fingers (all ten by default) from a capture device."""
    wanted = ALL_FINGERS if positions is None else [_finger_position(p) for p in positions]
    with storage.files_cleanup_on_error(), transaction.atomic():
        if face:
            enrolment_capture_face(
                enrolment=enrolment,
                operator=operator,
                image=device.capture_face(),
                source=BiometricSource.DEVICE,
            )
        for position in wanted:
            taken = device.capture_finger(position)
            if isinstance(taken, MissingFinger):
                enrolment_capture_fingerprint(
                    enrolment=enrolment,
                    operator=operator,
                    position=position,
                    missing_reason=taken.reason,
                )
            else:
                enrolment_capture_fingerprint(
                    enrolment=enrolment,
                    operator=operator,
                    position=position,
                    image=taken,
                    source=BiometricSource.DEVICE,
                )


# --- Completion and the receipt --------------------------------------------------------------


def receipt_number_new() -> str:
    """10 digits: 9 random (no leading zero) and a Damm check digit, like tracking codes."""
    body = str(secrets.randbelow(9 * 10**8) + 10**8)
    return body + str(damm_digit(body))


def receipt_issue(
    *,
    application: Application,
    enrolment: Enrolment,
    operator: User,
    office_id: int,
    issued_at: dt.datetime,
    valid_until: dt.date,
) -> Receipt:
    """A receipt for a completed enrolment, its QR signed with the current receipt key."""
    number = receipt_number_new()
    while Receipt.objects.filter(receipt_number=number).exists():
        number = receipt_number_new()
    citizen = application.citizen
    qr_text = receipt_qr_sign(
        claims=ReceiptClaims(
            national_code=citizen.national_code,
            first_name=citizen.first_name,
            last_name=citizen.last_name,
            birth_date=citizen.birth_date,
            tracking_code=application.tracking_code,
            receipt_number=number,
            issued_at=issued_at,
            valid_until=valid_until,
        )
    )
    return Receipt.objects.create(
        application=application,
        enrolment=enrolment,
        receipt_number=number,
        office_id=office_id,
        issued_by=operator,
        issued_at=issued_at,
        valid_until=valid_until,
        qr_text=qr_text,
    )


def _booking_attend(booking: Booking, operator: User) -> None:
    booking_attend(booking=booking, actor=operator)


def _check_complete(enrolment: Enrolment) -> None:
    progress = enrolment_progress(enrolment=enrolment)
    if progress.problems:
        missing_documents = [code for code, _, ticked in progress.documents if not ticked]
        raise EnrolmentIncomplete(
            " ".join(progress.problems),
            extra={
                "missing_documents": missing_documents,
                "face_captured": progress.face_id is not None,
                "fingers_undone": [f.position for f in progress.fingers if not f.done],
                "fingers_captured": progress.fingers_captured,
            },
        )
    # The hashes on the enrolment are the ones of the files kept (belt and braces).
    files = dict(enrolment.biometrics.values_list("position", "sha256"))
    expected = {FACE: enrolment.face_sha256}
    for position, entry in enrolment.fingerprints.items():
        if "sha256" in entry:
            expected[int(position)] = entry["sha256"]
    if files != expected:
        raise EnrolmentIncomplete(
            "تصاویر ثبت‌شده با نشانه‌های ثبت‌نام نمی‌خوانند؛ دوباره ثبت کنید.",
            code="BIOMETRICS_INCONSISTENT",
        )


def _sms_enrolled(application: Application, receipt: Receipt, *, reissued: bool = False) -> None:
    sms_queue(
        to=application.mobile,
        template="receipt_reissued" if reissued else "enrolment_completed",
        params={
            "receipt_number": receipt.receipt_number,
            "tracking_code": application.tracking_code,
            "valid_until": receipt.valid_until,
        },
        related=application,
    )


def enrolment_complete(*, enrolment: Enrolment, operator: User) -> Receipt:
    """Finish: application → enrolled (the production queue), booking → attended, receipt."""
    _require_operator(operator)
    now = timezone.now()
    with transaction.atomic():
        application = _lock_application(enrolment.application_id)
        locked = _open_enrolment(enrolment, operator)
        _enrollable(application)
        booking = _booking_today_here(application, locked.office_id, now)
        if booking is None:
            # Between check-in and now the appointment was cancelled or moved away.
            raise NoAppointmentToday("نوبت امروز این درخواست در این دفتر دیگر برقرار نیست.")
        _check_complete(locked)
        hashes = {"face_sha256": locked.face_sha256, "fingerprints": locked.fingerprints}
        _booking_attend(booking, operator)
        # enrolled_at orders the production queue until the production app takes over.
        application = application_status_change(
            application_id=application.pk,
            to=ApplicationStatus.ENROLLED,
            actor=operator,
            updates={"enrolled_at": now},
            audit_data={"enrolment_id": locked.pk, "office_id": locked.office_id, **hashes},
        )
        transition(
            Enrolment,
            pk=locked.pk,
            to=EnrolmentStatus.COMPLETED,
            actor=operator,
            updates={"completed_at": now},
        )
        valid_until = _local_date(now) + dt.timedelta(days=settings.RECEIPT_VALID_DAYS)
        receipt = receipt_issue(
            application=application,
            enrolment=locked,
            operator=operator,
            office_id=locked.office_id,
            issued_at=now,
            valid_until=valid_until,
        )
        audit_record(
            actor=operator,
            action="receipt.issued",
            obj=receipt,
            to_state="current",
            data={
                "application_id": application.pk,
                "receipt_number": receipt.receipt_number,
                "valid_until": valid_until,
            },
        )
        _sms_enrolled(application, receipt)
    enrolment.refresh_from_db()
    return receipt


def receipt_reissue(*, operator: User, tracking_code: str) -> Receipt:
    """A lost receipt: a new number for the same enrolment; the old one is superseded."""
    office_id = _require_operator(operator)
    found = access_application_at_office_for(operator, tracking_code)
    now = timezone.now()
    with transaction.atomic():
        application = _lock_application(found.pk)
        if application.status not in RECEIPT_STANDING_STATUSES:
            raise ReceiptNotReissuable(
                "پس از تحویل کارت یا بسته شدن درخواست، رسید تازه صادر نمی‌شود."
                if application.status in _NOT_ENROLLABLE
                else "این درخواست هنوز ثبت‌نام حضوری نشده است.",
                extra={"application_status": application.status},
            )
        old = (
            Receipt.objects.select_for_update()
            .filter(application=application, superseded_at__isnull=True)
            .first()
        )
        if old is None:
            raise ReceiptNotFound("این درخواست رسید معتبری ندارد.")
        # Superseded first: one current receipt per application is a database rule.
        Receipt.objects.filter(pk=old.pk).update(superseded_at=now)
        receipt = receipt_issue(
            application=application,
            enrolment=old.enrolment,
            operator=operator,
            office_id=office_id,
            issued_at=now,
            valid_until=old.valid_until,
        )
        Receipt.objects.filter(pk=old.pk).update(superseded_by=receipt)
        audit_record(
            actor=operator,
            action="receipt.superseded",
            obj=old,
            from_state="current",
            to_state="superseded",
            reason="lost_receipt",
            data={"superseded_by": receipt.receipt_number},
        )
        audit_record(
            actor=operator,
            action="receipt.issued",
            obj=receipt,
            to_state="current",
            reason="reissue",
            data={
                "application_id": application.pk,
                "receipt_number": receipt.receipt_number,
                "supersedes": old.receipt_number,
                "valid_until": receipt.valid_until,
            },
        )
        _sms_enrolled(application, receipt, reissued=True)
    return receipt


# --- The whole visit in one request (the office software's API) ------------------------------


@dataclass(frozen=True)
class FingerInput:
    position: int
    image: bytes | None = None
    missing: str | None = None


def enrolment_submit(
    *,
    operator: User,
    tracking_code: str,
    documents: Iterable[str],
    face_image: bytes | None = None,
    fingers: Iterable[FingerInput] = (),
    device: BiometricDevice | None = None,
    device_missing: Mapping[int, str] | None = None,
) -> Receipt:
    """Check in, checklist, captures and completion as one transaction: all of it or nothing."""
    fingers = list(fingers)
    _require_operator(operator)  # before any image is decoded
    # Every image is checked before anything is written.
    if face_image is not None:
        image_check(face_image, kind="face")
    for finger in fingers:
        _finger_position(finger.position)
        _missing_reason(finger.missing)
        if finger.image is not None:
            image_check(finger.image, kind="finger")
    with storage.files_cleanup_on_error(), transaction.atomic():
        enrolment = enrolment_check_in(operator=operator, tracking_code=tracking_code)
        enrolment_documents_confirm(enrolment=enrolment, operator=operator, documents=documents)
        if device is not None:
            enrolment_capture_with_device(
                enrolment=enrolment, operator=operator, device=device, face=face_image is None
            )
            for position, reason in (device_missing or {}).items():
                enrolment_capture_fingerprint(
                    enrolment=enrolment, operator=operator, position=position, missing_reason=reason
                )
        if face_image is not None:
            enrolment_capture_face(
                enrolment=enrolment,
                operator=operator,
                image=face_image,
                source=BiometricSource.UPLOAD,
            )
        for finger in fingers:
            enrolment_capture_fingerprint(
                enrolment=enrolment,
                operator=operator,
                position=finger.position,
                image=finger.image,
                missing_reason=finger.missing,
                source=BiometricSource.UPLOAD,
            )
        return enrolment_complete(enrolment=enrolment, operator=operator)


# --- Upkeep ----------------------------------------------------------------------------------


def biometric_files_rekey(*, batch: int = 500) -> int:
    """Rewrite every file under the first HOVIAT_BIOMETRIC_KEY (after a rotation)."""
    changed = 0
    names = BiometricFile.objects.order_by("pk").values_list("storage_name", flat=True)
    for name in names.iterator(chunk_size=batch):
        changed += storage.encrypted_rekey(name)
    return changed


def biometric_orphans_sweep(*, older_than: dt.timedelta = dt.timedelta(hours=1)) -> int:
    """Delete files no row refers to (a crash between file and commit leaves them)."""
    cutoff = timezone.now().timestamp() - older_than.total_seconds()
    removed = 0
    for name, mtime in storage.stored_names():
        if mtime < cutoff and not BiometricFile.objects.filter(storage_name=name).exists():
            storage.encrypted_delete(name)
            removed += 1
    return removed


# --- Looking at personal data (each look is audited) -----------------------------------------


def biometric_image_read(*, biometric: BiometricFile, viewer: User) -> bytes:
    """The decrypted image for a member of staff allowed to see it (access checked before)."""
    data = storage.encrypted_read(biometric.storage_name, sha256=biometric.sha256)
    audit_record(
        actor=viewer,
        action="biometric.viewed",
        obj=biometric,
        data={"enrolment_id": biometric.enrolment_id, "position": biometric.position},
    )
    return data


def receipt_pdf_render(*, receipt: Receipt, viewer: User | Actor) -> bytes:
    """The receipt's PDF (it carries the face photo, so the look is audited)."""
    pdf = receipt_pdf(receipt)
    audit_record(
        actor=viewer,
        action="receipt.rendered",
        obj=receipt,
        data={"receipt_number": receipt.receipt_number, "superseded": receipt.is_superseded},
    )
    return pdf


# --- New cards from kept biometrics (asked for by delivery) -----------------------------------


def enrolment_reuse(*, application: Application, source: Enrolment, office_id: int) -> Enrolment:
    """A completed enrolment for `application` that reuses `source`'s biometric references
    (a lost card's replacement, a re-issue of a voided one): no new visit is needed."""
    now = timezone.now()
    enrolment = Enrolment.objects.create(
        application=application,
        office_id=office_id,
        # The operator who captured the biometrics this card will carry.
        operator_id=source.operator_id,
        status=EnrolmentStatus.COMPLETED,
        started_at=now,
        completed_at=now,
        shenasnameh_original=source.shenasnameh_original,
        old_card_surrendered=source.old_card_surrendered,
        form_confirmed=source.form_confirmed,
        face_sha256=source.face_sha256,
        fingerprints=source.fingerprints,
        reused_from=source,
    )
    audit_record(
        actor=None,
        action="enrolment.reused",
        obj=enrolment,
        to_state=EnrolmentStatus.COMPLETED,
        reason="زیست‌سنجی ثبت‌شده در مهلت نگهداری است؛ مراجعه حضوری لازم نیست",
        data={"application": application.tracking_code, "reused_from": source.pk},
    )
    return enrolment
