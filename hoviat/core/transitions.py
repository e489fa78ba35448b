"""The two ways a status changes: one row (`transition`: lock, check, save, audit, side effects
after commit) and many rows (`transition_many`: a conditional update that claims the rows still
in an allowed state, one audit row each through the batch append, side effects after commit)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar, cast

from django.core.exceptions import ObjectDoesNotExist
from django.db import connection, models, transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from hoviat.core.audit import audit_many, audit_record
from hoviat.core.bulk import sql_once
from hoviat.core.errors import InvalidTransition, NotFound
from hoviat.core.text import persian_digits

M = TypeVar("M", bound=models.Model)


def _allowed(model: type[models.Model], to: str, allowed_from: Iterable[str] | None) -> frozenset:
    if allowed_from is None:
        table: Mapping[str, Iterable[str]] = getattr(model, "TRANSITIONS", {})
        if to not in table:
            raise InvalidTransition(f"وضعیت «{to}» برای این مورد تعریف نشده است.")
        allowed_from = table[to]
    # A lone state written as a string is one state, not a set of its letters.
    return frozenset((allowed_from,) if isinstance(allowed_from, str) else allowed_from)


def _save_fields(obj: models.Model, names: list[str]) -> None:
    """`obj.save(update_fields=names)` as one plain UPDATE built once per model and fields:
    the ORM's save compiles the statement every time, and this runs in every transition.
    A model with save signals listened to keeps the ORM's save, so they still fire."""
    model = type(obj)
    if (
        pre_save.has_listeners(model)
        or post_save.has_listeners(model)
        or model.save is not models.Model.save
    ):
        obj.save(update_fields=names)
        return
    opts = model._meta
    fields = [cast(models.Field, opts.get_field(name)) for name in dict.fromkeys(names)]

    def make() -> str:
        quote = connection.ops.quote_name
        assignments = ", ".join(f"{quote(str(f.column))} = %s" for f in fields)
        return (
            f"UPDATE {quote(opts.db_table)} SET {assignments} "  # noqa: S608 (names from the model; values are parameters)  # nosec B608
            f"WHERE {quote(str(opts.pk.column))} = %s"
        )

    # pre_save: auto_now fields take the time now, as save() gives them.
    values = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql_once(("save", model, tuple(names)), make), [*values, obj.pk])


def transition(
    model: type[M],
    *,
    pk: Any = None,
    to: str,
    actor: Any,
    obj: M | None = None,
    allowed_from: Iterable[str] | None = None,
    field: str = "status",
    reason: str = "",
    updates: Mapping[str, Any] | None = None,
    after_commit: Callable[[M], None] | None = None,
    action: str | None = None,
    audit_data: dict[str, Any] | None = None,
) -> M:
    """Move one row to state `to`.

    `allowed_from` defaults to the model's TRANSITIONS[to] (a mapping of target state to the
    states it may be reached from), so the allowed moves are declared once, beside the model.
    `obj` is a row the caller has already locked (select_for_update) in this transaction: it is
    changed in place instead of being read and locked again.
    """
    allowed = _allowed(model, to, allowed_from)
    with transaction.atomic():
        if obj is None:
            try:
                obj = model._default_manager.select_for_update().get(pk=pk)
            except ObjectDoesNotExist:  # the model's DoesNotExist is one of these
                raise NotFound() from None
        current = getattr(obj, field)
        if current not in allowed:
            raise InvalidTransition(
                f"تغییر وضعیت از «{current}» به «{to}» مجاز نیست.",
                extra={"from_state": current, "to_state": to},
            )
        setattr(obj, field, to)
        changed = [field]
        for name, value in (updates or {}).items():
            setattr(obj, name, value)
            changed.append(name)
        if any(f.name == "updated_at" for f in model._meta.concrete_fields):
            changed.append("updated_at")
        _save_fields(obj, changed)
        audit_record(
            actor=actor,
            action=action or f"{model._meta.model_name}.{to}",
            obj=obj,
            from_state=current,
            to_state=to,
            reason=reason,
            data=audit_data,
        )
        if after_commit is not None:
            done = obj
            transaction.on_commit(lambda: after_commit(done))
    return obj


CHUNK = 5000


def _concrete(model: type[models.Model], name: str) -> tuple[models.Field, str]:
    """A concrete field of the model and its column (never a reverse relation)."""
    found = model._meta.get_field(name)
    column = getattr(found, "column", None)
    if not isinstance(found, models.Field) or not isinstance(column, str):
        raise TypeError(f"{model._meta.label}.{name} is not a column")
    return found, column


def _claim(
    model: type[models.Model],
    ids: list[int],
    *,
    field: str,
    from_state: str,
    values: dict[str, Any],
) -> list[int]:
    """UPDATE … WHERE pk IN (ids) AND field = from_state RETURNING pk: exactly the rows moved.

    The ids are integers read from the database and written into the statement (binding
    5,000 parameters costs more than the statement runs); values are bound parameters."""
    opts = model._meta
    quote = connection.ops.quote_name
    assignments, params = [], []
    for name, value in values.items():
        target, column = _concrete(model, name)
        assignments.append(f"{quote(column)} = %s")
        params.append(target.get_db_prep_save(value, connection))
    status_column = quote(_concrete(model, field)[1])
    pk_column = quote(_concrete(model, opts.pk.name)[1])
    in_list = ",".join(str(int(i)) for i in ids)
    sql = (
        f"UPDATE {quote(opts.db_table)} SET {', '.join(assignments)} "  # noqa: S608 (names quoted from the model; ids cast to int; values are parameters)  # nosec B608
        f"WHERE {pk_column} IN ({in_list}) AND {status_column} = %s RETURNING {pk_column}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, from_state])
        return [row[0] for row in cursor.fetchall()]


def transition_many(
    model: type[M],
    *,
    ids: Iterable[int],
    to: str,
    actor: Any,
    allowed_from: Iterable[str] | None = None,
    field: str = "status",
    reason: str = "",
    updates: Mapping[str, Any] | None = None,
    action: str | None = None,
    audit_data: Callable[[int], dict[str, Any] | None] | Mapping[int, dict[str, Any]] | None = None,
    after_commit: Callable[[dict[int, str]], None] | None = None,
    expect_all: bool = False,
) -> dict[int, str]:
    """Move many rows to state `to` at once; returns {pk: the state it was claimed from}.

    Each row is claimed by a conditional update from an allowed state, so a row another worker
    moved first is not claimed twice: the update says which rows it moved, and only those are
    audited (one row each, through the batch append) and returned. With `expect_all`, a row
    that could not be claimed is an error and nothing is written.
    """
    allowed = _allowed(model, to, allowed_from)
    wanted = list(dict.fromkeys(int(i) for i in ids))
    if not wanted:
        return {}
    values: dict[str, Any] = {field: to, **(updates or {})}
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        values.setdefault("updated_at", timezone.now())
    claimed: dict[int, str] = {}
    with transaction.atomic():
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            for from_state in sorted(allowed):
                left = [pk for pk in chunk if pk not in claimed]
                if not left:
                    break
                for pk in _claim(model, left, field=field, from_state=from_state, values=values):
                    claimed[pk] = from_state
        if expect_all and len(claimed) != len(wanted):
            missing = [pk for pk in wanted if pk not in claimed]
            raise InvalidTransition(
                f"{persian_digits(len(missing))} مورد در وضعیتی نیست که به «{to}» برود.",
                extra={"to_state": to, "not_claimed": missing[:20]},
            )
        data_of = audit_data.get if isinstance(audit_data, Mapping) else audit_data
        name = action or f"{model._meta.model_name}.{to}"
        label = model._meta.label_lower
        audit_many(
            actor=actor,
            rows=[
                {
                    "action": name,
                    "object_type": label,
                    "object_id": str(pk),
                    "from_state": from_state,
                    "to_state": to,
                    "reason": reason,
                    "data": data_of(pk) if data_of is not None else None,
                }
                for pk in wanted
                if (from_state := claimed.get(pk)) is not None
            ],
        )
        claimed = {pk: claimed[pk] for pk in wanted if pk in claimed}
        if after_commit is not None and claimed:
            moved = dict(claimed)
            transaction.on_commit(lambda: after_commit(moved))
    return claimed
