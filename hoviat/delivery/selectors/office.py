"""Delivery reads for the office: shipments on their way, cards waiting for their holders and
the state of their notices; and what the citizen's tracking page shows of a waiting card."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from hoviat.core.errors import AccessDenied, NotFound
from hoviat.core.permissions import operator_office
from hoviat.delivery.models import Collection, Handover, ShipmentReceipt
from hoviat.enrolment.models import BiometricFile
from hoviat.enrolment.selectors import enrolment_face_of
from hoviat.notifications.models import SMS_FAILED_STATUSES, SmsStatus
from hoviat.production.models import Card, CardStatus, Shipment, ShipmentStatus

__all__ = [
    "WaitingCard",
    "access_card_for_handover_for",
    "access_holder_photo_for",
    "access_shipment_for",
    "card_waiting_notice",
    "cards_waiting_at",
    "handovers_recent_at",
    "holder_photo_kept",
    "shipment_manifest",
    "shipments_incoming_to",
    "tracking_card_waiting",
    "waiting_counts_at",
]

NOTICE_LABELS: dict[str, str] = {
    SmsStatus.QUEUED: "در صف ارسال",
    SmsStatus.SENDING: "در حال ارسال",
    SmsStatus.SENT: "ارسال شد",
    SmsStatus.DELIVERED: "به گوشی رسید",
    SmsStatus.FAILED: "ارسال نشد (شماره نامعتبر یا خطای سرویس)",
    SmsStatus.UNDELIVERABLE: "به گوشی نرسید (شماره در دسترس نیست)",
}


def access_shipment_for(user: Any, shipment_id: Any) -> Shipment:
    """A shipment bound for the operator's own office; anything else is not found."""
    office_id = operator_office(user)
    if office_id is None:
        raise AccessDenied("این بخش ویژهٔ کارشناس دفتر تحویل کارت است.")
    try:
        pk = int(shipment_id)
    except (TypeError, ValueError):
        pk = None
    shipment = (
        Shipment.objects.select_related("office").filter(pk=pk, office_id=office_id).first()
        if pk is not None
        else None
    )
    if shipment is None:
        raise NotFound("محموله‌ای با این شماره برای دفتر شما یافت نشد.", code="SHIPMENT_NOT_FOUND")
    return shipment


def access_card_for_handover_for(user: Any, card_serial: str) -> Card | None:
    """The card with this serial if it waits at the operator's office (for the form's preview)."""
    office_id = operator_office(user)
    if office_id is None:
        return None
    return (
        Card.objects.select_related("application__citizen")
        .filter(csn=card_serial, office_id=office_id, status=CardStatus.AT_OFFICE)
        .first()
    )


def access_holder_photo_for(user: Any, card_serial: str) -> BiometricFile:
    """The enrolment photo of a card's holder, for the operators of the office holding the
    card (waiting there for hand-over) and no one else; an unknown serial, another office's
    card or a card with no photo are all the same NotFound."""
    card = access_card_for_handover_for(user, card_serial)
    face = enrolment_face_of(application_id=card.application_id) if card is not None else None
    if face is None:
        raise NotFound("عکسی برای این کارت در دسترس نیست.", code="PHOTO_NOT_FOUND")
    return face


def holder_photo_kept(*, card: Card) -> bool:
    """Whether enrolment kept a photo of the card's holder (the desk says so if not)."""
    return enrolment_face_of(application_id=card.application_id) is not None


def shipments_incoming_to(*, office_id: int) -> QuerySet[Shipment]:
    """Shipments dispatched to the office, and received ones still missing cards."""
    return (
        Shipment.objects.filter(office_id=office_id)
        .filter(
            Q(status=ShipmentStatus.DISPATCHED)
            | Q(status=ShipmentStatus.RECEIVED, cards__status=CardStatus.IN_TRANSIT)
        )
        .annotate(
            card_count=Count("cards", distinct=True),
            in_transit=Count("cards", filter=Q(cards__status=CardStatus.IN_TRANSIT), distinct=True),
        )
        .distinct()
        .order_by("dispatched_at", "pk")
    )


@dataclass(frozen=True)
class ManifestLine:
    csn: str
    status: str
    status_label: str
    tracking_code: str


def shipment_manifest(*, shipment: Shipment) -> tuple[list[ManifestLine], ShipmentReceipt | None]:
    labels = dict(CardStatus.choices)
    lines = [
        ManifestLine(csn, status, labels.get(status, status), tracking)
        for csn, status, tracking in Card.objects.filter(shipment=shipment)
        .order_by("csn")
        .values_list("csn", "status", "application__tracking_code")
    ]
    return lines, ShipmentReceipt.objects.filter(shipment=shipment).first()


@dataclass(frozen=True)
class WaitingCard:
    csn: str
    tracking_code: str
    full_name: str
    mobile_tail: str
    arrived_at: dt.datetime
    hold_until: dt.date
    days_left: int
    reminders_sent: int
    notice_status: str
    notice_label: str
    notice_failed: bool
    notice_error: str


def _waiting(office_id: int) -> QuerySet[Collection]:
    return Collection.objects.filter(
        office_id=office_id,
        collected_at__isnull=True,
        voided_at__isnull=True,
        card__status=CardStatus.AT_OFFICE,
    )


def waiting_counts_at(*, office_id: int, today: dt.date, soon_days: int = 7) -> dict[str, int]:
    """How many cards wait, how many of their notices failed, how many are due within days."""
    return _waiting(office_id).aggregate(
        waiting=Count("pk"),
        failed=Count("pk", filter=Q(last_sms__status__in=SMS_FAILED_STATUSES)),
        due_soon=Count("pk", filter=Q(hold_until__lte=today + dt.timedelta(days=soon_days))),
    )


def cards_waiting_at(
    *, office_id: int, today: dt.date, failed_only: bool = False, limit: int = 500
) -> list[WaitingCard]:
    """Cards at the office waiting for their holders, the nearest deadline first."""
    rows = _waiting(office_id).select_related("card__application__citizen", "last_sms")
    if failed_only:
        rows = rows.filter(last_sms__status__in=SMS_FAILED_STATUSES)
    waiting = []
    for c in rows.order_by("hold_until", "pk")[:limit]:
        app = c.card.application
        status = c.last_sms.status if c.last_sms else ""
        waiting.append(
            WaitingCard(
                csn=c.card.csn,
                tracking_code=app.tracking_code,
                full_name=f"{app.citizen.first_name} {app.citizen.last_name}",
                mobile_tail=app.mobile[-4:],
                arrived_at=c.arrived_at,
                hold_until=c.hold_until,
                days_left=(c.hold_until - today).days,
                reminders_sent=c.reminders_sent,
                notice_status=status,
                notice_label=NOTICE_LABELS.get(status, "پیامکی فرستاده نشده"),
                notice_failed=status in SMS_FAILED_STATUSES,
                notice_error=c.last_sms.last_error if c.last_sms else "",
            )
        )
    return waiting


def handovers_recent_at(*, office_id: int, limit: int = 20) -> QuerySet[Handover]:
    return (
        Handover.objects.filter(office_id=office_id)
        .select_related("card", "application__citizen", "operator")
        .order_by("-handed_over_at")[:limit]
    )


def card_waiting_notice(application: Any) -> dict | None:
    """For the tracking page: where a waiting card is, until when, and whether the "card
    ready" SMS failed (then the citizen is told to change the mobile)."""
    collection = (
        Collection.objects.select_related("office", "last_sms", "card")
        .filter(
            card__application=application,
            card__status=CardStatus.AT_OFFICE,
            collected_at__isnull=True,
            voided_at__isnull=True,
        )
        .first()
    )
    if collection is None:
        return None
    status = collection.last_sms.status if collection.last_sms else ""
    return {
        "office_name": collection.office.name,
        "office_address": collection.office.address,
        "office_phone": collection.office.phone,
        "hold_until": collection.hold_until,
        "card_tail": collection.card.csn[-4:],
        "notice_status": status,
        "notice_label": NOTICE_LABELS.get(status, ""),
        "notice_failed": status in SMS_FAILED_STATUSES,
        "mobile_tail": application.mobile[-4:],
    }


def tracking_card_waiting(*, application: Any) -> dict | None:
    """What the citizen's tracking page shows of a card waiting at an office (registered on
    the applications app's `tracking_extras` hook as "card_waiting")."""
    notice = card_waiting_notice(application)
    if notice is not None:
        # No codes in the address: the page is opened by a POST carrying them (no URL, log or
        # browser history keeps a national code or tracking code).
        notice["change_mobile_url"] = reverse("track_card_mobile")
    return notice
