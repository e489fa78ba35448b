"""The hash-chained audit log: every state change leaves a row that cannot be edited unseen."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from hoviat.core.bulk import rows_insert
from hoviat.core.models import AuditEntry, AuditHead

GENESIS = "0" * 64
SYSTEM = ("system", "", "سامانه")


@dataclass(frozen=True)
class Actor:
    kind: str
    id: str = ""
    label: str = ""


def actor_of(who: Any) -> Actor:
    """A user, an Actor, or None (the system) as an Actor."""
    if who is None:
        return Actor(*SYSTEM)
    if isinstance(who, Actor):
        return who
    if getattr(who, "is_authenticated", False) and hasattr(who, "pk"):
        return Actor("user", str(who.pk), who.get_username())
    raise TypeError(f"Cannot audit actor {who!r}")


def _digest(prev_hash: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps(
        fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _fields(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(timespec="microseconds"),
        "actor_kind": entry.actor_kind,
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "from_state": entry.from_state,
        "to_state": entry.to_state,
        "reason": entry.reason,
        "data": entry.data,
    }


def _json_float(text: str) -> float | int:
    number = float(text)
    # PostgreSQL's JSONB prints a float of 1e16 or more without an exponent, so it comes back
    # as an int and would no longer match its hash: store it as the int it will become.
    return int(number) if number.is_integer() and abs(number) >= 1e16 else number


def _storable(data: dict[str, Any] | None) -> dict[str, Any]:
    """`data` as the database will give it back, so the hash covers exactly what is stored.

    NaN and infinities are refused here: JSONB cannot hold them, SQLite would.
    """
    text = json.dumps(data or {}, ensure_ascii=False, default=str, allow_nan=False)
    return json.loads(text, parse_float=_json_float)


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one row to the chain (inside the caller's transaction, or its own)."""
    who = actor_of(actor)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head, _ = AuditHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS})
            head = AuditHead.objects.select_for_update().get(pk=1)
        entry = AuditEntry(
            id=head.last_id + 1,
            at=timezone.now(),
            actor_kind=who.kind,
            actor_id=who.id,
            actor_label=who.label[:150],
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            from_state=from_state,
            to_state=to_state,
            reason=reason,
            data=_storable(data),
            prev_hash=head.last_hash,
            hash="",
        )
        entry.hash = _digest(entry.prev_hash, _fields(entry))
        entry.save(force_insert=True)
        AuditHead.objects.filter(pk=1).update(
            last_id=entry.id, last_hash=entry.hash, count=head.count + 1
        )
    return entry


_COLUMNS = [
    "id",
    "at",
    "actor_kind",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "from_state",
    "to_state",
    "reason",
    "data",
    "prev_hash",
    "hash",
]


def audit_many(*, actor: Any, rows: list[dict[str, Any]]) -> int:
    """Append many rows to the audit chain under one lock of its head: the same rows, links
    and hashes as `audit_record` called for each, written in one batch (COPY on PostgreSQL)."""
    if not rows:
        return 0
    who = actor_of(actor)
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        if head is None:  # an empty chain: the first row through the one way that starts it
            first, *rest = rows
            audit_record(actor=actor, **first)
            if not rest:
                return 1
            return 1 + audit_many(actor=actor, rows=rest)
        at = timezone.now()
        stored_at = connection.ops.adapt_datetimefield_value(at)
        label = who.label[:150]
        last_id, last_hash = head.last_id, head.last_hash
        values = []
        for row in rows:
            last_id += 1
            entry = AuditEntry(
                id=last_id,
                at=at,
                actor_kind=who.kind,
                actor_id=who.id,
                actor_label=label,
                action=row["action"],
                object_type=row.get("object_type", ""),
                object_id=str(row.get("object_id", "")),
                from_state=row.get("from_state", ""),
                to_state=row.get("to_state", ""),
                reason=row.get("reason", ""),
                data=_storable(row.get("data")),
                prev_hash=last_hash,
            )
            digest = _digest(last_hash, _fields(entry))
            values.append(
                (
                    last_id,
                    stored_at,
                    who.kind,
                    who.id,
                    label,
                    entry.action,
                    entry.object_type,
                    entry.object_id,
                    entry.from_state,
                    entry.to_state,
                    entry.reason,
                    json.dumps(entry.data, ensure_ascii=False),
                    last_hash,
                    digest,
                )
            )
            last_hash = digest
        rows_insert(AuditEntry, _COLUMNS, values)
        AuditHead.objects.filter(pk=1).update(
            last_id=last_id, last_hash=last_hash, count=head.count + len(values)
        )
    return len(values)


@dataclass(frozen=True)
class AuditVerdict:
    ok: bool
    checked: int
    broken_id: int | None = None
    problem: str = ""


def _head_state() -> tuple[int, str]:
    head = AuditHead.objects.filter(pk=1).first()
    # No head is the same as an empty chain: rows without a head are then reported.
    return (head.last_id, head.last_hash) if head is not None else (0, GENESIS)


def audit_verify(*, chunk_size: int = 5000) -> AuditVerdict:
    """Walk the chain; the first row whose hash or link does not hold is reported.

    The head is read before and after the walk, so rows appended while it runs (a live
    system) are not mistaken for forgeries, while a row missing below the head, a row beyond
    the head, or a head that does not match its row are all reported.
    """
    start_id, start_hash = _head_state()
    prev_hash = GENESIS
    expected_id = 1
    checked = 0
    tail_hashes: dict[int, str] = {}
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=chunk_size):
        if entry.id != expected_id:
            return AuditVerdict(False, checked, expected_id, f"row {expected_id} is missing")
        if entry.prev_hash != prev_hash:
            return AuditVerdict(False, checked, entry.id, "link to the previous row is broken")
        if _digest(entry.prev_hash, _fields(entry)) != entry.hash:
            return AuditVerdict(False, checked, entry.id, "row content does not match its hash")
        if entry.id >= start_id:
            tail_hashes[entry.id] = entry.hash
        prev_hash = entry.hash
        expected_id += 1
        checked += 1
    if checked < start_id:
        return AuditVerdict(
            False,
            checked,
            checked + 1,
            f"row {checked + 1} is missing: the chain ends at row {checked}, "
            f"the head says {start_id}",
        )
    if start_id and tail_hashes[start_id] != start_hash:
        return AuditVerdict(False, checked, start_id, "the head's hash does not match this row")
    end_id, end_hash = _head_state()
    if checked > end_id:
        return AuditVerdict(
            False,
            checked,
            end_id + 1,
            f"row {end_id + 1} lies beyond the head (row {end_id}): "
            "it was not appended through the audit log",
        )
    if end_id <= checked and end_id != start_id and tail_hashes[end_id] != end_hash:
        return AuditVerdict(False, checked, end_id, "the head's hash does not match this row")
    return AuditVerdict(True, checked)
