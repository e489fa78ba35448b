"""Cards past their time: uncollected cards voided at their hold date and their bodies destroyed
later; cards past their validity expired. Chunk by chunk, each chunk claimed under lock (two
sweeps at once share the work); the cards and applications move through their own apps'
services, the certificates are revoked at once (one CRL per sweep, signed after commit)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from hoviat.applications.services import applications_void_many
from hoviat.core.bulk import rows_insert
from hoviat.core.text import persian_digits
from hoviat.delivery.conf import conf
from hoviat.delivery.models import Collection, Destruction, ValidityExtension
from hoviat.delivery.services._shared import CARD, CHUNK
from hoviat.notifications.services import SmsOut, sms_outbox_fill
from hoviat.pki.services import cards_certificates_revoke
from hoviat.production.models import LIVE_CARD_STATUSES, Card, CardStatus
from hoviat.production.services import cards_status_change_many

__all__ = ["VoidResult", "cards_destroy_voided", "cards_expire", "collections_void_overdue"]


def _lock(queryset):
    # PostgreSQL: rows another sweep holds are skipped, so two sweeps share the work. SQLite
    # has no row locks; its IMMEDIATE transactions run one writer at a time instead.
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset


@dataclass
class VoidResult:
    voided: int = 0
    certificates_revoked: int = 0
    issuers: set[int] = field(default_factory=set)


def collections_void_overdue(
    *, today: dt.date, chunk: int = CHUNK, limit: int | None = None, actor: Any = None
) -> VoidResult:
    """Void cards left at offices past their hold date: card and application voided, the
    certificates revoked, the holder told; chunk by chunk, each claimed under lock."""
    result = VoidResult()
    hold_days = conf("DELIVERY_HOLD_DAYS")
    reason = f"تحویل گرفته نشد در مهلت {persian_digits(hold_days)} روزه"
    # Collections whose card was not ours to void (held by a concurrent sweep, or not at the
    # office): not offered again in this run, so every round makes progress.
    passed: set[int] = set()
    while limit is None or result.voided < limit:
        size = chunk if limit is None else min(chunk, limit - result.voided)
        with transaction.atomic():
            # One table, so both databases read it through the partial index of open rows.
            due = Collection.objects.filter(
                hold_until__lt=today, collected_at__isnull=True, voided_at__isnull=True
            )
            if passed:
                due = due.exclude(pk__in=passed)
            offered = list(due.values_list("pk", "card_id")[:size])
            if not offered:
                break
            # By primary key only: with a status condition SQLite may walk the status index
            # of every card at an office. The status is checked here and again in the claim.
            locked = _lock(Card.objects.filter(pk__in=[c for _, c in offered])).values_list(
                "pk",
                "csn",
                "application_id",
                "application__mobile",
                "application__tracking_code",
                "status",
            )
            candidates = {r[0]: r[:5] for r in locked if r[5] == CardStatus.AT_OFFICE}
            now = timezone.now()
            # The claim says which cards it moved: only those go on.
            claimed = cards_status_change_many(
                ids=list(candidates),
                to=CardStatus.VOIDED,
                allowed_from={CardStatus.AT_OFFICE},
                actor=actor,
                reason=reason,
                updates={"updated_at": now},
                audit_data={pk: {"csn": r[1]} for pk, r in candidates.items()},
            )
            rows = [candidates[pk] for pk in claimed]
            passed.update(pk for pk, card_id in offered if card_id not in claimed)
            if not rows:
                continue
            Collection.objects.filter(
                card_id__in=list(claimed), collected_at__isnull=True, voided_at__isnull=True
            ).update(voided_at=now)
            applications_void_many(
                ids=[r[2] for r in rows],
                reason=reason,
                actor=actor,
                audit_data={r[2]: {"card": r[1]} for r in rows},
            )
            revoked, issuers = cards_certificates_revoke(
                csns=[r[1] for r in rows], reason="voided — تحویل‌نشده در مهلت", actor=actor
            )
            result.certificates_revoked += revoked
            result.issuers.update(issuers)
            # The outbox rows commit with the change; the outbox sweep sends them.
            sms_outbox_fill(
                template="card_voided",
                messages=[
                    SmsOut(
                        to=r[3],
                        params={"tracking_code": r[4], "hold_days": hold_days},
                        object_type=CARD,
                        object_id=str(r[0]),
                    )
                    for r in rows
                ],
            )
            result.voided += len(rows)
    return result


def cards_destroy_voided(
    *, now: dt.datetime | None = None, chunk: int = CHUNK, actor: Any = None
) -> int:
    """Destroy card bodies voided DELIVERY_DESTROY_AFTER_DAYS ago, each with its record."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=conf("DELIVERY_DESTROY_AFTER_DAYS"))
    destroyed = 0
    while True:
        with transaction.atomic():
            rows = list(
                _lock(
                    Card.objects.filter(
                        status=CardStatus.VOIDED, collection__voided_at__lte=cutoff
                    ).exclude(Exists(Destruction.objects.filter(card_id=OuterRef("pk"))))
                ).values_list("pk", "csn")[:chunk]
            )
            if not rows:
                break
            claimed = cards_status_change_many(
                ids=[pk for pk, _ in rows],
                to=CardStatus.DESTROYED,
                allowed_from={CardStatus.VOIDED},
                actor=actor,
                reason="امحای بدنه کارت تحویل‌نشده",
                updates={"updated_at": now},
                audit_data={pk: {"csn": csn} for pk, csn in rows},
            )
            if not claimed:
                break  # what is left is another sweep's
            at = connection.ops.adapt_datetimefield_value(now)
            rows_insert(
                Destruction,
                ["card", "destroyed_at", "reason"],
                [(pk, at, "تحویل‌نشده در مهلت") for pk in claimed],
            )
            destroyed += len(claimed)
    return destroyed


def cards_expire(*, today: dt.date, chunk: int = CHUNK, actor: Any = None) -> int:
    """Active and suspended cards past their validity (extensions in force counted) expire."""
    extended = ValidityExtension.objects.filter(
        effective_from__lte=today,
        withdrawn_at__isnull=True,
        expiring_before__gt=OuterRef("expires_on"),
        valid_until__gte=today,
    )
    expired = 0
    while True:
        with transaction.atomic():
            rows = list(
                _lock(
                    Card.objects.filter(
                        status__in=LIVE_CARD_STATUSES, expires_on__lt=today
                    ).exclude(Exists(extended))
                ).values_list("pk", "csn", "expires_on")[:chunk]
            )
            if not rows:
                break
            claimed = cards_status_change_many(
                ids=[r[0] for r in rows],
                to=CardStatus.EXPIRED,
                allowed_from=LIVE_CARD_STATUSES,
                actor=actor,
                reason="پایان اعتبار کارت",
                audit_data={r[0]: {"csn": r[1], "expires_on": r[2].isoformat()} for r in rows},
            )
            if not claimed:
                break  # what is left is another sweep's
            expired += len(claimed)
    return expired
