"""Delivery services: the validity policy the national admin records. A decision is never
edited: it is withdrawn and, if need be, recorded again; each step is audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from hoviat.core.audit import audit_record
from hoviat.core.errors import Conflict, NotFound, ValidationFailed
from hoviat.delivery.models import PaperCardCutoff, ValidityExtension
from hoviat.delivery.selectors.cards import access_policy_for

__all__ = [
    "paper_cutoff_record",
    "paper_cutoff_withdraw",
    "validity_extension_record",
    "validity_extension_withdraw",
]

MAX_DECISION_YEARS = 30


def _reference(text: str) -> str:
    reference = " ".join((text or "").split())
    if not reference or len(reference) > 255:
        raise ValidationFailed(
            "شماره یا عنوان مصوبه الزامی است (حداکثر ۲۵۵ نویسه).",
            code="POLICY_REFERENCE_REQUIRED",
            extra={"field": "reference"},
        )
    return reference


def _plausible(day: dt.date, field: str) -> None:
    today = timezone.localdate()
    if abs((day - today).days) > MAX_DECISION_YEARS * 366:
        raise ValidationFailed(
            "تاریخ واردشده از محدوده معقول بیرون است؛ آن را دوباره بررسی کنید.",
            code="POLICY_DATE_IMPLAUSIBLE",
            extra={"field": field},
        )


def validity_extension_record(
    *,
    expiring_before: dt.date,
    valid_until: dt.date,
    effective_from: dt.date,
    reference: str,
    actor: Any,
) -> ValidityExtension:
    """Record «cards expiring before X are valid until Y», in force from a date."""
    access_policy_for(actor)
    for name, day in (
        ("expiring_before", expiring_before),
        ("valid_until", valid_until),
        ("effective_from", effective_from),
    ):
        _plausible(day, name)
    if valid_until < expiring_before:
        raise ValidationFailed(
            "تاریخ «معتبر تا» باید پس از تاریخ «منقضی پیش از» باشد؛ تمدید نمی‌تواند اعتبار را "
            "کوتاه کند.",
            code="EXTENSION_SHORTENS",
            extra={"field": "valid_until"},
        )
    with transaction.atomic():
        extension = ValidityExtension.objects.create(
            expiring_before=expiring_before,
            valid_until=valid_until,
            effective_from=effective_from,
            reference=_reference(reference),
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="policy.extension_recorded",
            obj=extension,
            to_state="in_force",
            data={
                "expiring_before": expiring_before.isoformat(),
                "valid_until": valid_until.isoformat(),
                "effective_from": effective_from.isoformat(),
                "reference": extension.reference,
            },
        )
    return extension


def _withdraw(model, *, pk: int, actor: Any, action: str, reason: str):
    access_policy_for(actor)
    with transaction.atomic():
        row = model.objects.select_for_update().filter(pk=pk).first()
        if row is None:
            raise NotFound("این مصوبه یافت نشد.", code="POLICY_NOT_FOUND")
        if row.withdrawn_at is not None:
            raise Conflict("این مصوبه پیش‌تر لغو شده است.", code="POLICY_ALREADY_WITHDRAWN")
        row.withdrawn_at = timezone.now()
        row.save(update_fields=["withdrawn_at"])
        audit_record(
            actor=actor,
            action=action,
            obj=row,
            from_state="in_force",
            to_state="withdrawn",
            reason=reason,
            data={"reference": row.reference},
        )
    return row


def validity_extension_withdraw(
    *, extension_id: int, actor: Any, reason: str = ""
) -> ValidityExtension:
    """Withdraw an extension: from now on it no longer counts."""
    return _withdraw(
        ValidityExtension,
        pk=extension_id,
        actor=actor,
        action="policy.extension_withdrawn",
        reason=reason,
    )


def paper_cutoff_record(
    *, accepted_until: dt.date, effective_from: dt.date, reference: str, actor: Any
) -> PaperCardCutoff:
    """Record the last day old paper cards are accepted, in force from a date."""
    access_policy_for(actor)
    _plausible(accepted_until, "accepted_until")
    _plausible(effective_from, "effective_from")
    with transaction.atomic():
        cutoff = PaperCardCutoff.objects.create(
            accepted_until=accepted_until,
            effective_from=effective_from,
            reference=_reference(reference),
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="policy.paper_cutoff_recorded",
            obj=cutoff,
            to_state="in_force",
            data={
                "accepted_until": accepted_until.isoformat(),
                "effective_from": effective_from.isoformat(),
                "reference": cutoff.reference,
            },
        )
    return cutoff


def paper_cutoff_withdraw(*, cutoff_id: int, actor: Any, reason: str = "") -> PaperCardCutoff:
    """Withdraw a paper card cut-off decision."""
    return _withdraw(
        PaperCardCutoff,
        pk=cutoff_id,
        actor=actor,
        action="policy.paper_cutoff_withdrawn",
        reason=reason,
    )
