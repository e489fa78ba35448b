"""The one way a status changes: lock, check, save, audit, then side effects after commit."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction

from hoviat.core.audit import audit_record
from hoviat.core.errors import InvalidTransition, NotFound

M = TypeVar("M", bound=models.Model)


def transition(
    model: type[M],
    *,
    pk: Any,
    to: str,
    actor: Any,
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
    """
    if allowed_from is None:
        table: Mapping[str, Iterable[str]] = getattr(model, "TRANSITIONS", {})
        if to not in table:
            raise InvalidTransition(f"وضعیت «{to}» برای این مورد تعریف نشده است.")
        allowed_from = table[to]
    # A lone state written as a string is one state, not a set of its letters.
    allowed = frozenset((allowed_from,) if isinstance(allowed_from, str) else allowed_from)
    with transaction.atomic():
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
        obj.save(update_fields=changed)
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
            transaction.on_commit(lambda: after_commit(obj))
    return obj
