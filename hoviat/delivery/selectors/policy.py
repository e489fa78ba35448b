"""Validity policy: when a card's validity ends once extensions are counted, and whether old
paper cards are still accepted. Pages, sweeps and the inquiry API all read these."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Max, Q

from hoviat.delivery.models import PaperCardCutoff, ValidityExtension

__all__ = [
    "PaperCardStanding",
    "card_valid_until",
    "cutoffs_all",
    "extensions_all",
    "extensions_in_force",
    "paper_card_standing",
]


def extensions_in_force(*, on: dt.date):
    """Extensions decided and in force on `on` (withdrawn ones no longer count)."""
    return ValidityExtension.objects.filter(effective_from__lte=on, withdrawn_at__isnull=True)


def card_valid_until(*, expires_on: dt.date, on: dt.date) -> dt.date:
    """The last day a card printed with `expires_on` is valid, under the policy in force on `on`."""
    extended = (
        extensions_in_force(on=on)
        .filter(expiring_before__gt=expires_on)
        .aggregate(until=Max("valid_until"))["until"]
    )
    if extended is None or extended <= expires_on:
        return expires_on
    return extended


@dataclass(frozen=True)
class PaperCardStanding:
    accepted: bool
    accepted_until: dt.date | None  # None: no cut-off decided yet
    reference: str


def paper_card_standing(*, on: dt.date, invalidated_on: dt.date | None = None) -> PaperCardStanding:
    """Whether an old paper card is accepted on `on`: the latest cut-off in force decides; a card
    invalidated on its own (its holder received a smart card) is refused from that day."""
    cutoff = (
        PaperCardCutoff.objects.filter(Q(effective_from__lte=on), withdrawn_at__isnull=True)
        .order_by("-effective_from", "-created_at", "-pk")
        .first()
    )
    until = cutoff.accepted_until if cutoff else None
    reference = cutoff.reference if cutoff else ""
    if invalidated_on is not None and invalidated_on <= on:
        return PaperCardStanding(False, until, reference)
    return PaperCardStanding(until is None or on <= until, until, reference)


def extensions_all():
    """Every extension ever recorded, newest first (withdrawn ones too, marked)."""
    return ValidityExtension.objects.select_related("created_by").order_by("-created_at", "-pk")


def cutoffs_all():
    """Every paper card cut-off ever recorded, newest first."""
    return PaperCardCutoff.objects.select_related("created_by").order_by("-created_at", "-pk")
