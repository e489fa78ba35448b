"""Writing checked rows into registry_citizen, a batch at a time, skipping codes already there.

Each backend splits a batch in two: `prepare` (pure Python: rows to a COPY text or to
parameters) and `store` (the database work, one transaction per batch, chosen by the caller).
`batches_store` runs the two side by side when it may: a writer thread with its own
connection stores batch N while the caller's thread checks and prepares batch N+1, so Python
and the database work at the same time (the thread waits on the socket, not on the GIL).

PostgreSQL: COPY into a session-local staging table, then INSERT … SELECT … ORDER BY
national_code ON CONFLICT (national_code) DO NOTHING (sorted, so each index page is visited
once per batch). SQLite: executemany of INSERT … ON CONFLICT (national_code) DO NOTHING.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any, Protocol

from django.db import connection as default_connection
from django.db import connections, transaction
from django.utils import timezone

from hoviat.registry.models import Citizen, OldCard
from hoviat.registry.validation import CitizenRow

CITIZEN_TABLE = Citizen._meta.db_table
OLD_CARD_TABLE = OldCard._meta.db_table
STAGING_TABLE = "registry_citizen_staging"
# The CitizenRow fields that are registry_citizen columns (the last two belong to OldCard).
CITIZEN_COLUMNS = CitizenRow._fields[:17]
_STAGING_TYPES = {
    "birth_date": "date",
    "shenasnameh_series": "smallint",
    "issuing_county_id": "bigint",
    "residence_province_id": "bigint",
    "residence_city_id": "bigint",
    "is_alive": "boolean",
    "has_photo_shenasnameh": "boolean",
    "old_card_issued_on": "date",
}

# Table and column names come from the models, never from input.
_COLUMNS = ", ".join(CITIZEN_COLUMNS)
_STAGING_CREATE = (
    f"CREATE TEMP TABLE IF NOT EXISTS {STAGING_TABLE} ("
    + ", ".join(f"{name} {_STAGING_TYPES.get(name, 'text')}" for name in CitizenRow._fields)
    + ")"
)
_STAGING_COPY = f"COPY {STAGING_TABLE} ({', '.join(CitizenRow._fields)}) FROM STDIN"
_STAGING_INSERT = (
    f"INSERT INTO {CITIZEN_TABLE} ({_COLUMNS}, created_at, updated_at) "  # noqa: S608 (module constants: table and column names)  # nosec B608
    f"SELECT {_COLUMNS}, now(), now() FROM {STAGING_TABLE} ORDER BY national_code "
    "ON CONFLICT (national_code) DO NOTHING"
)
_STAGING_INSERT_CARDS = (
    f"INSERT INTO {OLD_CARD_TABLE} (citizen_id, card_number, issued_on) "  # noqa: S608 (module constants)  # nosec B608
    f"SELECT c.id, s.old_card_number, s.old_card_issued_on "
    f"FROM {STAGING_TABLE} s JOIN {CITIZEN_TABLE} c ON c.national_code = s.national_code "
    "WHERE s.old_card_number IS NOT NULL ON CONFLICT (card_number) DO NOTHING"
)
_ROW_INSERT = (
    f"INSERT INTO {CITIZEN_TABLE} ({_COLUMNS}, created_at, updated_at) "  # noqa: S608 (module constants)  # nosec B608
    f"VALUES ({', '.join(['%s'] * (len(CITIZEN_COLUMNS) + 2))}) "
    "ON CONFLICT (national_code) DO NOTHING"
)
# The WHERE clause also settles SQLite's parsing ambiguity of INSERT … SELECT … ON CONFLICT.
_ROW_INSERT_CARD = (
    f"INSERT INTO {OLD_CARD_TABLE} (citizen_id, card_number, issued_on) "  # noqa: S608 (module constants)  # nosec B608
    f"SELECT id, %s, %s FROM {CITIZEN_TABLE} WHERE national_code = %s "
    "ON CONFLICT (card_number) DO NOTHING"
)


class BatchWriter(Protocol):
    def prepare(self, rows: Iterable[tuple]) -> tuple[int, Any]:
        """(number of rows, payload): the database-ready form of checked rows."""

    def store(self, payload: Any, connection=default_connection) -> int:
        """Write one prepared batch (the caller owns the transaction); citizens inserted."""


class PostgresWriter:
    def prepare(self, rows: Iterable[tuple]) -> tuple[int, Any]:
        null = "\\N"
        lines: list[str] = []
        append = lines.append
        with_cards = False
        # Checked values never hold a tab, newline or backslash (names are Persian letters,
        # codes are digits), so COPY's text format needs no escaping here.
        for (
            code,
            first,
            last,
            father,
            mother,
            gender,
            birth,
            number,
            series,
            letter,
            serial,
            county,
            province,
            city,
            mobile,
            alive,
            photo,
            card,
            card_date,
        ) in rows:
            if card is not None:
                with_cards = True
            append(
                f"{code}\t{first}\t{last}\t{father}\t{mother}\t{gender}\t{birth}\t"
                f"{number}\t{series}\t{letter}\t{serial}\t{county}\t{province}\t"
                f"{null if city is None else city}\t{mobile}\t{alive:d}\t{photo:d}\t"
                f"{null if card is None else card}\t{null if card_date is None else card_date}\n"
            )
        return len(lines), ("".join(lines), with_cards)

    def store(self, payload: Any, connection=default_connection) -> int:
        text, with_cards = payload
        with connection.cursor() as cursor:
            # Temporary: no WAL, private to this session, gone when the connection closes.
            cursor.execute(_STAGING_CREATE)
            cursor.execute(f"TRUNCATE {STAGING_TABLE}")
            with cursor.copy(_STAGING_COPY) as copy:
                copy.write(text)
            cursor.execute(_STAGING_INSERT)
            inserted = cursor.rowcount
            if with_cards:
                cursor.execute(_STAGING_INSERT_CARDS)
        return inserted


class SqliteWriter:
    def __init__(self, connection=default_connection) -> None:
        self.ops = connection.ops

    def prepare(self, rows: Iterable[tuple]) -> tuple[int, Any]:
        now = self.ops.adapt_datetimefield_value(timezone.now())
        params = []
        cards = []
        for row in rows:
            params.append((*row[:17], now, now))
            if row[17] is not None:
                cards.append((row[17], row[18], row[0]))
        return len(params), (params, cards)

    def store(self, payload: Any, connection=default_connection) -> int:
        params, cards = payload
        with connection.cursor() as cursor:
            cursor.executemany(_ROW_INSERT, params)
            inserted = cursor.rowcount
            if cards:
                cursor.executemany(_ROW_INSERT_CARD, cards)
        return inserted


def writer_for(connection=default_connection) -> BatchWriter:
    if connection.vendor == "postgresql":
        return PostgresWriter()
    return SqliteWriter(connection)


_DONE = object()


def batches_store(
    rows: Iterator[tuple],
    *,
    batch_size: int,
    on_batch: Callable[[int, int], None],
    connection=default_connection,
    overlap: bool | None = None,
) -> None:
    """Store rows in batches of `batch_size`, one transaction each; on_batch(given, inserted).

    Overlapped (writer thread) unless the caller is inside a transaction, whose uncommitted
    rows another connection could not see, or overlap=False.
    """
    writer = writer_for(connection)
    if overlap is None:
        overlap = not connection.in_atomic_block
    if not overlap:
        while True:
            given, payload = writer.prepare(islice(rows, batch_size))
            if not given:
                return
            with transaction.atomic(using=connection.alias):
                inserted = writer.store(payload, connection)
            on_batch(given, inserted)
            if given < batch_size:
                return

    # Two prepared batches in flight at most: memory stays bounded.
    pending: queue.Queue = queue.Queue(maxsize=2)
    failure: list[BaseException] = []

    def store_all() -> None:
        own = connections[connection.alias]  # this thread's own connection
        try:
            while (item := pending.get()) is not _DONE:
                given, payload = item
                with transaction.atomic(using=own.alias):
                    inserted = writer.store(payload, own)
                on_batch(given, inserted)
        except BaseException as error:  # handed to the caller's thread below
            failure.append(error)
            while pending.get() is not _DONE:  # drain, so the producer is never blocked
                pass
        finally:
            own.close()

    thread = threading.Thread(target=store_all, name="registry-writer", daemon=True)
    thread.start()
    try:
        while not failure:
            given, payload = writer.prepare(islice(rows, batch_size))
            if not given:
                break
            pending.put((given, payload))
            if given < batch_size:
                break
    finally:
        pending.put(_DONE)
        thread.join()
    if failure:
        raise failure[0]
