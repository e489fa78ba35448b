"""The holder's own controls over inquiries about them: a lock on remote use of their card
and receipt, and the opt-in to a monthly SMS summary. Called by selfservice once the citizen
has proved the mobile that owns the national code; here the holder is only the keyed hash of
the code (the log's `subject_hash`), never the code itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from hoviat.core.audit import audit_record
from hoviat.core.errors import ValidationFailed
from hoviat.inquiry import locks
from hoviat.inquiry.models import (
    LOCK_KINDS,
    HolderDigest,
    HolderLock,
    HolderLockClock,
    HolderLockEvent,
)

__all__ = [
    "LOCK_MAX_MINUTES",
    "holder_digest_set",
    "holder_digests_claim",
    "holder_lock_clear",
    "holder_lock_set",
    "lock_kinds_parse",
    "lock_minutes_check",
]

# A lock or a temporary unlock for a number of minutes: up to 30 days.
LOCK_MAX_MINUTES = 30 * 24 * 60


class LockKindUnknown(ValidationFailed):
    code = "LOCK_KIND_UNKNOWN"
    default_detail = (
        "نوع قفل شناخته نیست؛ «همه» یا یک یا چند مورد از کارت، رسید، تطبیق هویت و "
        "احراز هویت با کارت را انتخاب کنید."
    )


class LockMinutesOutOfRange(ValidationFailed):
    code = "LOCK_MINUTES_OUT_OF_RANGE"
    default_detail = "مدت باید از ۱ دقیقه تا ۴۳٬۲۰۰ دقیقه (۳۰ روز) باشد."


def lock_kinds_parse(kinds: list[str] | None) -> list[str]:
    """["all"] or a sorted subset of LOCK_KINDS; anything else is LOCK_KIND_UNKNOWN."""
    chosen = {str(k).strip().lower() for k in kinds or []}
    if not chosen or not chosen <= {"all", *LOCK_KINDS}:
        raise LockKindUnknown(extra={"allowed": ["all", *LOCK_KINDS]})
    if "all" in chosen or chosen == set(LOCK_KINDS):
        return ["all"]
    return sorted(chosen)


def lock_minutes_check(minutes: int | None) -> int | None:
    if minutes is not None and not 1 <= minutes <= LOCK_MAX_MINUTES:
        raise LockMinutesOutOfRange(extra={"min": 1, "max": LOCK_MAX_MINUTES})
    return minutes


def _next_generation() -> int:
    """Take the next generation under the clock's row lock (held until the commit)."""
    table = connection.ops.quote_name(HolderLockClock._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (id, generation) VALUES (1, 1) "  # noqa: S608  # nosec B608
            f"ON CONFLICT (id) DO UPDATE SET generation = {table}.generation + 1 "
            "RETURNING generation"
        )
        return cursor.fetchone()[0]


def _write(
    *,
    subject_hash: str,
    actor: Any,
    action: str,
    values: dict[str, Any],
    kinds: list[str],
    minutes: int | None,
) -> HolderLock:
    now = timezone.now()
    with transaction.atomic():
        generation = _next_generation()
        lock, _ = HolderLock.objects.update_or_create(
            subject_hash=subject_hash,
            defaults={**values, "generation": generation, "changed_at": now},
        )
        event = HolderLockEvent.objects.create(
            subject_hash=subject_hash, at=now, action=action, kinds=kinds, minutes=minutes
        )
        audit_record(
            actor=actor,
            action=f"inquiry.holder_{action}",
            obj=lock,
            to_state="locked" if lock.kinds else "unlocked",
            data={"kinds": kinds, "minutes": minutes, "event": event.pk},
        )
        transaction.on_commit(locks.expire)
    locks.expire()
    return lock


def holder_lock_set(
    *, subject_hash: str, kinds: list[str], minutes: int | None = None, actor: Any
) -> HolderLock:
    """Lock inquiries of these kinds about the holder, for good or for `minutes`. A new lock
    replaces the previous one (and ends a temporary unlock)."""
    chosen = lock_kinds_parse(kinds)
    minutes = lock_minutes_check(minutes)
    until = timezone.now() + dt.timedelta(minutes=minutes) if minutes else None
    return _write(
        subject_hash=subject_hash,
        actor=actor,
        action=HolderLockEvent.Action.LOCK,
        values={"kinds": chosen, "locked_until": until, "paused_until": None},
        kinds=chosen,
        minutes=minutes,
    )


def holder_lock_clear(
    *, subject_hash: str, minutes: int | None = None, actor: Any
) -> HolderLock | None:
    """Unlock for good, or for `minutes` (the lock comes back by itself afterwards).
    None when there was no lock to clear."""
    minutes = lock_minutes_check(minutes)
    current = HolderLock.objects.filter(subject_hash=subject_hash).first()
    if current is None or not current.kinds:
        return None
    if minutes:
        values: dict[str, Any] = {
            "paused_until": timezone.now() + dt.timedelta(minutes=minutes),
        }
        kinds = list(current.kinds)
    else:
        values, kinds = {"kinds": [], "locked_until": None, "paused_until": None}, []
    return _write(
        subject_hash=subject_hash,
        actor=actor,
        action=HolderLockEvent.Action.UNLOCK,
        values=values,
        kinds=kinds,
        minutes=minutes,
    )


def holder_digest_set(*, subject_hash: str, mobile: str, on: bool, actor: Any) -> bool:
    """Opt in (or out) of the monthly SMS summary; returns whether it is on now."""
    with transaction.atomic():
        if on:
            HolderDigest.objects.update_or_create(
                subject_hash=subject_hash,
                defaults={"mobile": mobile},
                create_defaults={"mobile": mobile, "opted_in_at": timezone.now()},
            )
        else:
            HolderDigest.objects.filter(subject_hash=subject_hash).delete()
        audit_record(
            actor=actor,
            action="inquiry.holder_digest_on" if on else "inquiry.holder_digest_off",
            object_type="inquiry.holderdigest",
            object_id=subject_hash[:8],
        )
    return on


def holder_digests_claim(
    *, month: dt.date, opted_in_before: dt.datetime, limit: int = 500
) -> list[tuple[str, str]]:
    """Claim up to `limit` opted-in holders not yet summarised for `month` (its first day):
    (subject_hash, mobile) pairs, marked as summarised in the caller's transaction, so the
    SMS the caller queues in that transaction goes once a month, however often or in how many
    processes the sweep runs (rows another sweep holds are skipped, not waited for)."""
    with transaction.atomic():
        due = list(
            HolderDigest.objects.select_for_update(skip_locked=True)
            .filter(opted_in_at__lt=opted_in_before)
            .filter(models.Q(last_month__isnull=True) | models.Q(last_month__lt=month))
            .order_by("id")
            .values_list("id", "subject_hash", "mobile")[:limit]
        )
        HolderDigest.objects.filter(id__in=[row[0] for row in due]).update(last_month=month)
    return [(subject, mobile) for _id, subject, mobile in due]
