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
    "DELIVERY_FINGERPRINT_MATCHER": "hoviat.delivery.devices.SimulatorMatcher",  # dotted path
    # Lost, stolen, found
    "DELIVERY_FOUND_WINDOW_DAYS": 30,  # a lost card found within this many days may be restored
    # (The replacement fee by count of losses is settings.FEE_LOST_RIALS.)
    # Re-issue without a new enrolment while the biometrics are kept
    "DELIVERY_BIOMETRIC_RETENTION_DAYS": 730,
    # Destroy voided card bodies this many days after voiding
    "DELIVERY_DESTROY_AFTER_DAYS": 0,
}


def conf(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])
