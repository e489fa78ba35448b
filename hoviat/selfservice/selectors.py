"""Reads of self-service: a citizen's own complaints and the events they may complain about,
the complaints staff may see and answer, and the citizen's documents and residence.

A citizen is the signed-in mobile; they reach what belongs to the national codes that mobile
owns (the registry's Shahkar-like interface), as in the applications app. Anything else is
one 404, the same as a number that does not exist.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Q, QuerySet, When
from django.utils import timezone

from hoviat.applications.models import Application
from hoviat.applications.selectors import access_application_for_citizen
from hoviat.core import permissions
from hoviat.core.errors import DomainError, NotFound
from hoviat.core.jalali import format_jalali, today_local
from hoviat.core.text import persian_digits
from hoviat.enrolment.models import Enrolment, Receipt
from hoviat.enrolment.selectors import receipt_standing
from hoviat.inquiry.models import InquiryLog
from hoviat.inquiry.reasons import PURPOSES
from hoviat.inquiry.services import subject_hash
from hoviat.notifications.models import SmsMessage
from hoviat.offices.models import Office, OfficeKind
from hoviat.pki.hooks import CardStanding
from hoviat.places.models import County, Province
from hoviat.production.models import LIVE_CARD_STATUSES, Card, CardStatus
from hoviat.registry.models import Citizen
from hoviat.registry.selectors import national_codes_owned_by
from hoviat.selfservice.codes import grievance_number_parse
from hoviat.selfservice.models import AboutKind, ContactDetails, Grievance, GrievanceStatus


class GrievanceNotFound(NotFound):
    code = "GRIEVANCE_NOT_FOUND"
    # One answer for a number that does not exist and one that is someone else's.
    default_detail = "شکایتی با این شماره برای شما یافت نشد."


class EventNotFound(NotFound):
    code = "EVENT_NOT_FOUND"
    default_detail = (
        "رویدادی که شکایت دربارهٔ آن است در سوابق شما یافت نشد. آن را از فهرست سوابق خود "
        "برگزینید یا شکایت را بدون رویداد بنویسید."
    )


class NoCitizen(DomainError):
    code = "MOBILE_OWNS_NO_NATIONAL_CODE"
    status = 403
    default_detail = (
        "این شماره همراه به نام هیچ کد ملی ثبت نشده است؛ با شماره‌ای که به نام خودتان است وارد شوید."
    )


# --- The citizen ---------------------------------------------------------------------------


def citizens_of_mobile(*, mobile: str) -> list[Citizen]:
    """The registry's people whose national codes this mobile owns, by national code."""
    codes = national_codes_owned_by(mobile=mobile)
    return list(
        Citizen.objects.select_related("residence_province", "residence_city__county")
        .filter(national_code__in=codes)
        .order_by("national_code")
    )


def citizen_of_mobile(*, mobile: str) -> Citizen:
    """The signed-in citizen: the first person the mobile owns (a shared family line owns
    several; their own page lists each person's things)."""
    citizens = citizens_of_mobile(mobile=mobile)
    if not citizens:
        raise NoCitizen()
    return citizens[0]


# --- Events a complaint may be about -------------------------------------------------------


@dataclass(frozen=True)
class ResolvedEvent:
    """An event of the citizen's own history, with whom it concerns."""

    kind: str
    ref: str
    citizen: Citizen
    office: Office | None


def _office_of_application(application: Application) -> Office | None:
    """The office a late card or an application concerns: where its newest card waits,
    else where it was enrolled."""
    card = Card.objects.filter(application=application).order_by("-id").first()
    if card is not None:
        return card.office
    enrolment = Enrolment.objects.filter(application=application).first()
    return enrolment.office if enrolment is not None else None


def event_resolve(*, mobile: str, about_event: str) -> ResolvedEvent:
    """An `about_event` reference (`inquiry:<inquiry_id>`, `sms:<id>`,
    `application:<tracking_code>`, `card:<serial>`), if it is in this citizen's own data."""
    kind, _, ref = (about_event or "").strip().partition(":")
    ref = ref.strip()
    citizens = {c.national_code: c for c in citizens_of_mobile(mobile=mobile)}
    if not citizens or not ref:
        raise EventNotFound()
    if kind == AboutKind.INQUIRY:
        try:
            inquiry_id = uuid.UUID(ref)
        except ValueError:
            raise EventNotFound() from None
        hashes = {subject_hash(code): code for code in citizens}
        row = InquiryLog.objects.filter(inquiry_id=inquiry_id, subject_hash__in=hashes).first()
        if row is None:
            raise EventNotFound()
        return ResolvedEvent(kind, str(inquiry_id), citizens[hashes[row.subject_hash]], None)
    if kind == AboutKind.SMS:
        if not ref.isdigit() or len(ref) > 18:
            raise EventNotFound()
        # A message to the signed-in number is theirs: it is what they are told about.
        if not SmsMessage.objects.filter(pk=int(ref), to=mobile).exists():
            raise EventNotFound()
        return ResolvedEvent(kind, ref, next(iter(citizens.values())), None)
    if kind == AboutKind.APPLICATION:
        try:
            application = access_application_for_citizen(mobile=mobile, tracking_code=ref)
        except NotFound:
            raise EventNotFound() from None
        return ResolvedEvent(
            kind,
            application.tracking_code,
            application.citizen,
            _office_of_application(application),
        )
    if kind == AboutKind.CARD:
        card = (
            Card.objects.select_related("application__citizen", "office")
            .filter(csn=ref[:16], application__citizen__national_code__in=citizens)
            .first()
        )
        if card is None:
            raise EventNotFound()
        return ResolvedEvent(kind, card.csn, card.application.citizen, card.office)
    raise EventNotFound()


def province_of(*, office: Office | None, citizen: Citizen) -> Province:
    """Where a complaint goes: the office's province, else the citizen's."""
    if office is not None:
        return office.city.province
    return citizen.residence_province


# --- Complaints, as their owner sees them --------------------------------------------------


def grievances_of_mobile(*, mobile: str) -> QuerySet[Grievance]:
    """The complaints of every person this mobile owns, newest first."""
    return (
        Grievance.objects.select_related("office", "province")
        .filter(citizen__national_code__in=national_codes_owned_by(mobile=mobile))
        .order_by("-created_at", "-id")
    )


def access_grievance_for_citizen(*, mobile: str, number: str) -> Grievance:
    """The complaint, if it belongs to a person this mobile owns; else GRIEVANCE_NOT_FOUND."""
    parsed = grievance_number_parse(number)
    grievance = (
        Grievance.objects.select_related("office", "province", "citizen")
        .filter(number=parsed)
        .first()
        if parsed
        else None
    )
    if grievance is None or grievance.citizen.national_code not in national_codes_owned_by(
        mobile=mobile
    ):
        raise GrievanceNotFound()
    return grievance


# --- Complaints, as staff see them ---------------------------------------------------------


def grievances_visible_to(user: Any) -> QuerySet[Grievance]:
    """National admins: all; a provincial director: their province's; an office operator:
    their office's. Nobody else: none."""
    queryset = Grievance.objects.select_related("office", "province", "citizen")
    if permissions.is_national_admin(user):
        return queryset
    province = permissions.director_province(user)
    if province is not None:
        return queryset.filter(province_id=province)
    office = permissions.operator_office(user)
    if office is not None:
        return queryset.filter(office_id=office)
    return queryset.none()


def access_grievance_for(user: Any, number: str) -> Grievance:
    """A complaint this member of staff may read and answer; else GRIEVANCE_NOT_FOUND."""
    parsed = grievance_number_parse(number)
    grievance = grievances_visible_to(user).filter(number=parsed).first() if parsed else None
    if grievance is None:
        raise GrievanceNotFound("شکایتی با این شماره در حوزهٔ شما یافت نشد.")
    return grievance


def grievances_open_for(user: Any) -> QuerySet[Grievance]:
    """Open complaints in the user's reach, the most urgent first."""
    return grievances_visible_to(user).filter(status=GrievanceStatus.OPEN).order_by("due_on", "id")


def grievances_overdue_for(user: Any, *, today: dt.date | None = None) -> QuerySet[Grievance]:
    """Open complaints past their due date, in the user's reach, the oldest first."""
    today = today or today_local()
    return grievances_open_for(user).filter(due_on__lt=today)


def grievances_answered_for(user: Any) -> QuerySet[Grievance]:
    return (
        grievances_visible_to(user)
        .filter(~Q(status=GrievanceStatus.OPEN))
        .order_by("-answered_at", "-id")
    )


# --- The events a citizen may pick on the complaint form -----------------------------------

EVENTS_PER_KIND = 15


def _at_local(moment: dt.datetime) -> str:
    return format_jalali(timezone.localtime(moment), with_time=True)


def complaint_events_of(*, mobile: str) -> list[tuple[str, str]]:
    """(reference, Persian label) of the citizen's recent events, for the complaint form:
    their applications and cards, SMS to the signed-in number, inquiries about them."""
    citizens = citizens_of_mobile(mobile=mobile)
    codes = [c.national_code for c in citizens]
    events: list[tuple[str, str]] = []
    applications = Application.objects.filter(citizen__national_code__in=codes).order_by(
        "-created_at"
    )[:EVENTS_PER_KIND]
    for application in applications:
        events.append(
            (
                f"{AboutKind.APPLICATION}:{application.tracking_code}",
                f"درخواست کارت با کد رهگیری {persian_digits(application.tracking_code)} "
                f"({application.get_status_display()})",
            )
        )
    cards = Card.objects.filter(application__citizen__national_code__in=codes).order_by("-id")[
        :EVENTS_PER_KIND
    ]
    for card in cards:
        events.append(
            (
                f"{AboutKind.CARD}:{card.csn}",
                f"کارت ملی با سریال پایانی {persian_digits(card.csn[-4:])} "
                f"({card.get_status_display()})",
            )
        )
    messages = SmsMessage.objects.filter(to=mobile).order_by("-created_at")[:EVENTS_PER_KIND]
    for message in messages:
        events.append(
            (
                f"{AboutKind.SMS}:{message.pk}",
                f"پیامک {_at_local(message.created_at)}: {message.body[:40]}…",
            )
        )
    hashes = [subject_hash(code) for code in codes]
    inquiries = (
        InquiryLog.objects.select_related("partner")
        .filter(subject_hash__in=hashes)
        .order_by("-at")[:EVENTS_PER_KIND]
        if hashes
        else []
    )
    for row in inquiries:
        purpose = PURPOSES.get(row.purpose, (row.purpose,))[0]
        events.append(
            (
                f"{AboutKind.INQUIRY}:{row.inquiry_id}",
                f"استعلام {row.partner.name} برای «{purpose}» در {_at_local(row.at)}",
            )
        )
    return events


# --- My documents --------------------------------------------------------------------------


class CardNotFound(NotFound):
    code = "CARD_NOT_FOUND"
    default_detail = "کارتی با این سریال برای شما یافت نشد."


class CardNotActive(DomainError):
    code = "CARD_NOT_ACTIVE"
    status = 409
    default_detail = "کارت ملی دیجیتال فقط برای کارتی صادر می‌شود که تحویل گرفته‌اید و فعال است."


@dataclass(frozen=True)
class ReceiptDocument:
    """A receipt that stands in for the card today."""

    receipt: Receipt
    tracking_code: str


@dataclass(frozen=True)
class CardDocument:
    """A card of the citizen's; a digital copy is offered while it is valid."""

    card: Card
    holder: Citizen
    available: bool  # active and not past its expiry date


def card_is_valid(card: Card, *, today: dt.date) -> bool:
    """A card counts as valid only while active and not past its expiry date."""
    return card.status == CardStatus.ACTIVE and card.expires_on >= today


def documents_of_mobile(
    *, mobile: str, today: dt.date | None = None
) -> tuple[list[ReceiptDocument], list[CardDocument]]:
    """The receipts that stand in for a card today and the cards in the citizen's hands, of
    every person the mobile owns."""
    today = today or today_local()
    codes = [c.national_code for c in citizens_of_mobile(mobile=mobile)]
    receipts = []
    for receipt in (
        Receipt.objects.select_related("application", "office")
        .filter(application__citizen__national_code__in=codes, superseded_at__isnull=True)
        .order_by("-issued_at")
    ):
        standing = receipt_standing(receipt_number=receipt.receipt_number, today=today)
        if standing is not None and standing.stands_in:
            receipts.append(ReceiptDocument(receipt, receipt.application.tracking_code))
    cards = [
        CardDocument(card, card.application.citizen, card_is_valid(card, today=today))
        for card in Card.objects.select_related("application__citizen")
        .filter(
            application__citizen__national_code__in=codes,
            status__in=[*LIVE_CARD_STATUSES, CardStatus.REVOKED, CardStatus.EXPIRED],
        )
        .order_by("-issued_on", "-id")
    ]
    return receipts, cards


def access_card_for_citizen(*, mobile: str, card_serial: str, today: dt.date | None = None) -> Card:
    """A valid card of a person this mobile owns, for its digital copy; CARD_NOT_FOUND for
    anyone else's, CARD_NOT_ACTIVE for one that is not (or no longer) valid."""
    codes = national_codes_owned_by(mobile=mobile)
    card = (
        Card.objects.select_related("application__citizen")
        .filter(csn=(card_serial or "")[:16], application__citizen__national_code__in=codes)
        .first()
    )
    if card is None:
        raise CardNotFound()
    if not card_is_valid(card, today=today or today_local()):
        raise CardNotActive()
    return card


def card_standing_of(*, card_serial: str, today: dt.date) -> CardStanding | None:
    """The `card_standing` hook of pki: a card's status now, for /pki/verify/."""
    card = Card.objects.filter(csn=card_serial[:16]).only("status", "expires_on").first()
    if card is None:
        return None
    valid = card_is_valid(card, today=today)
    status = card.status
    if status == CardStatus.ACTIVE and not valid:
        status = CardStatus.EXPIRED  # past its date before the expiry sweep has run
    return CardStanding(valid=valid, status=status, status_fa=CardStatus(status).label)


# --- My contact details --------------------------------------------------------------------

SUGGESTED_OFFICES = 5


@dataclass(frozen=True)
class ContactView:
    citizen: Citizen
    mobile: str  # where messages go: the proven contact mobile, else the signed-in one
    residence_county: County | None  # declared here, else the registry's residence city's


def contact_of_mobile(*, mobile: str) -> ContactView:
    citizen = citizen_of_mobile(mobile=mobile)
    contact = (
        ContactDetails.objects.select_related("residence_county__province")
        .filter(citizen=citizen)
        .first()
    )
    county = contact.residence_county if contact and contact.residence_county_id else None
    if county is None and citizen.residence_city is not None:
        county = citizen.residence_city.county
    return ContactView(
        citizen=citizen,
        mobile=contact.mobile if contact and contact.mobile else mobile,
        residence_county=county,
    )


def offices_suggested(*, county: County | None) -> list[Office]:
    """Active offices of the county, else of its province, registration offices first."""
    if county is None:
        return []
    offices = Office.objects.select_related("city").filter(is_active=True)
    kind_order = Case(
        When(kind=OfficeKind.REGISTRATION, then=0),
        When(kind=OfficeKind.COUNTER, then=1),
        default=2,
    )
    in_county = list(
        offices.filter(city__county=county).order_by(kind_order, "name")[:SUGGESTED_OFFICES]
    )
    if in_county:
        return in_county
    return list(
        offices.filter(city__province_id=county.province_id).order_by(kind_order, "name")[
            :SUGGESTED_OFFICES
        ]
    )


def counties_by_province() -> list[tuple[str, list[tuple[int, str]]]]:
    """Every county, grouped under its province, for the residence form."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for county in County.objects.select_related("province").order_by(
        "province__name_fa", "name_fa"
    ):
        groups.setdefault(county.province.name_fa, []).append((county.pk, county.name_fa))
    return list(groups.items())
