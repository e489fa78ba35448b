"""INQUIRY_* settings, read with defaults so the app works before settings.py names them."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Per key, unless the partner has its own numbers.
    "INQUIRY_DEFAULT_RATE_PER_MINUTE": 600,
    "INQUIRY_DEFAULT_DAILY_QUOTA": 100_000,
    # Identity match: at most this many questions about one national code per window, across
    # all partners together, so nobody can walk birth dates to learn a person's.
    "INQUIRY_IDENTITY_PER_CODE_LIMIT": 10,
    "INQUIRY_IDENTITY_PER_CODE_WINDOW_SECONDS": 3600,
    "INQUIRY_CHALLENGE_SECONDS": 120,
    # A rotated key keeps working this long beside its successor, unless told otherwise.
    "INQUIRY_KEY_ROTATION_OVERLAP_DAYS": 7,
    # The signing key of answers: made on demand in development (like the receipt key).
    "INQUIRY_SIGNING_KEY_AUTO_CREATE": True,
    "INQUIRY_SIGNING_KEY_DAYS": 365,
    # How long a process keeps the current signing key before asking the database again.
    "INQUIRY_SIGNING_KEY_CACHE_SECONDS": 60,
    # The log is sealed into the audit chain in batches of rows at least this old: an insert
    # still in flight (a lower id committed after a higher one) is never skipped.
    "INQUIRY_SEAL_MIN_AGE_SECONDS": 60,
    "INQUIRY_SEAL_BATCH": 50_000,
    "INQUIRY_CERT_MAX_BYTES": 8192,
    # How long a web process trusts what it read about an API key (its partner, scopes,
    # limits, revocation) before reading it again. A revocation, suspension or scope change
    # made in this process applies at once; in the other processes within this delay.
    "INQUIRY_KEY_CACHE_SECONDS": 5,
    # Prepared statements for the inquiry hot path on PostgreSQL (see db.py).
    "INQUIRY_DB_PREPARE": True,
}


def conf(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])
