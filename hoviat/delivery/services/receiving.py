"""Receiving a shipment at its office: the operator scans or types the serials; what the
manifest lists and was scanned arrives, what was not stays in transit and is flagged."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from hoviat.applications.models import ApplicationStatus
from hoviat.applications.services import applications_status_change_many
from hoviat.core import permissions
from hoviat.core.audit import audit_record
from hoviat.core.errors import (
    AccessDenied,
    Conflict,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from hoviat.core.jalali import today_local
from hoviat.core.text import normalize_code
from hoviat.delivery.conf import conf
from hoviat.delivery.models import Collection, ShipmentReceipt
from hoviat.delivery.services.notices import card_ready_notices_queue
from hoviat.production.models import Card, CardStatus, Shipment, ShipmentStatus
from hoviat.production.services import cards_status_change_many, shipment_mark_received

__all__ = [
    "ReceiveResult",
    "ShipmentNotReceivable",
    "card_serial_parse",
    "card_serials_parse",
    "collection_first_reminder_on",
    "require_office_operator",
    "shipment_receive",
]

# Serials are separated by lines, commas or semicolons; spaces inside one are dropped
# ("IR00 0000 0123" is one serial, as people type it in groups).
_SEPARATORS = re.compile(r"[\r\n,،;؛]+")


class ShipmentNotReceivable(Conflict):
    code = "SHIPMENT_NOT_RECEIVABLE"
    default_detail = "این محموله هنوز ارسال نشده است و نمی‌توان آن را دریافت کرد."


def require_office_operator(user: Any) -> Any:
    """The user, if they are an active operator of an office; else ACCESS_DENIED."""
    if not permissions.is_office_operator(user):
        raise AccessDenied("این کار ویژهٔ کارشناس دفتر تحویل کارت است.")
    return user


def card_serial_parse(raw: str) -> str:
    """A card serial as typed or scanned: Persian digits folded, spaces and dashes dropped."""
    return normalize_code(raw or "").upper()


def card_serials_parse(raw: str | list[str]) -> list[str]:
    """Serials from a textarea or a list, one per line or separated by commas; in first-seen
    order, each once."""
    items = raw if isinstance(raw, list) else _SEPARATORS.split(raw or "")
    seen: dict[str, None] = {}
    for item in items:
        # A scanner may send one serial per line, or a list item may itself hold several.
        for part in _SEPARATORS.split(str(item)):
            serial = card_serial_parse(part)
            if serial:
                seen.setdefault(serial, None)
    return list(seen)


def collection_first_reminder_on(arrived_on: dt.date) -> dt.date | None:
    days = sorted(conf("DELIVERY_REMINDER_DAYS"))
    return arrived_on + dt.timedelta(days=days[0]) if days else None


@dataclass
class ReceiveResult:
    shipment_id: int
    received: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # in the manifest, not scanned
    unexpected: list[str] = field(default_factory=list)  # scanned, not in this shipment
    sms_queued: int = 0


def shipment_receive(
    *, shipment_id: int, card_serials: list[str] | str, actor: Any
) -> ReceiveResult:
    """Receive the scanned cards of a shipment: at_office, ready_at_office, notices queued."""
    require_office_operator(actor)
    serials = card_serials_parse(card_serials)
    if not serials:
        raise ValidationFailed("شماره‌سریال هیچ کارتی وارد نشده است.", code="CARD_SERIALS_REQUIRED")
    _audit_other_offices_cards(shipment_id=shipment_id, serials=serials, actor=actor)
    now = timezone.now()
    today = today_local()
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().filter(pk=shipment_id).first()
        # Another office's shipment answers as an unknown one: a different answer would
        # confirm that the number exists.
        if shipment is None or shipment.office_id != actor.office_id:
            raise NotFound("محموله‌ای با این شماره یافت نشد.", code="SHIPMENT_NOT_FOUND")
        late = shipment.status == ShipmentStatus.RECEIVED
        if shipment.status != ShipmentStatus.DISPATCHED and not late:
            raise ShipmentNotReceivable(extra={"shipment_status": shipment.status})
        # The manifest: every card of the shipment; those still in transit can arrive.
        manifest = {
            csn: (pk, application_id, status)
            for pk, csn, application_id, status in Card.objects.filter(
                shipment=shipment
            ).values_list("pk", "csn", "application_id", "status")
        }
        in_transit = {csn for csn, (_, _, status) in manifest.items() if status == "in_transit"}
        foreign = [s for s in serials if s not in manifest]
        arriving = [s for s in serials if s in in_transit]
        already = [s for s in serials if s in manifest and s not in in_transit]
        if not arriving:
            raise ValidationFailed(
                "هیچ‌یک از شماره‌سریال‌ها از کارت‌های در راه این محموله نیست؛ چیزی دریافت نشد.",
                code="NOTHING_TO_RECEIVE",
                extra={"unexpected": foreign, "already_received": already},
            )
        try:
            # Two audit rows per card, appended to the chain in batches (a shipment holds
            # thousands); a card that another tool moved meanwhile undoes the whole scan.
            cards_status_change_many(
                ids=[manifest[s][0] for s in arriving],
                to=CardStatus.AT_OFFICE,
                allowed_from={CardStatus.IN_TRANSIT},
                actor=actor,
                updates={"updated_at": now},
                audit_data={manifest[s][0]: {"shipment": shipment.pk, "card": s} for s in arriving},
                expect_all=True,
            )
        except InvalidTransition:
            raise Conflict("وضعیت برخی کارت‌ها هم‌زمان تغییر کرد؛ دوباره تلاش کنید.") from None
        applications_status_change_many(
            ids=[manifest[s][1] for s in arriving],
            to=ApplicationStatus.READY_AT_OFFICE,
            allowed_from={ApplicationStatus.SHIPPED},
            actor=actor,
            updates={"updated_at": now},
            audit_data={manifest[s][1]: {"shipment": shipment.pk, "card": s} for s in arriving},
        )
        missing = sorted(in_transit - set(arriving))
        if late:
            receipt = ShipmentReceipt.objects.select_for_update().get(shipment=shipment)
            receipt.received += len(arriving)
            receipt.missing = missing
            receipt.unexpected = sorted(set(receipt.unexpected) | set(foreign))
            receipt.save(update_fields=["received", "missing", "unexpected"])
        else:
            shipment_mark_received(
                shipment_id=shipment.pk,
                actor=actor,
                audit_data={"received": len(arriving), "missing": len(missing)},
            )
            ShipmentReceipt.objects.create(
                shipment=shipment,
                office_id=shipment.office_id,
                received_by=actor,
                received_at=now,
                expected=len(manifest),
                received=len(arriving),
                missing=missing,
                unexpected=sorted(foreign),
            )
        hold_until = today + dt.timedelta(days=conf("DELIVERY_HOLD_DAYS"))
        collections = Collection.objects.bulk_create(
            [
                Collection(
                    card_id=manifest[s][0],
                    office_id=shipment.office_id,
                    arrived_at=now,
                    hold_until=hold_until,
                    next_reminder_on=collection_first_reminder_on(today),
                )
                for s in arriving
            ]
        )
        if missing or foreign:
            audit_record(
                actor=actor,
                action="shipment.discrepancy",
                obj=shipment,
                reason="missing_or_unexpected",
                data={"missing": missing, "unexpected": sorted(foreign)},
            )
        queued = card_ready_notices_queue(collection_ids=[c.pk for c in collections])
    return ReceiveResult(
        shipment_id=shipment.pk,
        received=arriving,
        missing=missing,
        unexpected=sorted(foreign),
        sms_queued=queued,
    )


def _audit_other_offices_cards(*, shipment_id: int, serials: list[str], actor: Any) -> None:
    """Serials of cards bound for another office are audited (a probe, or a misrouted card),
    then answered like unknown serials: as `unexpected`, never naming the other office."""
    shipment = Shipment.objects.filter(pk=shipment_id).only("pk", "office_id").first()
    if shipment is None or shipment.office_id != actor.office_id:
        return  # answered inside, under the lock
    others = sorted(
        Card.objects.filter(csn__in=serials)
        .exclude(office_id=shipment.office_id)
        .values_list("csn", flat=True)
    )
    if others:
        audit_record(
            actor=actor,
            action="shipment.receive_foreign_serials",
            obj=shipment,
            reason="serials_of_other_office",
            data={"serials": others},
        )
