"""PRODUCTION_* settings, read with defaults so the app works before settings.py names them."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "PRODUCTION_DAILY_CAPACITY": 80_000,  # 2.4 million a month over ~30 days (FACTS.md)
    "PRODUCTION_BATCH_SIZE": 200,
    "PRODUCTION_QC_FAIL_RATE": 0.002,
    "PRODUCTION_CARD_VALIDITY_YEARS": 7,
    "PRODUCTION_SHIPPING_WORKING_DAYS": 5,
    "PRODUCTION_RUN_STALE_SECONDS": 600,
    "PRODUCTION_CSN_PREFIX": "IR",
    "PRODUCTION_KIND_PRIORITY": {"replacement": 1, "first": 2},
}


def conf(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])
