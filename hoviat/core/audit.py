"""The hash-chained audit log: every state change leaves a row that cannot be edited unseen."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

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
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                           default=str)
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
            # Round-trip through JSON so the hash covers exactly what the database stores.
            data=json.loads(json.dumps(data or {}, ensure_ascii=False, default=str)),
            prev_hash=head.last_hash,
            hash="",
        )
        entry.hash = _digest(entry.prev_hash, _fields(entry))
        entry.save(force_insert=True)
        AuditHead.objects.filter(pk=1).update(
            last_id=entry.id, last_hash=entry.hash, count=head.count + 1
        )
    return entry


@dataclass(frozen=True)
class AuditVerdict:
    ok: bool
    checked: int
    broken_id: int | None = None
    problem: str = ""


def audit_verify(*, chunk_size: int = 5000) -> AuditVerdict:
    """Walk the chain; the first row whose hash or link does not hold is reported."""
    prev_hash = GENESIS
    expected_id = 1
    checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=chunk_size):
        if entry.id != expected_id:
            return AuditVerdict(False, checked, expected_id, f"row {expected_id} is missing")
        if entry.prev_hash != prev_hash:
            return AuditVerdict(False, checked, entry.id, "link to the previous row is broken")
        if _digest(entry.prev_hash, _fields(entry)) != entry.hash:
            return AuditVerdict(False, checked, entry.id, "row content does not match its hash")
        prev_hash = entry.hash
        expected_id += 1
        checked += 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.last_id != checked or head.last_hash != prev_hash):
        return AuditVerdict(False, checked, checked + 1,
                            f"the chain ends at row {checked}, the head says {head.last_id}")
    return AuditVerdict(True, checked)
