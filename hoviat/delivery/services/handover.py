"""Hand-over: the card placed in its holder's hand at the office it was sent to.

Two steps, as at a real counter. The operator checks identity (`card_handover_verify`:
national code, tracking code or the receipt's signed QR, a fingerprint through the device's
matcher); then the holder chooses the PINs on the PIN pad (`pinpad.py`) and confirms the ID PIN
on the chip (`card_handover_complete`); in one transaction the card is active, the application
delivered, the receipt no longer stands in, and every earlier card of the person is
invalidated. `card_handover` does both at once (the API: the desk's software relays what the
pad read).

Every refused try is kept (HandoverAttempt + audit); only the holder's own failures, a finger
that does not match and a wrong PIN or PUK, count towards the day's lock (LOCKING_REASONS). An
operator's typo (a national code, a tracking code, a receipt's text) is answered and kept but
costs the holder none of their tries.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any, NoReturn

from django.db import transaction
from django.utils import timezone

from hoviat.applications.codes import tracking_code_parse
from hoviat.applications.models import ApplicationStatus
from hoviat.applications.services import application_status_change
from hoviat.core.audit import audit_record
from hoviat.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from hoviat.core.jalali import today_local
from hoviat.core.national_code import InvalidNationalCode, parse_national_code
from hoviat.core.text import fold_digits, normalize_text
from hoviat.delivery import devices
from hoviat.delivery.conf import conf
from hoviat.delivery.models import Collection, Handover, HandoverAttempt, VerificationMethod
from hoviat.delivery.pinpad import ChosenPins
from hoviat.delivery.services.notices import card_delivered_notice_queue
from hoviat.delivery.services.receiving import card_serial_parse, require_office_operator
from hoviat.enrolment.models import Enrolment, Receipt
from hoviat.pki.receipts import ReceiptStatus
from hoviat.pki.selectors import receipt_qr_verify
from hoviat.pki.services import (
    ChipBlocked,
    ChipNotFound,
    PinWrong,
    PukBlocked,
    PukWrong,
    card_certificates_revoke_held,
    chip_pin_confirm,
    chip_pins_choose,
    chip_unblock,
)
from hoviat.production.models import LIVE_CARD_STATUSES, Card, CardStatus
from hoviat.production.services import card_status_change
from hoviat.registry.services import old_cards_invalidate

__all__ = [
    "LOCKING_REASONS",
    "ChosenPins",
    "FingerprintSample",
    "HandoverCheck",
    "HandoverCheckExpired",
    "HandoverLocked",
    "HandoverRefused",
    "card_handover",
    "card_handover_complete",
    "card_handover_verify",
    "handover_failures_today",
]

CARD = "production.card"
# Refusals that count towards the day's lock: the holder's own body and PINs failing. What
# the operator types or scans (national code, tracking code, receipt) is kept but not counted:
# a typo must not use up the holder's tries, and the finger is what stops a pretender.
LOCKING_REASONS = frozenset({"fingerprint_mismatch", "pin_wrong", "puk_wrong"})


class CardNotFound(NotFound):
    code = "CARD_NOT_FOUND"
    default_detail = "کارتی با این شماره سریال یافت نشد."


class CardNotAtOffice(Conflict):
    code = "CARD_NOT_AT_OFFICE"
    default_detail = "این کارت در دفتر آماده تحویل نیست."


class HandoverLocked(DomainError):
    code = "HANDOVER_LOCKED"
    status = 423
    title = "Locked"
    default_detail = (
        "به دلیل چند تلاش ناموفق، تحویل این کارت تا پایان امروز متوقف شده است. "
        "فردا با مدارک هویتی مراجعه کنید."
    )


class HandoverRefused(DomainError):
    """The person, the code or the finger did not match: the try is counted."""

    code = "HANDOVER_REFUSED"
    status = 422
    title = "Hand-over refused"


class VerificationRequired(ValidationFailed):
    code = "VERIFICATION_REQUIRED"
    default_detail = "کد رهگیری یا متن رمزینه (QR) رسید را وارد کنید."


@dataclass(frozen=True)
class FingerprintSample:
    position: int | None  # None: the first finger enrolment kept
    image: bytes


@dataclass(frozen=True)
class HandoverCheck:
    """Identity checked at the desk, waiting for the holder's PINs on the pad (kept in the
    operator's session between the two steps, never with a PIN)."""

    card_id: int
    csn: str
    method: str
    position: int
    score: int
    checked_at: str  # ISO time

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class HandoverCheckExpired(ValidationFailed):
    code = "HANDOVER_CHECK_EXPIRED"
    default_detail = "بررسی هویت این کارت منقضی شده یا انجام نشده است؛ هویت را دوباره بسنجید."


_REFUSALS = {
    "wrong_person": ("HOLDER_MISMATCH", "کد ملی با دارنده این کارت یکسان نیست."),
    "wrong_tracking_code": ("TRACKING_CODE_NOT_FOUND", "کد رهگیری پیدا نشد."),
    "receipt_invalid": ("RECEIPT_QR_INVALID", "رمزینه رسید معتبر نیست."),
    "receipt_mismatch": (
        "RECEIPT_MISMATCH",
        "رسید ارائه‌شده از آنِ دارنده این کارت یا این درخواست نیست.",
    ),
    "receipt_superseded": (
        "RECEIPT_SUPERSEDED",
        "این رسید باطل شده و رسید تازه‌ای به جای آن صادر شده است؛ رسید تازه را ارائه کنید.",
    ),
    "fingerprint_mismatch": (
        "FINGERPRINT_MISMATCH",
        "اثر انگشت با اثر ثبت‌شده هنگام ثبت‌نام مطابقت ندارد.",
    ),
    "fingerprint_not_enrolled": (
        "FINGERPRINT_NOT_ENROLLED",
        "از این انگشت هنگام ثبت‌نام اثری ثبت نشده است؛ انگشت دیگری را بگیرید.",
    ),
}


def _day_start(today: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(today, dt.time.min))


def handover_failures_today(*, card_id: int, today: dt.date | None = None) -> int:
    """Refused tries of the kinds that lock, since the start of the office's day."""
    return HandoverAttempt.objects.filter(
        card_id=card_id,
        at__gte=_day_start(today or today_local()),
        reason__in=LOCKING_REASONS,
    ).count()


def _attempt_keep(card: Card, operator: Any, reason: str, data: dict[str, Any]) -> int:
    """Keep a refused try (its own transaction: it outlives the error); returns the tries
    left today, and audits the lock when a counted try used up the last one."""
    counted = reason in LOCKING_REASONS
    with transaction.atomic():
        HandoverAttempt.objects.create(
            card=card, operator=operator, at=timezone.now(), reason=reason
        )
        audit_record(
            actor=operator,
            action="card.handover_refused",
            obj=card,
            reason=reason,
            data={"card": card.csn, "counted": counted, **data},
        )
    left = conf("DELIVERY_HANDOVER_MAX_FAILURES") - handover_failures_today(card_id=card.pk)
    if counted and left <= 0:
        audit_record(
            actor=operator,
            action="card.handover_locked",
            obj=card,
            reason="too_many_failures",
            data={"card": card.csn, "day": today_local().isoformat()},
        )
    return max(left, 0)


def _refuse(card: Card, operator: Any, reason: str, *, detail: str = "", **data: Any) -> NoReturn:
    """Keep the refused try and raise; only LOCKING_REASONS use up the holder's tries."""
    code, default = _REFUSALS.get(reason, ("HANDOVER_REFUSED", "تحویل کارت رد شد."))
    left = _attempt_keep(card, operator, reason, data)
    extra: dict[str, Any] = {"reason": reason, "attempts_left": left, "counted": False}
    if reason in LOCKING_REASONS:
        extra["counted"] = True
        if left <= 0:
            detail = (detail or default) + " تحویل این کارت تا پایان امروز متوقف شد."
    raise HandoverRefused(detail or default, code=code, extra=extra)


def _card_for_handover(csn: str, operator: Any) -> Card:
    serial = card_serial_parse(csn)
    card = (
        Card.objects.select_related("application__citizen", "office").filter(csn=serial).first()
        if serial
        else None
    )
    if card is None:
        raise CardNotFound(extra={"card_serial": serial})
    if card.office_id != operator.office_id:
        with transaction.atomic():
            HandoverAttempt.objects.create(
                card=card, operator=operator, at=timezone.now(), reason="other_office"
            )
            audit_record(
                actor=operator,
                action="card.handover_refused",
                obj=card,
                reason="other_office",
                data={"card": card.csn, "operator_office": operator.office_id},
            )
        # Answered as an unknown serial: naming the office would confirm the card exists.
        raise CardNotFound(extra={"card_serial": serial})
    if card.status != CardStatus.AT_OFFICE:
        messages: dict[str, str] = {
            CardStatus.IN_TRANSIT: "این کارت هنوز در دفتر دریافت نشده است؛ نخست محموله را "
            "دریافت کنید.",
            CardStatus.ACTIVE: "این کارت پیش‌تر تحویل داده و فعال شده است.",
            CardStatus.VOIDED: "این کارت چون در مهلت تحویل گرفته نشد باطل شده است.",
        }
        raise CardNotAtOffice(
            messages.get(card.status, CardNotAtOffice.default_detail),
            extra={"card_status": card.status},
        )
    return card


def _check_identity(
    card: Card, operator: Any, *, national_code: str, tracking_code: str, receipt_qr: str
) -> str:
    """The person and their proof of the application; returns the verification method."""
    application = card.application
    holder = application.citizen.national_code
    try:
        given = parse_national_code(national_code or "")
    except InvalidNationalCode:
        raise ValidationFailed("کد ملی واردشده معتبر نیست.", code="NATIONAL_CODE_INVALID") from None
    if given != holder:
        _refuse(card, operator, "wrong_person", given=given[-4:])
    if tracking_code and tracking_code.strip():
        if tracking_code_parse(tracking_code) != application.tracking_code:
            _refuse(card, operator, "wrong_tracking_code")
        return VerificationMethod.TRACKING_CODE
    if receipt_qr and receipt_qr.strip():
        verdict = receipt_qr_verify(text=receipt_qr.strip())
        claims = verdict.claims  # set for valid and expired receipts only
        # An expired receipt still proves who enrolled: its signature is what counts here.
        if verdict.status not in (ReceiptStatus.VALID, ReceiptStatus.EXPIRED) or claims is None:
            _refuse(
                card, operator, "receipt_invalid", detail=verdict.message_fa, verdict=verdict.status
            )
        if claims.national_code != holder or claims.tracking_code != application.tracking_code:
            _refuse(card, operator, "receipt_mismatch", receipt=claims.receipt_number)
        receipt = Receipt.objects.filter(
            receipt_number=claims.receipt_number, application=application
        ).first()
        if receipt is None:
            _refuse(card, operator, "receipt_mismatch", receipt=claims.receipt_number)
        if receipt.superseded_at is not None:
            _refuse(card, operator, "receipt_superseded", receipt=claims.receipt_number)
        return VerificationMethod.RECEIPT_QR
    raise VerificationRequired()


def _check_fingerprint(card: Card, operator: Any, sample: FingerprintSample) -> devices.MatchResult:
    enrolment = Enrolment.objects.filter(application=card.application).first()
    enrolled = dict(enrolment.fingerprints) if enrolment is not None else {}
    positions = devices.enrolled_positions(enrolled)
    if not positions:
        raise Conflict(
            "برای این درخواست اثر انگشتی ثبت نشده است؛ تحویل با تأیید سرپرست دفتر انجام شود.",
            code="NO_FINGERPRINT_ENROLLED",
        )
    position = sample.position or positions[0]
    if position not in positions:
        _refuse(card, operator, "fingerprint_not_enrolled", position=position)
    result = devices.matcher().match(enrolled=enrolled, position=position, image=sample.image)
    if result.score < conf("DELIVERY_FINGERPRINT_THRESHOLD"):
        _refuse(card, operator, "fingerprint_mismatch", position=position, score=result.score)
    return result


def _pin(value: str) -> str:
    return fold_digits(normalize_text(value or "")).strip()


def _set_pins(card: Card, operator: Any, pins: ChosenPins) -> None:
    chosen = {"id": _pin(pins.id_pin), "sign": _pin(pins.sign_pin), "nmoc": _pin(pins.nmoc_pin)}
    try:
        for _ in range(len(chosen) + 1):
            try:
                chip_pins_choose(
                    csn=card.csn,
                    id_pin=chosen["id"],
                    sign_pin=chosen["sign"],
                    nmoc_pin=chosen["nmoc"],
                )
                break
            except ChipBlocked as blocked:
                slot = blocked.extra.get("pin_kind")
                if not pins.puk or slot not in chosen:
                    raise
                # The PUK opens the blocked PIN straight to the one the holder chose.
                chip_unblock(csn=card.csn, puk=_pin(pins.puk), new_pin=chosen[slot], pin_kind=slot)
                audit_record(
                    actor=operator,
                    action="card.pin_unblocked",
                    obj=card,
                    reason="puk_at_handover",
                    data={"card": card.csn, "pin_kind": slot},
                )
        chip_pin_confirm(csn=card.csn, pin_kind="id", pin=_pin(pins.id_pin_confirmation))
        audit_record(
            actor=operator,
            action="card.pins_chosen",
            obj=card,
            reason="holder_on_pin_pad",
            data={"card": card.csn, "pins": sorted(chosen)},  # which PINs, never their digits
        )
    except (PinWrong, ChipBlocked, PukWrong, PukBlocked) as exc:
        reason = {
            PinWrong: "pin_wrong",
            ChipBlocked: "pin_blocked",
            PukWrong: "puk_wrong",
            PukBlocked: "puk_blocked",
        }[type(exc)]
        left = _attempt_keep(card, operator, reason, dict(exc.extra))
        if reason in LOCKING_REASONS:
            exc.extra["attempts_left"] = left
        raise


def _card_not_locked(card_serial: str, operator: Any) -> Card:
    require_office_operator(operator)
    card = _card_for_handover(card_serial, operator)
    if handover_failures_today(card_id=card.pk) >= conf("DELIVERY_HANDOVER_MAX_FAILURES"):
        raise HandoverLocked()
    return card


def card_handover_verify(
    *,
    card_serial: str,
    operator: Any,
    national_code: str,
    tracking_code: str = "",
    receipt_qr: str = "",
    fingerprint: FingerprintSample,
) -> HandoverCheck:
    """The desk's step: the holder's identity and finger checked (audited); the PINs follow
    on the pad (`card_handover_complete`)."""
    card = _card_not_locked(card_serial, operator)
    method = _check_identity(
        card,
        operator,
        national_code=national_code,
        tracking_code=tracking_code,
        receipt_qr=receipt_qr,
    )
    match = _check_fingerprint(card, operator, fingerprint)
    check = HandoverCheck(
        card_id=card.pk,
        csn=card.csn,
        method=method,
        position=match.position,
        score=match.score,
        checked_at=timezone.now().isoformat(),
    )
    audit_record(
        actor=operator,
        action="card.handover_identity_checked",
        obj=card,
        reason=method,
        data={"card": card.csn, "position": match.position, "score": match.score},
    )
    return check


def card_handover_complete(*, check: HandoverCheck, operator: Any, pins: ChosenPins) -> Handover:
    """The pad's step: the holder's PINs on the chip, then the card active and the application
    delivered. The identity check must be this card's and fresh (DELIVERY_PIN_PAD_MINUTES)."""
    card = _card_not_locked(check.csn, operator)
    checked_at = dt.datetime.fromisoformat(check.checked_at)
    age = timezone.now() - checked_at
    if card.pk != check.card_id or not (
        dt.timedelta(0) <= age <= dt.timedelta(minutes=conf("DELIVERY_PIN_PAD_MINUTES"))
    ):
        raise HandoverCheckExpired()
    _set_pins(card, operator, pins)
    match = devices.MatchResult(position=check.position, score=check.score, enrolled=True)
    return _handover_commit(card, operator, method=check.method, match=match)


def card_handover(
    *,
    card_serial: str,
    operator: Any,
    national_code: str,
    tracking_code: str = "",
    receipt_qr: str = "",
    fingerprint: FingerprintSample,
    pins: ChosenPins,
) -> Handover:
    """Hand a card over to its holder in one call: the desk's checks, then the PINs the pad
    read (the API), then activate and close."""
    check = card_handover_verify(
        card_serial=card_serial,
        operator=operator,
        national_code=national_code,
        tracking_code=tracking_code,
        receipt_qr=receipt_qr,
        fingerprint=fingerprint,
    )
    return card_handover_complete(check=check, operator=operator, pins=pins)


def _handover_commit(card: Card, operator: Any, *, method: str, match) -> Handover:
    now = timezone.now()
    today = timezone.localdate(now)
    citizen = card.application.citizen
    with transaction.atomic():
        card = card_status_change(
            card_id=card.pk,
            to=CardStatus.ACTIVE,
            actor=operator,
            allowed_from={CardStatus.AT_OFFICE},
            reason="handed_over",
            audit_data={"card": card.csn, "verification": method, "score": match.score},
        )
        application = application_status_change(
            application_id=card.application_id,
            to=ApplicationStatus.DELIVERED,
            actor=operator,
            updates={"closed_at": now},
            reason="card_handed_over",
            audit_data={"card": card.csn},
        )
        Collection.objects.filter(
            card=card, collected_at__isnull=True, voided_at__isnull=True
        ).update(collected_at=now)
        for receipt in Receipt.objects.filter(application=application, superseded_at__isnull=True):
            audit_record(
                actor=operator,
                action="receipt.no_longer_valid",
                obj=receipt,
                from_state="current",
                to_state="card_delivered",
                reason="card_delivered",
            )
        invalidated = _earlier_cards_revoke(citizen=citizen, keep=card, operator=operator)
        old_cards = old_cards_invalidate(
            citizen_id=citizen.pk, on=today, actor=operator, reason="smart_card_delivered"
        )
        handover = Handover.objects.create(
            card=card,
            application=application,
            office_id=card.office_id,
            operator=operator,
            handed_over_at=now,
            verification=method,
            fingerprint_position=match.position,
            fingerprint_score=match.score,
            invalidated_cards=invalidated,
            invalidated_old_cards=old_cards,
        )
        office_name = card.office.name
        transaction.on_commit(
            lambda: card_delivered_notice_queue(
                application=application, csn=card.csn, office_name=office_name
            )
        )
    return handover


def _earlier_cards_revoke(*, citizen, keep: Card, operator: Any) -> list[str]:
    """Active or suspended earlier smart cards of the person: revoked, certificates too."""
    earlier = list(
        Card.objects.filter(application__citizen=citizen, status__in=LIVE_CARD_STATUSES)
        .exclude(pk=keep.pk)
        .values_list("pk", "csn")
    )
    for pk, csn in earlier:
        card_status_change(
            card_id=pk,
            to=CardStatus.REVOKED,
            actor=operator,
            reason="superseded",
            audit_data={"card": csn, "superseded_by": keep.csn},
        )
        # A card from before the emulated chips has no certificates here to revoke.
        with contextlib.suppress(ChipNotFound):
            # A lost card's certificates are on hold: they are revoked for good now too.
            card_certificates_revoke_held(
                csn=csn, reason=f"superseded by card {keep.csn}", actor=operator
            )
    return [csn for _, csn in earlier]
