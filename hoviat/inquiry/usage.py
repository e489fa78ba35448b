"""Counters in the database, one conditional UPDATE per lease of requests.

hoviat.core.ratelimit locks a bucket row and saves it (three statements in a transaction);
inquiries are the hottest path of the system (a bank's peak is ≥1,000 a second), so here a
single UPDATE counts and checks together: it matches the row only while the limit is not
reached, and the number of rows it changed is the verdict. On a server it counts a few
requests at once for the process (a lease, key_usage_count), so most requests cost no
statement. Windows are fixed and aligned (the minute since the epoch, the day in Tehran), so
Retry-After is exact.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import threading
from dataclasses import dataclass
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


# The largest number of requests one process counts in advance for a key (a lease), and the
# share of a limit one lease may take: a lease is at most 1/LEASE_SHARE of the per-minute rate
# and of the daily quota, so the units leased and not yet used, all processes together, stay a
# small part of either (see _lease_size).
LEASE_MAX = 32
LEASE_SHARE = 64


@dataclass
class _Lease:
    """Requests of one key this process has counted in advance, for one minute and one day."""

    minute: int
    day: dt.date
    left: int


# (key id, key prefix) -> the lease. The prefix is part of the name so that a key made after
# another's row was removed (ids come back in tests) never uses its predecessor's lease.
_LEASES: dict[tuple[int, str], _Lease] = {}
_LEASES_LOCK = threading.Lock()


def forget_leases() -> None:
    with _LEASES_LOCK:
        _LEASES.clear()


def _lease_size(rate_per_minute: int, daily_quota: int) -> int:
    return max(1, min(LEASE_MAX, rate_per_minute // LEASE_SHARE, daily_quota // LEASE_SHARE))


def _take_leased_now(key: ApiKey, minute: int) -> bool:
    """One request from a lease of this very minute, if one has a unit left (its day is
    today's: a day starts on a minute's start in any time zone)."""
    with _LEASES_LOCK:
        lease = _LEASES.get((key.pk, key.prefix))
        if lease is not None and lease.minute == minute and lease.left > 0:
            lease.left -= 1
            return True
    return False


def _take_leased(key: ApiKey, minute: int, day: dt.date) -> tuple[bool, int]:
    """One request from this process's lease: (True, 0) when there was a unit left; else
    (False, units to give back): what is left of a lease of an earlier minute of the same day,
    counted in the day and never used (the lease is dropped either way)."""
    name = (key.pk, key.prefix)
    with _LEASES_LOCK:
        lease = _LEASES.get(name)
        if lease is None:
            return False, 0
        if lease.minute == minute and lease.day == day and lease.left > 0:
            lease.left -= 1
            return True, 0
        del _LEASES[name]
        return False, lease.left if lease.day == day else 0


def _keep_lease(key: ApiKey, minute: int, day: dt.date, granted: int) -> None:
    """Keep the units of a new lease beyond the one the request uses now."""
    if granted <= 1:
        return
    name = (key.pk, key.prefix)
    with _LEASES_LOCK:
        lease = _LEASES.get(name)
        if lease is not None and lease.minute == minute and lease.day == day:
            lease.left += granted - 1  # another thread leased too, a moment ago
        else:
            _LEASES[name] = _Lease(minute=minute, day=day, left=granted - 1)


@cache
def _usage_update_sql(async_commit: bool) -> str:
    # Written out rather than built with Case/When: the ORM spends longer compiling that
    # statement (about a millisecond) than the database spends running it, on every request.
    # The SET expressions all read the row as it was (standard SQL, SQLite and PostgreSQL).
    # Parameters: see _usage_params. It counts `n` requests at once (a lease; 1 without one)
    # and gives back `back` units of today that a lease of an earlier minute did not use,
    # only if all `n` fit under both limits: one row changed is the verdict.
    q = connection.ops.quote_name
    table = q(KeyUsage._meta.db_table)
    minute, minute_count, day, day_count = (
        q(n) for n in ("minute", "minute_count", "day", "day_count")
    )
    this_minute = f"CASE WHEN {minute} = %s THEN {minute_count} ELSE 0 END"
    # Today's count, less what is given back (never below zero); 0 on a new day.
    today = (
        f"CASE WHEN {day} = %s THEN CASE WHEN {day_count} > %s "
        f"THEN {day_count} - %s ELSE 0 END ELSE 0 END"
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
        f"{minute_count} = {this_minute} + %s, "
        f"{minute} = %s, "
        f"{day_count} = {today} + %s, "
        f"{day} = %s{commit} "
        f"WHERE {q('key_id')} = %s AND {this_minute} + %s <= %s AND {today} + %s <= %s"
    )


def _usage_params(
    *, key_id: int, minute: int, day: dt.date, n: int, back: int, rate: int, quota: int
) -> list:
    """The parameters of _usage_update_sql, in its order."""
    today = [day, back, back]
    return [
        *(minute, n, minute),
        *today, n, day,
        key_id,
        minute, n, rate,
        *today, n, quota,
    ]  # fmt: skip


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
    flush (synchronous_commit off, for this statement's transaction only). Every count of a
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


def _read_alone(read: Read | None) -> tuple | None:
    if read is None:
        return None
    with hot_cursor() as cursor:
        cursor.execute(*read)
        return cursor.fetchone()


def key_usage_count(
    *, key: ApiKey, rate_per_minute: int, daily_quota: int, read: Read | None = None
) -> tuple | None:
    """Count one request of `key`; RATE_LIMITED or QUOTA_EXCEEDED (429) past its limits.

    With `read` (a SELECT of at most one row, on the primary, whose first column is never
    NULL), the read is made with the count, in the same round trip, and its row returned.

    Outside a transaction (as a server runs), a process counts a key's requests in advance,
    a lease of up to LEASE_MAX at a time (_lease_size: a small share of either limit), and
    serves the next ones from it without a statement; the lease is good for its minute, and
    what an earlier minute's lease left unused is given back to the day's count with the next
    one. So the counts never let a key past a limit; near a limit, other processes' unused
    units may refuse a few requests early (at most LEASE_MAX per process), and a process that
    stops with units unused leaves them counted for the rest of the day. Inside a transaction
    (a test, a caller's atomic block) every request is counted on its own, exactly.
    """
    now = timezone.now()
    minute = int(now.timestamp()) // 60
    leasing = not connection.in_atomic_block
    if leasing and _take_leased_now(key, minute):
        return _read_alone(read)
    today = timezone.localdate(now)
    back = 0
    if leasing:
        served, back = _take_leased(key, minute, today)
        if served:
            return _read_alone(read)
    size = _lease_size(rate_per_minute, daily_quota) if leasing else 1
    for _ in range(2):
        for n in (size, 1) if size > 1 else (1,):
            params = _usage_params(
                key_id=key.pk,
                minute=minute,
                day=today,
                n=n,
                back=back,
                rate=rate_per_minute,
                quota=daily_quota,
            )
            counted, found = _count(params, read)
            if counted:
                _keep_lease(key, minute, today, n)
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
