"""Fixed-window rate limits kept in the database, so every web process sees one count."""

from __future__ import annotations

import datetime as dt
import hashlib
import math

from django.db import IntegrityError, transaction
from django.utils import timezone

from hoviat.core.errors import RateLimited
from hoviat.core.models import RateBucket


def _bucket_key(scope: str, subject: str) -> str:
    # Subjects may be personal (a mobile number): store a hash, not the value.
    return f"{scope}:{hashlib.sha256(subject.encode()).hexdigest()[:40]}"


def rate_limit_hit(*, scope: str, subject: str, limit: int, window: dt.timedelta) -> None:
    """Count one hit; raise RateLimited (with retry_after seconds) past `limit` per window."""
    key = _bucket_key(scope, subject)
    now = timezone.now()
    with transaction.atomic():
        bucket = RateBucket.objects.select_for_update().filter(key=key).first()
        if bucket is None:
            try:
                with transaction.atomic():
                    RateBucket.objects.create(key=key, window_start=now, count=1)
                return
            except IntegrityError:  # created by a concurrent request a moment ago
                bucket = RateBucket.objects.select_for_update().get(key=key)
        if now - bucket.window_start >= window:
            bucket.window_start, bucket.count = now, 1
        elif bucket.count >= limit:
            retry_after = math.ceil((bucket.window_start + window - now).total_seconds())
            raise RateLimited(extra={"retry_after": max(retry_after, 1)})
        else:
            bucket.count += 1
        bucket.save(update_fields=["window_start", "count"])
