"""What every answer goes through: the scope and quota check, the purpose, the signed
body, and its one row in the inquiry log."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from django.conf import settings
from django.db import (
    DEFAULT_DB_ALIAS,
    DataError,
    IntegrityError,
    connection,
    connections,
)
from django.db.models import Field
from django.utils import timezone

from hoviat.core.random_ids import time_ordered_uuid
from hoviat.inquiry import selectors
from hoviat.inquiry.batching import GroupCommit, WriteBehind
from hoviat.inquiry.conf import conf
from hoviat.inquiry.db import grouped_write, hot_cursor, writer_write
from hoviat.inquiry.errors import InquiryProblem
from hoviat.inquiry.locks import holder_locked
from hoviat.inquiry.models import ApiKey, InquiryLog
from hoviat.inquiry.reasons import PURPOSES
from hoviat.inquiry.signing import detached_signature
from hoviat.inquiry.usage import key_usage_count

__all__ = [
    "SignedAnswer",
    "log_flush",
    "subject_hash",
]


@dataclass(frozen=True)
class SignedAnswer:
    body: bytes
    signature: str
    status: int = 200

    @property
    def content_type(self) -> str:
        return "application/json" if self.status < 400 else "application/problem+json"


def _purpose(purpose: str) -> str:
    code = (purpose or "").strip().upper()
    if code not in PURPOSES:
        raise InquiryProblem("PURPOSE_UNKNOWN", allowed=sorted(PURPOSES))
    return code


def _admit(key: ApiKey, scope: str, *, read: tuple[str, list] | None = None) -> tuple | None:
    """Scope first (a refused call costs no quota), then one count against the key; with
    `read`, the row it found, read in the same statement as the count (usage.py)."""
    selectors.access_scope_for(key, scope)
    return key_usage_count(
        key=key,
        rate_per_minute=key.partner.rate_limit_per_minute,
        daily_quota=key.partner.daily_quota,
        read=read,
    )


@lru_cache(maxsize=2)
def _subject_hmac(secret_key: str) -> hmac.HMAC:
    """An HMAC-SHA256 keyed with the subject secret and fed nothing: copied for each hash."""
    secret = hashlib.sha256(b"hoviat-inquiry-subject:" + secret_key.encode()).digest()
    return hmac.new(secret, digestmod="sha256")


def subject_hash(national_code: str | None) -> str:
    """The keyed hash the log keeps instead of a national code (also the holder's key in
    their lock and their own history)."""
    # Keyed: an investigator holding a national code can find its inquiries; the log alone
    # does not give the codes back (10-digit codes under a bare hash would be found at once).
    if not national_code:
        return ""
    # A copy of the keyed HMAC, then the code: not hmac.digest(), which hands the GIL over
    # for every call however short (on a busy web process each hand-over is a wait for it to
    # come back: 0.37 of them per card inquiry under bench/inquiry.py), and is slower too.
    mac = _subject_hmac(settings.SECRET_KEY).copy()
    mac.update(national_code.encode())
    return mac.hexdigest()[:32]


# (second since the epoch, its local ISO 8601 text, its local date): answers given in the
# same second share them instead of converting the time zone each (hundreds a second).
_MOMENT: tuple[int, str, dt.date] = (-1, "", dt.date.min)


def _moment(now: dt.datetime) -> tuple[str, dt.date]:
    global _MOMENT
    second = int(now.timestamp())
    kept = _MOMENT
    if kept[0] != second:
        local = timezone.localtime(now)
        kept = _MOMENT = (second, local.isoformat(timespec="seconds"), local.date())
    return kept[1], kept[2]


def _answered_at(now: dt.datetime) -> str:
    return _moment(now)[0]


def local_date(now: dt.datetime) -> dt.date:
    """timezone.localdate(now), shared by the answers given in the same second."""
    return _moment(now)[1]


# An answer's body: compact UTF-8 JSON. One encoder for every answer (json.dumps with options
# makes a new one each call).
_BODY_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)


def _answer(**kwargs: Any) -> SignedAnswer:
    """The signed answer, once its row is in the inquiry log (_answer_row, _log_write)."""
    answer, row = _answer_row(**kwargs)
    _log_write(row)
    return answer


def _answer_row(
    *,
    key: ApiKey,
    endpoint: str,
    purpose: str,
    result: str,
    reason_code: str,
    national_code: str | None,
    fields: dict[str, Any],
    status: int = 200,
    subject: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[SignedAnswer, list[Any]]:
    """The signed answer and its row for the inquiry log, not yet written: the caller writes
    it (_log_write, or _log_write_many for several answers) before the answer is sent."""
    if now is None:
        now = timezone.now()
    # Time-ordered, carrying the answer's millisecond (the log's unique index takes new ids
    # at its end), and drawn without a system call: core/random_ids.py.
    inquiry_id = time_ordered_uuid(now_ms=int(now.timestamp() * 1000))
    body = _BODY_JSON.encode(
        {
            **fields,
            "inquiry_id": str(inquiry_id),
            "answered_at": _answered_at(now),
        }
    ).encode()
    # Signed before it is logged: a row is only written for an answer that can be sent.
    signature = detached_signature(body)
    return (
        SignedAnswer(body=body, signature=signature, status=status),
        [
            inquiry_id,
            now,
            key.partner_id,
            key.prefix,
            endpoint,
            purpose,
            result,
            "" if reason_code == "OK" else reason_code,
            subject_hash(national_code) if subject is None else subject,
            hashlib.sha256(body).hexdigest(),
        ],
    )


# In this order, the values _answer passes to _log_write.
_LOG_COLUMNS = (
    "inquiry_id",
    "at",
    "partner_id",
    "key_prefix",
    "endpoint",
    "purpose",
    "result",
    "reason_code",
    "subject_hash",
    "response_sha256",
)
# Every name is a column, so get_field gives a Field (never a reverse relation).
_LOG_FIELDS = [cast("Field[Any, Any]", InquiryLog._meta.get_field(name)) for name in _LOG_COLUMNS]
if {f.attname for f in _LOG_FIELDS} != {
    f.attname for f in InquiryLog._meta.concrete_fields if not f.primary_key
}:  # pragma: no cover - a new log column must be written by _answer too
    raise RuntimeError("InquiryLog has a column _answer does not write")


@lru_cache(maxsize=4)
def _log_insert_sql(vendor: str) -> str:
    q = connection.ops.quote_name
    # A concrete field always has a column; the stubs allow None for those that have none.
    columns = ", ".join(q(f.column) for f in _LOG_FIELDS)  # type: ignore[arg-type]
    marks = ", ".join(["%s"] * len(_LOG_FIELDS))
    return f"INSERT INTO {q(InquiryLog._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 (names from the model; values are parameters)  # nosec B608


def _unsized(db_type: str) -> str:
    # varchar(32) -> varchar: an explicit cast to varchar(n) cuts a longer value short without
    # a word, where storing an unsized value in the column refuses it (value too long).
    return re.sub(r"\(\d+\)$", "", db_type)


@lru_cache(maxsize=4)
def _log_insert_many_sql(async_commit: bool) -> str:
    """Any number of rows in one statement (PostgreSQL), sent as one JSON array of arrays:
    psycopg adapts one text value where ten arrays of values (or ten values a row) cost it
    several times more CPU than the database spends taking them apart. With `async_commit`,
    the statement's own transaction commits without waiting for its WAL flush
    (set_config(..., true) is SET LOCAL as a function, as in usage.py)."""
    q = connection.ops.quote_name
    columns = ", ".join(q(f.column) for f in _LOG_FIELDS)  # type: ignore[arg-type]
    values = ", ".join(
        f"(row ->> {i})::{_unsized(f.db_type(connection))}"  # type: ignore[arg-type]
        for i, f in enumerate(_LOG_FIELDS)
    )
    commit = (
        " CROSS JOIN (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit"
        if async_commit
        else ""
    )
    return (
        f"INSERT INTO {q(InquiryLog._meta.db_table)} ({columns}) "  # noqa: S608 (names from the model; values are parameters)  # nosec B608
        f"SELECT {values} FROM jsonb_array_elements(%s::jsonb) AS rows(row){commit}"
    )


def _log_json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else str(value)


def _log_batch(rows: list[Sequence[Any]]) -> str:
    """The rows as the one JSON parameter of _log_insert_many_sql."""
    return json.dumps(rows, default=_log_json, ensure_ascii=False, separators=(",", ":"))


def _log_rows_write(row_lists: list[list[Sequence[Any]]]) -> None:
    """The group commit's rows (durable; each caller's item is a list of rows, one answer's
    or a batch of answers'): one statement, its own transaction, committed
    synchronously, on the process's own connection for it (db.grouped_write), never one of
    Django's pool. The thread that writes a batch is one of the requests waiting for it, and
    the others wait holding their pooled connections: a writer that needed one more from the
    pool could wait for connections held by the requests waiting for it."""
    grouped_write(
        DEFAULT_DB_ALIAS,
        _log_insert_many_sql(False),
        [_log_batch([row for rows in row_lists for row in rows])],
        prepare=conf("INQUIRY_DB_PREPARE"),
    )


def _log_rows_write_behind(rows: list[Sequence[Any]]) -> None:
    """The writer thread's rows (not durable): one statement on the process's own writing
    connection (db.writer_write), never one taken from the pool and given back each time."""
    writer_write(
        DEFAULT_DB_ALIAS,
        _log_insert_many_sql(True),
        [_log_batch(rows)],
        prepare=conf("INQUIRY_DB_PREPARE"),
    )


_LOG_GROUP = GroupCommit(_log_rows_write)
_LOG_BEHIND = WriteBehind(
    _log_rows_write_behind,
    # Refused for what a row holds (a constraint, a value that does not fit): asking again
    # would be refused again, and would hold up every row after it.
    refused=(IntegrityError, DataError),
)


def log_flush() -> None:
    """Write now the log rows still waiting for the writer thread (not durable only)."""
    _LOG_BEHIND.flush()


def _log_write(values: list[Any]) -> None:
    """Write one answer's row in the inquiry log (_log_write_many)."""
    _log_write_many([values])


def _log_write_many(rows: list[list[Any]]) -> None:
    """Write the rows of answers in the inquiry log; return once they are written.

    On PostgreSQL outside any transaction (a server), the rows go through the group commit
    (batching.py) as one item: the rows of answers being given at the same moment share one
    statement and one synchronous commit, and each answer still waits for its own row. With
    INQUIRY_LOG_DURABLE off, the answer does not wait: the rows are handed to the process's
    log writer thread, which writes what has gathered every few milliseconds in one statement
    whose commit does not wait for its WAL flush either (what a crash can lose then:
    docs/inquiry.md). Inside a transaction (a test, a caller's atomic block) each row is one
    plain INSERT in it, so it cannot change how that transaction commits; SQLite writes one
    row per statement.

    Written out because the ORM's save() costs more to prepare than the insert itself. On
    PostgreSQL psycopg adapts every value as it is (uuid, aware datetime, text); elsewhere
    each value is prepared by its model field, exactly as save() would.
    """
    if not rows:
        return
    db = connections[DEFAULT_DB_ALIAS]  # once: each `connection.x` is a per-thread lookup
    vendor = db.vendor
    if vendor == "postgresql" and not db.in_atomic_block:
        if conf("INQUIRY_LOG_DURABLE"):
            _LOG_GROUP.add(rows)
        else:
            _LOG_BEHIND.add_many(rows)
        return
    with hot_cursor() as cursor:
        for values in rows:
            if vendor != "postgresql":
                prepared = zip(_LOG_FIELDS, values, strict=True)
                values = [field.get_db_prep_save(value, db) for field, value in prepared]
            cursor.execute(_log_insert_sql(vendor), values)


def _shown(key: ApiKey, attribute: str, value: Any) -> Any:
    return value if selectors.shows(key, attribute) else None


def _locked_answer(**kwargs: Any) -> SignedAnswer | None:
    """The holder locked this kind of inquiry: `invalid`, LOCKED_BY_HOLDER, and the log row
    says so (_locked_answer_row, its row written)."""
    locked = _locked_answer_row(**kwargs)
    if locked is None:
        return None
    answer, row = locked
    _log_write(row)
    return answer


def _locked_answer_row(
    *,
    key: ApiKey,
    endpoint: str,
    purpose: str,
    subject: str,
    fields: dict[str, Any],
    now: dt.datetime | None = None,
) -> tuple[SignedAnswer, list[Any]] | None:
    """_answer_row's answer and row when the holder locked this kind of inquiry. The lock
    state is the one read at this moment (locks.py: at most a second old)."""
    if now is None:
        now = timezone.now()
    if not holder_locked(subject_hash=subject, kind=endpoint, now=now):
        return None
    return _answer_row(
        now=now,
        key=key,
        endpoint=endpoint,
        purpose=purpose,
        result="invalid",
        reason_code="LOCKED_BY_HOLDER",
        national_code=None,
        subject=subject,
        fields={**fields, "result": "invalid", "reason_code": "LOCKED_BY_HOLDER"},
    )
