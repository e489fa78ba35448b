"""The SMS outbox: messages are rows first, sent after commit, retried with back-off."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F, Q
from django.utils import timezone

from hoviat.core.bulk import objects_insert, rows_insert
from hoviat.notifications.backends import SmsSendError, get_backend
from hoviat.notifications.models import SmsMessage, SmsStatus
from hoviat.notifications.templates import sms_template

logger = logging.getLogger(__name__)

# Waits before the 2nd, 3rd, ... attempt; the last one repeats.
BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
)


def sms_queue(
    *, to: str, template: str, params: Mapping[str, Any], related: models.Model | None = None
) -> SmsMessage:
    """Write a message from a named template (notifications.templates) to the outbox; it is
    handed to the backend after the commit."""
    chosen = sms_template(template)
    message = SmsMessage(
        to=to,
        body=chosen.render(params),
        kind=chosen.kind,
        object_type=related._meta.label_lower if related is not None else "",
        object_id=str(related.pk) if related is not None else "",
        next_attempt_at=timezone.now(),
    )
    objects_insert([message])  # one plain INSERT: this runs in every booking and OTP
    transaction.on_commit(lambda: _enqueue(message.pk))
    return message


@dataclass(frozen=True)
class SmsOut:
    """One message for `sms_queue_many`: to whom, its template's parameters, and the row it
    is about."""

    to: str
    params: Mapping[str, Any]
    object_type: str = ""
    object_id: str = ""


def sms_queue_many(
    *, template: str, messages: list[SmsOut], due_at: dt.datetime | None = None
) -> list[int]:
    """Write many messages of one template to the outbox at once (a sweep's or a shipment's);
    they are handed to the backend after the commit. Returns their ids, in order."""
    if not messages:
        return []
    chosen = sms_template(template)
    now = due_at or timezone.now()
    rows = SmsMessage.objects.bulk_create(
        [
            SmsMessage(
                to=m.to,
                body=chosen.render(m.params),
                kind=chosen.kind,
                status=SmsStatus.QUEUED,
                object_type=m.object_type,
                object_id=m.object_id,
                next_attempt_at=now,
            )
            for m in messages
        ]
    )
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: _enqueue_all(ids))
    return ids


def _enqueue_all(message_ids: list[int]) -> None:
    for pk in message_ids:
        _enqueue(pk)


_OUTBOX_COLUMNS = [
    "to",
    "body",
    "kind",
    "status",
    "attempts",
    "next_attempt_at",
    "provider_message_id",
    "last_error",
    "object_type",
    "object_id",
    "created_at",
]


def sms_outbox_fill(*, template: str, messages: list[SmsOut]) -> int:
    """Write many messages of one template to the outbox for the outbox sweep to send
    (thousands from a nightly sweep: by COPY on PostgreSQL, no job per message). Returns how
    many."""
    chosen = sms_template(template)
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    rows_insert(
        SmsMessage,
        _OUTBOX_COLUMNS,
        [
            (
                m.to,
                chosen.render(m.params),
                chosen.kind,
                SmsStatus.QUEUED.value,
                0,
                at,
                "",
                "",
                m.object_type,
                m.object_id,
                at,
            )
            for m in messages
        ],
    )
    return len(messages)


def _enqueue(message_id: int) -> None:
    from hoviat.notifications.tasks import sms_send_task

    sms_send_task(message_id)


def sms_send(*, message_id: int) -> SmsMessage | None:
    """Send one queued message; None when another worker has already claimed it."""
    now = timezone.now()
    # The conditional update is the claim: two workers never send the same message twice.
    claimed = SmsMessage.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        pk=message_id,
        status=SmsStatus.QUEUED,
    ).update(status=SmsStatus.SENDING, attempts=F("attempts") + 1, next_attempt_at=now)
    if not claimed:
        return None
    message = SmsMessage.objects.get(pk=message_id)
    try:
        result = get_backend().send(to=message.to, body=message.body, local_id=str(message.pk))
    except SmsSendError as exc:
        return _after_failure(message, str(exc), permanent=exc.permanent)
    SmsMessage.objects.filter(pk=message.pk, status=SmsStatus.SENDING).update(
        status=SmsStatus.SENT,
        sent_at=timezone.now(),
        provider_message_id=result.provider_message_id,
        last_error="",
    )
    message.refresh_from_db()
    return message


def _after_failure(message: SmsMessage, error: str, *, permanent: bool) -> SmsMessage:
    gives_up = permanent or message.attempts >= settings.SMS_MAX_ATTEMPTS
    if gives_up:
        SmsMessage.objects.filter(pk=message.pk, status=SmsStatus.SENDING).update(
            status=SmsStatus.FAILED, last_error=error[:255], next_attempt_at=None
        )
    else:
        delay = BACKOFF[min(message.attempts - 1, len(BACKOFF) - 1)]
        SmsMessage.objects.filter(pk=message.pk, status=SmsStatus.SENDING).update(
            status=SmsStatus.QUEUED, last_error=error[:255], next_attempt_at=timezone.now() + delay
        )
    # The message's id, never its number (no mobile in a log line).
    logger.warning("SMS %s failed (attempt %s): %s", message.pk, message.attempts, error)
    message.refresh_from_db()
    return message


@dataclass(frozen=True)
class OutboxSweep:
    sent: int
    failed: int
    requeued_stuck: int
    delivered: int
    undeliverable: int


def sms_outbox_sweep(*, limit: int = 500) -> OutboxSweep:
    """Send what is due, recover messages stuck in `sending`, collect delivery reports."""
    now = timezone.now()
    # A worker killed mid-send leaves `sending`; after 10 minutes it is tried again.
    stuck = SmsMessage.objects.filter(
        status=SmsStatus.SENDING, next_attempt_at__lt=now - dt.timedelta(minutes=10)
    ).update(status=SmsStatus.QUEUED)
    sent = failed = 0
    due = list(
        SmsMessage.objects.filter(status=SmsStatus.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for message_id in due:
        message = sms_send(message_id=message_id)
        if message is None:
            continue
        if message.status == SmsStatus.SENT:
            sent += 1
        elif message.status == SmsStatus.FAILED:
            failed += 1
    delivered, undeliverable = sms_delivery_reports_collect(limit=limit)
    return OutboxSweep(sent, failed, stuck, delivered, undeliverable)


def sms_delivery_reports_collect(*, limit: int = 500) -> tuple[int, int]:
    """Ask the backend about sent messages and record delivered / undeliverable."""
    backend = get_backend()
    pending = dict(
        SmsMessage.objects.filter(status=SmsStatus.SENT)
        .exclude(provider_message_id="")
        .values_list("provider_message_id", "pk")[:limit]
    )
    if not pending:
        return 0, 0
    try:
        reports = backend.delivery_reports(list(pending))
    except SmsSendError as exc:
        logger.warning("delivery reports unavailable: %s", exc)
        return 0, 0
    delivered = undeliverable = 0
    now = timezone.now()
    for report in reports:
        if report.delivered is None or report.provider_message_id not in pending:
            continue
        query = SmsMessage.objects.filter(
            pk=pending[report.provider_message_id], status=SmsStatus.SENT
        )
        if report.delivered:
            delivered += query.update(status=SmsStatus.DELIVERED, delivered_at=now)
        else:
            undeliverable += query.update(
                status=SmsStatus.UNDELIVERABLE, last_error=report.detail[:255]
            )
    return delivered, undeliverable
