"""Counters in the database, one conditional UPDATE per request.

hoviat.core.ratelimit locks a bucket row and saves it (three statements in a transaction);
inquiries are the hottest path of the system (a bank's peak is ≥1,000 a second), so here a
request costs a single UPDATE that counts and checks together: it matches the row only while
the limit is not reached, and the number of rows it changed is the verdict. Windows are fixed
and aligned (the minute since the epoch, the day in Tehran), so Retry-After is exact.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from functools import cache

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from hoviat.inquiry.db import hot_cursor
from hoviat.inquiry.errors import InquiryProblem
from hoviat.inquiry.models import ApiKey, KeyUsage, SubjectCounter


def _next_local_midnight(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    tomorrow = local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, dt.time(), tzinfo=local.tzinfo)


@cache
def _usage_update_sql(async_commit: bool) -> str:
    # Written out rather than built with Case/When: the ORM spends longer compiling that
    # statement (about a millisecond) than the database spends running it, on every request.
    # The SET expressions all read the row as it was (standard SQL, SQLite and PostgreSQL).
    q = connection.ops.quote_name
    table = q(KeyUsage._meta.db_table)
    minute, minute_count, day, day_count = (
        q(n) for n in ("minute", "minute_count", "day", "day_count")
    )
    # PostgreSQL: this statement's own transaction commits without waiting for its WAL flush
    # (set_config(..., true) is SET LOCAL, as a function, so it fits in the one statement).
    commit = (
        " FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit"
        if async_commit
        else ""
    )
    return (
        f"UPDATE {table} SET "  # noqa: S608 (names from the model)  # nosec B608
        f"{minute_count} = CASE WHEN {minute} = %s THEN {minute_count} + 1 ELSE 1 END, "
        f"{minute} = %s, "
        f"{day_count} = CASE WHEN {day} = %s THEN {day_count} + 1 ELSE 1 END, "
        f"{day} = %s{commit} "
        f"WHERE {q('key_id')} = %s AND ({minute} <> %s OR {minute_count} < %s) "
        f"AND ({day} IS NULL OR {day} <> %s OR {day_count} < %s)"
    )


# A read that rides along with the count: (SELECT returning at most one row, its parameters).
Read = tuple[str, list]


@cache
def _usage_update_with_read_sql(async_commit: bool, read_sql: str) -> str:
    # A data-modifying WITH runs whether or not it is referenced; the outer SELECT always
    # gives one row: how many rows the count changed, then the read's columns (NULLs if none).
    return (
        f"WITH counted AS ({_usage_update_sql(async_commit)} RETURNING 1) "  # noqa: S608 (our statements)  # nosec B608
        f"SELECT (SELECT count(*) FROM counted), found.* "
        f"FROM (SELECT 1) AS one LEFT JOIN ({read_sql}) AS found ON TRUE"
    )


def _count(params: list, read: Read | None = None) -> tuple[int, tuple | None]:
    """Run the counting UPDATE: the number of rows it changed (0: at a limit, or no row), and
    the row `read` found (None without one).

    One statement, one round trip: on PostgreSQL the read runs inside the counting statement.
    On PostgreSQL, outside any transaction, the count commits without waiting for its WAL
    flush (synchronous_commit off, for this statement's transaction only). Every request of a
    key updates the key's one row, and the row stays locked until the commit: with a
    synchronous commit each request would wait for the previous one's disk flush, capping a
    key at one request per fsync. A crash may forget the last few counts, which a rate limit
    can afford; the inquiry log itself is still committed synchronously. Inside a transaction
    (a test, or a caller's atomic block) the statement is left plain, so it cannot change how
    that transaction commits.
    """
    postgres = connection.vendor == "postgresql"
    async_commit = postgres and not connection.in_atomic_block
    with hot_cursor() as cursor:
        if read is not None and postgres:
            cursor.execute(_usage_update_with_read_sql(async_commit, read[0]), params + read[1])
            counted, *found = cursor.fetchone()
            return counted, (tuple(found) if found[0] is not None else None)
        cursor.execute(_usage_update_sql(async_commit), params)
        counted = cursor.rowcount
        if read is None or not counted:
            return counted, None
        cursor.execute(*read)  # SQLite cannot update inside WITH: a second statement
        return counted, cursor.fetchone()


def key_usage_count(
    *, key: ApiKey, rate_per_minute: int, daily_quota: int, read: Read | None = None
) -> tuple | None:
    """Count one request of `key`; RATE_LIMITED or QUOTA_EXCEEDED (429) past its limits.

    With `read` (a SELECT of at most one row, on the primary, whose first column is never
    NULL), the read is made with the count, in the same round trip, and its row returned.
    """
    now = timezone.now()
    minute = int(now.timestamp()) // 60
    today = timezone.localdate(now)
    params = [minute, minute, today, today, key.pk, minute, rate_per_minute, today, daily_quota]
    for _ in range(2):
        counted, found = _count(params, read)
        if counted:
            return found
        usage = KeyUsage.objects.filter(key_id=key.pk).first()
        if usage is not None:
            break
        try:  # a key made before its counter row (or the row was removed): start it
            with transaction.atomic():
                KeyUsage.objects.create(key_id=key.pk)
        except IntegrityError:
            pass
    else:  # pragma: no cover - the row exists after the first round
        usage = KeyUsage.objects.get(key_id=key.pk)
    if usage.minute == minute and usage.minute_count >= rate_per_minute:
        wait = (minute + 1) * 60 - now.timestamp()
        raise InquiryProblem("RATE_LIMITED", retry_after=max(1, math.ceil(wait)))
    wait = (_next_local_midnight(now) - now).total_seconds()
    raise InquiryProblem("QUOTA_EXCEEDED", retry_after=max(1, math.ceil(wait)))


def subject_key(scope: str, subject: str) -> str:
    # Subjects are personal (a national code): the counter keeps a hash, not the value.
    return f"{scope}:{hashlib.sha256(f'{scope}:{subject}'.encode()).hexdigest()[:40]}"


def _subject_update_sql() -> str:
    q = connection.ops.quote_name
    table = q(SubjectCounter._meta.db_table)
    count, window = q("count"), q("window")
    return (
        f"UPDATE {table} SET {count} = CASE WHEN {window} = %s THEN {count} + 1 ELSE 1 END, "  # noqa: S608 (names from the model)  # nosec B608
        f"{window} = %s WHERE {q('key')} = %s AND ({window} <> %s OR {count} < %s)"
    )


def subject_count(*, scope: str, subject: str, limit: int, window_seconds: int, code: str) -> None:
    """Count one question about `subject`; the problem `code` (429) past `limit` a window.

    A subject asked about for the first time costs an UPDATE that finds nothing and an
    INSERT; afterwards one UPDATE. Refused only when the UPDATE finds the row at its limit.
    """
    key = subject_key(scope, subject)
    now = timezone.now()
    window = int(now.timestamp()) // window_seconds
    sql = _subject_update_sql()
    for attempt in range(2):
        with connection.cursor() as cursor:
            cursor.execute(sql, [window, window, key, window, limit])
            if cursor.rowcount:
                return
        if attempt:
            break
        try:
            with transaction.atomic():
                SubjectCounter.objects.create(key=key, window=window, count=1)
            return
        except IntegrityError:  # the row exists: at its limit, or made a moment ago
            continue
    wait = (window + 1) * window_seconds - now.timestamp()
    raise InquiryProblem(code, retry_after=max(1, math.ceil(wait)))
