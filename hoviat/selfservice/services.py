"""Self-service writes: a citizen files a complaint, staff answer it; a citizen changes their
mobile and declares their residence county."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from hoviat.applications.models import CHANGEABLE_STATUSES, Application
from hoviat.applications.services import (
    MobileNotOwner,
    OtpInvalid,
    application_change_mobile,
    mobile_parse,
    otp_request,
    otp_verify,
)
from hoviat.core.audit import Actor, audit_record
from hoviat.core.errors import Conflict, DomainError, InvalidTransition, ValidationFailed
from hoviat.core.jalali import today_local
from hoviat.core.ratelimit import rate_limit_hit
from hoviat.core.text import normalize_text, persian_digits
from hoviat.core.transitions import transition
from hoviat.notifications.services import sms_queue
from hoviat.pki.digital_cards import CardClaims
from hoviat.pki.services import digital_card_qr_sign
from hoviat.places.models import County
from hoviat.production.models import Card
from hoviat.registry.models import Citizen
from hoviat.registry.selectors import mobile_owns
from hoviat.selfservice import selectors
from hoviat.selfservice.codes import grievance_number_new
from hoviat.selfservice.models import (
    ANSWER_MAX_CHARS,
    TEXT_MAX_CHARS,
    ContactDetails,
    Grievance,
    GrievanceStatus,
)
from hoviat.selfservice.pdf import digital_card_pdf

__all__ = [
    "contact_mobile_change",
    "contact_mobile_change_request",
    "contact_residence_set",
    "digital_card_issue",
    "digital_card_qr",
    "grievance_answer",
    "grievance_file",
    "grievance_lookup_count",
]

TEXT_MIN_CHARS = 10


class TextRequired(ValidationFailed):
    code = "GRIEVANCE_TEXT_REQUIRED"
    default_detail = (
        f"متن شکایت را بنویسید (دست‌کم {persian_digits(TEXT_MIN_CHARS)} نویسه): چه شد و چه "
        "انتظاری دارید."
    )


class TextTooLong(ValidationFailed):
    code = "GRIEVANCE_TEXT_TOO_LONG"
    default_detail = f"متن شکایت بیش از {persian_digits(TEXT_MAX_CHARS)} نویسه است؛ کوتاه‌ترش کنید."


class AnswerRequired(ValidationFailed):
    code = "GRIEVANCE_ANSWER_REQUIRED"
    default_detail = "متن پاسخ را بنویسید."


class AnswerTooLong(ValidationFailed):
    code = "GRIEVANCE_ANSWER_TOO_LONG"
    default_detail = f"متن پاسخ بیش از {persian_digits(ANSWER_MAX_CHARS)} نویسه است."


class AlreadyAnswered(Conflict):
    code = "GRIEVANCE_ALREADY_ANSWERED"
    default_detail = "به این شکایت پیش‌تر پاسخ داده شده است."


def _clean_text(raw: str, *, required: type[DomainError], too_long: type[DomainError]) -> str:
    text = normalize_text(raw or "").strip()
    if len(text) > (TEXT_MAX_CHARS if too_long is TextTooLong else ANSWER_MAX_CHARS):
        raise too_long()
    if len(text) < (TEXT_MIN_CHARS if required is TextRequired else 1):
        raise required()
    return text


def _citizen_actor(mobile: str) -> Actor:
    return Actor("citizen", mobile[-4:], "citizen")


def grievance_lookup_count(*, mobile: str, client_address: str) -> None:
    """Count one lookup of a complaint by number, per client address and per mobile: the
    numbers are random, and guessing them must stay slow (429 RATE_LIMITED past the limit)."""
    window = dt.timedelta(minutes=1)
    limit = settings.GRIEVANCE_LOOKUP_RATE_PER_MINUTE
    rate_limit_hit(scope="grievance-lookup", subject=client_address, limit=limit, window=window)
    rate_limit_hit(scope="grievance-lookup-mobile", subject=mobile, limit=limit, window=window)


def grievance_file(*, mobile: str, text: str, about_event: str | None = None) -> Grievance:
    """File a complaint from the signed-in mobile, about an event of the citizen's own
    history or none; it goes to the office or province concerned with a due date."""
    text = _clean_text(text, required=TextRequired, too_long=TextTooLong)
    if about_event:
        event = selectors.event_resolve(mobile=mobile, about_event=about_event)
        citizen, office, kind, ref = event.citizen, event.office, event.kind, event.ref
    else:
        citizen, office, kind, ref = selectors.citizen_of_mobile(mobile=mobile), None, "", ""
    rate_limit_hit(
        scope="grievance-file",
        subject=mobile,
        limit=settings.GRIEVANCE_FILINGS_PER_DAY,
        window=dt.timedelta(days=1),
    )
    province = selectors.province_of(office=office, citizen=citizen)
    due_on = today_local() + dt.timedelta(days=settings.GRIEVANCE_DUE_DAYS)
    for _ in range(5):  # a clash of two random 11-digit numbers is all but impossible
        try:
            with transaction.atomic():
                grievance = Grievance.objects.create(
                    number=grievance_number_new(),
                    citizen=citizen,
                    mobile=mobile,
                    about_kind=kind,
                    about_ref=ref,
                    text=text,
                    office=office,
                    province=province,
                    due_on=due_on,
                )
                audit_record(
                    actor=_citizen_actor(mobile),
                    action="grievance.filed",
                    obj=grievance,
                    to_state=GrievanceStatus.OPEN,
                    data={
                        "about": kind,
                        "office": office.code if office else "",
                        "province": province.code,
                        "due_on": due_on.isoformat(),
                    },
                )
            return grievance
        except IntegrityError:
            continue
    raise DomainError("شمارهٔ پیگیری ساخته نشد؛ دوباره تلاش کنید.", code="GRIEVANCE_NUMBER_CLASH")


def grievance_answer(*, grievance: Grievance, answer: str, user: Any) -> Grievance:
    """Answer an open complaint (the caller has checked the user's reach); the citizen gets
    an SMS after the commit."""
    answer = _clean_text(answer, required=AnswerRequired, too_long=AnswerTooLong)
    with transaction.atomic():
        try:
            answered = transition(
                Grievance,
                pk=grievance.pk,
                to=GrievanceStatus.ANSWERED,
                actor=user,
                action="grievance.answered",
                updates={"answer": answer, "answered_by": user, "answered_at": timezone.now()},
                audit_data={"overdue": today_local() > grievance.due_on},
            )
        except InvalidTransition:  # another member of staff answered it a moment ago
            raise AlreadyAnswered() from None
        contact = ContactDetails.objects.filter(citizen_id=answered.citizen_id).first()
        sms_queue(
            # The number the citizen last proved for their contact details, else the one
            # that filed the complaint.
            to=(contact.mobile if contact and contact.mobile else answered.mobile),
            template="grievance_answered",
            params={"number": answered.number},
            related=answered,
        )
    return answered


# --- My documents --------------------------------------------------------------------------


def digital_card_qr(*, card: Card) -> str:
    """The signed QR text (HVC1:…) of a card's digital copy, signed now with pki's key."""
    citizen = card.application.citizen
    return digital_card_qr_sign(
        claims=CardClaims(
            national_code=citizen.national_code,
            first_name=citizen.first_name,
            last_name=citizen.last_name,
            father_name=citizen.father_name,
            birth_date=citizen.birth_date,
            card_serial=card.csn,
            card_number=card.crn,
            issued_on=card.issued_on,
            expires_on=card.expires_on,
            signed_at=timezone.now(),
        )
    )


def digital_card_issue(*, card: Card, mobile: str) -> tuple[str, bytes]:
    """The digital card (its signed QR text and PDF) for its holder (the caller checked the
    card is theirs and valid); each copy issued is audited."""
    qr_text = digital_card_qr(card=card)
    pdf = digital_card_pdf(card, qr_text=qr_text)
    audit_record(
        actor=_citizen_actor(mobile),
        action="card.digital_copy_issued",
        obj=card,
        data={"csn": card.csn, "expires_on": card.expires_on.isoformat()},
    )
    return qr_text, pdf


# --- My contact details --------------------------------------------------------------------


class MobileUnchanged(ValidationFailed):
    code = "MOBILE_UNCHANGED"
    default_detail = "این همان شماره‌ای است که با آن وارد شده‌اید؛ شمارهٔ تازه را بنویسید."


class CountyNotFound(ValidationFailed):
    code = "COUNTY_NOT_FOUND"
    default_detail = "شهرستان محل سکونت را از فهرست برگزینید."


_NEW_MOBILE_NOT_OWNER = (
    "شمارهٔ همراه تازه به نام صاحب این کد ملی ثبت نشده است. فقط خطی را می‌توان ثبت کرد که "
    "به نام خود شما باشد؛ اگر خط را تازه خریده‌اید، چند روز بعد دوباره تلاش کنید."
)


def _new_mobile_checked(*, mobile: str, new_mobile: str) -> tuple[str, Citizen]:
    """The new number, parsed, if it is not the signed-in one and owns the citizen's code."""
    new = mobile_parse(new_mobile)
    if new == mobile:
        raise MobileUnchanged()
    citizen = selectors.citizen_of_mobile(mobile=mobile)
    if not mobile_owns(mobile=new, national_code=citizen.national_code):
        raise MobileNotOwner(_NEW_MOBILE_NOT_OWNER)
    return new, citizen


def contact_mobile_change_request(
    *,
    mobile: str,
    new_mobile: str,
    client_address: str = "",
    challenge_solution: str | None = None,
) -> str:
    """Start changing the citizen's mobile: the new number must own their national code
    (the registry's Shahkar-like interface); a code is sent to the old and to the new one."""
    # Each try asks the ownership service about a number: counted, so it is no oracle.
    rate_limit_hit(
        scope="contact-mobile-change",
        subject=mobile,
        limit=settings.OTP_MAX_REQUESTS_PER_HOUR,
        window=dt.timedelta(hours=1),
    )
    new, _ = _new_mobile_checked(mobile=mobile, new_mobile=new_mobile)
    otp_request(mobile=mobile, client_address=client_address, challenge_solution=challenge_solution)
    otp_request(mobile=new, client_address=client_address, challenge_solution=challenge_solution)
    return new


def contact_mobile_change(
    *, mobile: str, new_mobile: str, code_old: str, code_new: str, client_address: str = ""
) -> tuple[ContactDetails, list[str]]:
    """Change the citizen's mobile with the codes sent to both numbers: their contact
    details and every application still before enrolment (through the applications app's
    own change-mobile service). Returns the details and the tracking codes changed."""
    new, citizen = _new_mobile_checked(mobile=mobile, new_mobile=new_mobile)
    for number, code, which, detail in (
        (mobile, code_old, "old", "کد پیامک‌شده به شمارهٔ کنونی نادرست یا منقضی است."),
        (new, code_new, "new", "کد پیامک‌شده به شمارهٔ تازه نادرست یا منقضی است."),
    ):
        try:
            otp_verify(mobile=number, code=code, client_address=client_address)
        except OtpInvalid:
            # Which of the two codes was wrong: the page shows it beside that field.
            raise OtpInvalid(detail, extra={"which": which}) from None
    actor = _citizen_actor(mobile)
    with transaction.atomic():
        # The lock order: application rows first, then our own row.
        changed = []
        applications = Application.objects.filter(
            citizen=citizen, status__in=CHANGEABLE_STATUSES
        ).order_by("id")
        for application in applications:
            application_change_mobile(application=application, mobile=new, actor=actor)
            changed.append(application.tracking_code)
        contact = _contact_locked(citizen)
        old = contact.mobile or mobile
        contact.mobile = new
        contact.save(update_fields=["mobile", "updated_at"])
        audit_record(
            actor=actor,
            action="contact.mobile_changed",
            obj=contact,
            data={"from": old[-4:], "to": new[-4:], "applications": len(changed)},
        )
    return contact, changed


def _contact_locked(citizen: Citizen) -> ContactDetails:
    contact, _ = ContactDetails.objects.get_or_create(citizen=citizen)
    return ContactDetails.objects.select_for_update().get(pk=contact.pk)


def contact_residence_set(*, mobile: str, county_id: Any) -> ContactDetails:
    """Record the citizen's residence county (offices are suggested from it); audited."""
    try:
        county = County.objects.select_related("province").get(pk=int(county_id))
    except (County.DoesNotExist, TypeError, ValueError):
        raise CountyNotFound() from None
    citizen = selectors.citizen_of_mobile(mobile=mobile)
    with transaction.atomic():
        contact = _contact_locked(citizen)
        old = contact.residence_county_id
        contact.residence_county = county
        contact.save(update_fields=["residence_county", "updated_at"])
        audit_record(
            actor=_citizen_actor(mobile),
            action="contact.residence_changed",
            obj=contact,
            data={"from": old, "to": county.pk, "province": county.province.code},
        )
    return contact
