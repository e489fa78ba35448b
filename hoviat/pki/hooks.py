"""Hooks pki declares: what it asks of the later stages (hoviat/core/hooks.py explains the
mechanism; docs/architecture.md lists who registers on each)."""

from __future__ import annotations

from dataclasses import dataclass

from hoviat.core.hooks import Hook


@dataclass(frozen=True)
class CardStanding:
    """A card's standing now, as /pki/verify/ shows it beside a digital card's signature."""

    valid: bool
    status: str  # the card's status code (active, suspended, revoked, expired, ...)
    status_fa: str  # its Persian label


# card_standing(card_serial, today) -> CardStanding | None: a digital card's QR proves what was
# signed; whether the card is still valid (not suspended, revoked or expired since) is asked
# online of the stage that keeps cards.
card_standing = Hook(
    "card_standing",
    "a card's current status, for verifying a digital card online at /pki/verify/",
)
