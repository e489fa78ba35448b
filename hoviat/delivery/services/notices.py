"""Notices to the holder of a card waiting at an office: "card ready" on arrival, reminders
at the intervals of DELIVERY_REMINDER_DAYS, the notice sent again after the citizen changed
the mobile (proven by a code sent to the new number), and "card delivered"."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from hoviat.applications.models import Application, ApplicationStatus
from hoviat.applications.selectors import application_for_tracking
from hoviat.applications.services import mobile_parse, otp_request, otp_verify
from hoviat.core.audit import Actor, audit_record
from hoviat.core.errors import Conflict
from hoviat.core.jalali import today_local
from hoviat.delivery.conf import conf
from hoviat.delivery.models import Collection
from hoviat.notifications.services import SmsOut, sms_queue, sms_queue_many
from hoviat.production.models import CardStatus

__all__ = [
    "CARD_DELIVERED",
    "CARD_READY",
    "CARD_REMINDER",
    "CollectionNotWaiting",
    "card_delivered_notice_queue",
    "card_ready_notices_queue",
    "collection_mobile_change",
    "collection_mobile_change_request",
    "collection_reminders_send",
]

CARD_READY = "card_ready"
CARD_REMINDER = "card_ready_reminder"
CARD_DELIVERED = "card_delivered"


class CollectionNotWaiting(Conflict):
    code = "CARD_NOT_WAITING"
    default_detail = "کارتی از این درخواست در دفتر در انتظار تحویل نیست."


def _notices_write(collections: list[Collection], *, kind: str, now: dt.datetime) -> list[int]:
    """One message per collection, written in bulk; each row's last_sms points at its own."""
    ids = sms_queue_many(
        template=kind,
        messages=[
            SmsOut(
                to=c.card.application.mobile,
                params={
                    "csn": c.card.csn,
                    "office_name": c.office.name,
                    "office_address": c.office.address,
                    "hold_until": c.hold_until,
                },
                object_type="applications.application",
                object_id=str(c.card.application_id),
            )
            for c in collections
        ],
        due_at=now,
    )
    for collection, message_id in zip(collections, ids, strict=True):
        collection.last_sms_id = message_id
    Collection.objects.bulk_update(collections, ["last_sms"])
    return ids


def card_ready_notices_queue(*, collection_ids: list[int]) -> int:
    """Queue the "card ready" SMS of freshly arrived cards (inside the receiving transaction)."""
    collections = list(
        Collection.objects.filter(pk__in=collection_ids).select_related(
            "card__application", "office"
        )
    )
    return len(_notices_write(collections, kind=CARD_READY, now=timezone.now()))


def _next_reminder_on(arrived_on: dt.date, sent: int) -> dt.date | None:
    """After `sent` reminders, the day of the next one (None: no more)."""
    days = sorted(conf("DELIVERY_REMINDER_DAYS"))
    return arrived_on + dt.timedelta(days=days[sent]) if sent < len(days) else None


def collection_reminders_send(*, today: dt.date | None = None, limit: int = 1000) -> int:
    """Send the reminders due by `today` for cards still waiting; safe to run concurrently."""
    today = today or today_local()
    now = timezone.now()
    due = Collection.objects.filter(
        collected_at__isnull=True,
        voided_at__isnull=True,
        next_reminder_on__lte=today,
        card__status=CardStatus.AT_OFFICE,
    ).order_by("next_reminder_on", "pk")
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            # Rows another worker holds are skipped, not waited for.
            due = due.select_for_update(skip_locked=True, of=("self",))
        rows = list(
            due.values_list("pk", "reminders_sent", "arrived_at", "next_reminder_on")[:limit]
        )
        groups: dict[tuple[int, dt.date | None, dt.date | None], list[int]] = defaultdict(list)
        for pk, sent, arrived_at, next_on in rows:
            arrived_on = timezone.localdate(arrived_at)
            groups[(sent, next_on, _next_reminder_on(arrived_on, sent + 1))].append(pk)
        claimed: list[int] = []
        for (sent, next_on, following), pks in groups.items():
            # The claim: only rows still as read are moved on; a row another worker moved
            # (or a card handed over meanwhile) is left alone.
            ids = list(
                Collection.objects.filter(
                    pk__in=pks,
                    reminders_sent=sent,
                    next_reminder_on=next_on,
                    collected_at__isnull=True,
                    voided_at__isnull=True,
                ).values_list("pk", flat=True)
            )
            if ids and Collection.objects.filter(
                pk__in=ids, reminders_sent=sent, next_reminder_on=next_on
            ).update(reminders_sent=sent + 1, next_reminder_on=following) == len(ids):
                claimed.extend(ids)
        collections = list(
            Collection.objects.filter(pk__in=claimed).select_related("card__application", "office")
        )
        return len(_notices_write(collections, kind=CARD_REMINDER, now=now))


def _waiting_collection(application: Application) -> Collection:
    collection = (
        Collection.objects.select_related("card__application", "office")
        .filter(
            card__application=application,
            card__status=CardStatus.AT_OFFICE,
            collected_at__isnull=True,
            voided_at__isnull=True,
        )
        .first()
    )
    if application.status != ApplicationStatus.READY_AT_OFFICE or collection is None:
        raise CollectionNotWaiting()
    return collection


def collection_mobile_change_request(*, national_code: str, tracking_code: str, mobile: str):
    """Send a code to the NEW mobile for a card waiting at an office (tracking-page data)."""
    application = application_for_tracking(national_code=national_code, tracking_code=tracking_code)
    _waiting_collection(application)
    return otp_request(mobile=mobile)


def collection_mobile_change(
    *, national_code: str, tracking_code: str, mobile: str, code: str
) -> Collection:
    """Prove the new mobile by its code, then send the card-ready notice to it."""
    application = application_for_tracking(national_code=national_code, tracking_code=tracking_code)
    _waiting_collection(application)
    mobile = mobile_parse(mobile)
    otp_verify(mobile=mobile, code=code)
    actor = Actor("citizen", mobile[-4:], "citizen")
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        collection = _waiting_collection(locked)
        old = locked.mobile
        locked.mobile = mobile
        locked.save(update_fields=["mobile", "updated_at"])
        audit_record(
            actor=actor,
            action="application.mobile_changed",
            obj=locked,
            reason="card_ready_notice",
            data={"from": old[-4:], "to": mobile[-4:]},
        )
        collection.card.application = locked
        _notices_write([collection], kind=CARD_READY, now=timezone.now())
    return collection


def card_delivered_notice_queue(*, application: Application, csn: str, office_name: str) -> Any:
    """The "card delivered" SMS (called after the hand-over's commit)."""
    return sms_queue(
        to=application.mobile,
        template=CARD_DELIVERED,
        params={"csn": csn, "office_name": office_name},
        related=application,
    )
