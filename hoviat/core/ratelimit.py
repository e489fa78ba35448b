"""Fixed-window rate limits kept in the database, so every web process sees one count."""

from __future__ import annotations

import datetime as dt
import hashlib
import math

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from hoviat.core.errors import RateLimited
from hoviat.core.models import RateBucket
from hoviat.core.text import persian_digits


def _bucket_key(scope: str, subject: str) -> str:
    # Subjects may be personal (a mobile number): store a hash, not the value.
    return f"{scope}:{hashlib.sha256(subject.encode()).hexdigest()[:40]}"


def minutes_left_detail(retry_after: int) -> str:
    """ "Try again in N minutes" in Persian, N rounded up, so people know how long to wait."""
    minutes = max(1, math.ceil(retry_after / 60))
    return f"{persian_digits(minutes)} دقیقه دیگر دوباره تلاش کنید."


def _limited(bucket_end: dt.datetime, now: dt.datetime) -> RateLimited:
    retry_after = max(1, math.ceil((bucket_end - now).total_seconds()))
    detail = f"تعداد درخواست‌ها بیش از حد مجاز است. {minutes_left_detail(retry_after)}"
    return RateLimited(detail, extra={"retry_after": retry_after})


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
            raise _limited(bucket.window_start + window, now)
        else:
            bucket.count += 1
        bucket.save(update_fields=["window_start", "count"])


def rate_limit_check(*, scope: str, subject: str, limit: int, window: dt.timedelta) -> None:
    """Raise RateLimited if the bucket is already full, without counting a hit."""
    now = timezone.now()
    bucket = RateBucket.objects.filter(key=_bucket_key(scope, subject)).first()
    if bucket and now - bucket.window_start < window and bucket.count >= limit:
        raise _limited(bucket.window_start + window, now)


def rate_limit_remaining(*, scope: str, subject: str, limit: int, window: dt.timedelta) -> int:
    """How many hits the bucket still allows in its current window (read only)."""
    bucket = RateBucket.objects.filter(key=_bucket_key(scope, subject)).first()
    if bucket is None or timezone.now() - bucket.window_start >= window:
        return limit
    return max(0, limit - bucket.count)


def rate_limit_refund(*, scope: str, subject: str) -> None:
    """Give back one hit (a counted attempt turned out to be a success)."""
    RateBucket.objects.filter(key=_bucket_key(scope, subject), count__gt=0).update(
        count=F("count") - 1
    )
