"""The audit log's writers: every state change leaves a row. `hoviat.core.audit_tree` makes
the rows a Merkle tree with signed checkpoints, so no row can be edited, dropped or moved unseen."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone

from hoviat.core.bulk import objects_insert, rows_insert
from hoviat.core.models import AuditEntry

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


_PLAIN = frozenset({str, int, bool, type(None)})


def _storable_json(data: dict[str, Any] | None) -> str:
    """`_storable(data)` as JSON text. A flat dict of text keys and text, whole-number, true/
    false or null values comes back from the database as it went in, so it is written once
    instead of written, read back and written again (the common row of a batch)."""
    if data and all(type(key) is str and type(value) in _PLAIN for key, value in data.items()):
        return json.dumps(data, ensure_ascii=False)
    return json.dumps(_storable(data), ensure_ascii=False)


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
    """Append one row to the log: one INSERT in the caller's transaction, no shared lock.
    The sequencer gives it its leaf number once that transaction has committed."""
    entry = audit_entry(
        actor=actor,
        action=action,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=data,
    )
    # One plain INSERT ... RETURNING: the ORM's create compiles the statement every time, and
    # this runs in every audited write.
    objects_insert([entry])
    return entry


def audit_entry(
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
    """The row `audit_record` appends, not yet written: for a hot path that writes it in the
    same statement as its own change (`core.bulk.objects_insert_if`), so that the row goes in
    exactly when the change does, in one round trip."""
    who = actor_of(actor)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    entry = AuditEntry(
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
    )
    return entry


_COLUMNS = [
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
    "leaf_hash",  # given by the sequencer
]


def audit_many(*, actor: Any, rows: list[dict[str, Any]]) -> int:
    """Append many rows at once (COPY on PostgreSQL), with no per-row ORM work and no lock:
    the same rows as `audit_record` called for each."""
    if not rows:
        return 0
    who = actor_of(actor)
    stored_at = connection.ops.adapt_datetimefield_value(timezone.now())
    label = who.label[:150]
    values = [
        (
            stored_at,
            who.kind,
            who.id,
            label,
            row["action"],
            row.get("object_type", ""),
            str(row.get("object_id", "")),
            row.get("from_state", ""),
            row.get("to_state", ""),
            row.get("reason", ""),
            _storable_json(row.get("data")),
            "",
        )
        for row in rows
    ]
    rows_insert(AuditEntry, _COLUMNS, values)
    return len(values)
