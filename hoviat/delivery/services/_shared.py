"""What the card modules of delivery share: the actor of a signed-in citizen, and refusals
kept and counted (whoever keeps trying serials that are not theirs is stopped for a while)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from hoviat.core.audit import Actor, audit_record
from hoviat.core.ratelimit import rate_limit_hit

CARD = "production.card"
CHUNK = 5000
REFUSALS_PER_HOUR = 10


def citizen_actor(mobile: str) -> Actor:
    return Actor("citizen", mobile[-4:], "citizen")


def refused(
    *, actor: Any, action: str, csn: str, reason: str, data: dict[str, Any], subject: str
) -> None:
    """Keep the refusal (its own transaction: the request fails) and count it: whoever keeps
    trying serials that are not theirs is stopped for a while (429)."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=action,
            object_type=CARD,
            object_id=(csn or "").strip()[:16],
            reason=reason,
            data=data,
        )
    rate_limit_hit(
        scope="card-refused", subject=subject, limit=REFUSALS_PER_HOUR, window=dt.timedelta(hours=1)
    )
