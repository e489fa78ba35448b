"""The delivery sweep: what happens to cards with time, in one pass (`hoviat sweep`, the huey
schedule in hoviat/schedules.py, and the delivery sweep task)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from hoviat.delivery.services import (
    CHUNK,
    applications_release_prepared,
    cards_destroy_voided,
    cards_expire,
    collection_reminders_send,
    collections_void_overdue,
)
from hoviat.pki.services import crl_publish


@dataclass(frozen=True)
class SweepSummary:
    reminders: int
    voided: int
    certificates_revoked: int
    destroyed: int
    expired: int
    released: int

    def __str__(self) -> str:
        return (
            f"voided: {self.voided} (certificates revoked: {self.certificates_revoked}), "
            f"reminders: {self.reminders}, "
            f"destroyed: {self.destroyed}, expired: {self.expired}, "
            f"replacements to production: {self.released}"
        )


def delivery_sweep(*, today: dt.date | None = None, actor: Any = None) -> SweepSummary:
    """Voids (one CRL per sweep), reminders, destructions, expiries, prepared replacements."""
    today = today or timezone.localdate()
    # Voids first: a card voided today gets its voiding SMS, not a reminder to come for it.
    voids = collections_void_overdue(today=today, actor=actor)
    if voids.issuers:
        for issuer_id in sorted(voids.issuers):
            crl_publish(issuer_id=issuer_id)
    reminders = collection_reminders_send(today=today, limit=CHUNK * 20)
    destroyed = cards_destroy_voided(actor=actor)
    expired = cards_expire(today=today, actor=actor)
    released = applications_release_prepared(actor=actor)
    return SweepSummary(
        reminders=reminders,
        voided=voids.voided,
        certificates_revoked=voids.certificates_revoked,
        destroyed=destroyed,
        expired=expired,
        released=released,
    )


def run() -> str:
    return str(delivery_sweep())
