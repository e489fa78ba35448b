"""DELIVERY_* settings, read with defaults so the app works before settings.py names them.
Each is a policy (FACTS.md): change it in settings or the environment, not in code."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Receiving and collection
    "DELIVERY_HOLD_DAYS": 90,  # a card waits this long at its office before it is voided
    "DELIVERY_REMINDER_DAYS": (7, 30, 60),  # reminders this many days after arrival
    # Hand-over
    "DELIVERY_FINGERPRINT_THRESHOLD": 60,  # the matcher's score (0–100) that counts as a match
    "DELIVERY_HANDOVER_MAX_FAILURES": 3,  # refused attempts per card per day before a lock
    # Lost, stolen, found
    "DELIVERY_FOUND_WINDOW_DAYS": 30,  # a lost card found within this many days may be restored
    "DELIVERY_LOST_CARD_FEES_RIALS": (1_450_000, 2_900_000, 4_350_000),  # by count of losses
    # Re-issue without a new enrolment while the biometrics are kept
    "DELIVERY_BIOMETRIC_RETENTION_DAYS": 730,
    # Destroy voided card bodies this many days after voiding
    "DELIVERY_DESTROY_AFTER_DAYS": 0,
}


def conf(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])
