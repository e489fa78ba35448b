"""Is this holder's card locked for this kind of inquiry? Answered from a per-process copy of
every lock, checked against the database at most every REFRESH_SECONDS.

The check runs in every inquiry, so it must cost next to nothing: a dictionary lookup, and
nothing more while nobody has a lock. Once every REFRESH_SECONDS a process reads the lock
clock (one indexed row); only when its generation moved does it read the locks that changed
since (`generation > n`, an index range). A lock set in any process is therefore answered by
every process within REFRESH_SECONDS plus one statement; the process that set it forgets its
copy at once.

Why the changed rows come in order: a change takes its generation from HolderLockClock by an
UPDATE in the same transaction, so changes commit one after another in generation order, and
no change with a smaller generation can appear after a reader has seen a larger one.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connection
from django.utils.dateparse import parse_datetime

from hoviat.inquiry.conf import conf
from hoviat.inquiry.db import hot_cursor, reader_rows
from hoviat.inquiry.models import HolderLock, HolderLockClock

# Well under the one second the issue allows: the read itself and a busy process's queue
# come on top.
REFRESH_SECONDS = 0.5


@dataclass(frozen=True)
class LockState:
    kinds: frozenset[str]
    locked_until: dt.datetime | None
    paused_until: dt.datetime | None

    def locks(self, kind: str, now: dt.datetime) -> bool:
        if not self.kinds or ("all" not in self.kinds and kind not in self.kinds):
            return False
        if self.locked_until is not None and now >= self.locked_until:
            return False
        return not (self.paused_until is not None and now < self.paused_until)


class _Cache:
    def __init__(self) -> None:
        self.mutex = threading.Lock()
        self.locks: dict[str, LockState] = {}
        self.generation = 0
        self.next_check = 0.0  # time.monotonic() of the next look at the clock


_cache = _Cache()


def forget() -> None:
    """Drop this process's copy (tests, whose databases start afresh)."""
    with _cache.mutex:
        _cache.locks = {}
        _cache.generation = 0
        _cache.next_check = 0.0


def expire() -> None:
    """Look at the clock on the next check (the process that changed a lock)."""
    _cache.next_check = 0.0


def _sql(*, kinds_as_text: bool = False) -> tuple[str, str]:
    q = connection.ops.quote_name
    clock = f"SELECT {q('generation')} FROM {q(HolderLockClock._meta.db_table)} WHERE {q('id')} = 1"  # noqa: S608  # nosec B608 (names from the models)
    kinds = f"{q('kinds')}::text" if kinds_as_text else q("kinds")
    columns = ", ".join(
        [q("subject_hash"), kinds, *(q(c) for c in ("locked_until", "paused_until", "generation"))]
    )
    changed = (
        f"SELECT {columns} FROM {q(HolderLock._meta.db_table)} "  # noqa: S608  # nosec B608
        f"WHERE {q('generation')} > %s ORDER BY {q('generation')}"
    )
    return clock, changed


def _rows(sql: str, params: list[int], *, own: bool) -> list[tuple]:
    """On the inquiry reads' own connection (`own`), or on this thread's Django connection."""
    if own:
        return reader_rows(
            DEFAULT_DB_ALIAS, sql, [str(p) for p in params], prepare=conf("INQUIRY_DB_PREPARE")
        )
    with hot_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _refresh() -> None:
    # On PostgreSQL outside a transaction, on a connection of its own, never one from Django's
    # pool: the refresh runs under _cache.mutex, and a request waiting for that mutex may
    # hold a pooled connection. With fewer pooled connections than threads, a refresh that
    # waited for one would wait for ever (until the pool's timeout failed it), and the whole
    # process with it. Inside a transaction (tests), the request's own connection, which
    # sees that transaction's writes.
    own = connection.vendor == "postgresql" and not connection.in_atomic_block
    clock_sql, changed_sql = _sql(kinds_as_text=own)
    row = next(iter(_rows(clock_sql, [], own=own)), None)
    generation = row[0] if row else 0
    if generation == _cache.generation:
        return
    since = _cache.generation if generation > _cache.generation else 0
    kinds_field = HolderLock._meta.get_field("kinds")
    rows = _rows(changed_sql, [since], own=own)
    locks = dict(_cache.locks) if since else {}
    for subject, kinds, locked_until, paused_until, _generation in rows:
        kinds = kinds_field.from_db_value(kinds, None, connection)
        state = LockState(
            frozenset(kinds or ()),
            _aware(locked_until),
            _aware(paused_until),
        )
        if state.kinds:
            locks[subject] = state
        else:
            locks.pop(subject, None)
    _cache.locks = locks
    _cache.generation = max([generation, *(r[4] for r in rows)])


def _aware(value):
    # PostgreSQL gives aware datetimes; SQLite gives text in UTC.
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def _current() -> dict[str, LockState]:
    now = time.monotonic()
    if now >= _cache.next_check:
        with _cache.mutex:
            if now >= _cache.next_check:
                _refresh()
                _cache.next_check = time.monotonic() + REFRESH_SECONDS
    return _cache.locks


def holder_locked(*, subject_hash: str, kind: str, now: dt.datetime) -> bool:
    """True while the holder's lock covers this kind of inquiry (`kind` is the endpoint)."""
    if not subject_hash:
        return False
    state = _current().get(subject_hash)
    return state is not None and state.locks(kind, now)
