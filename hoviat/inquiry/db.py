"""Cursors for the inquiry hot path: the card read, the lease count and the log write.

On PostgreSQL each statement is sent with server-side binding and as a prepared statement,
so the database plans it once per connection instead of once per request: for statements
this small, the planning costs more than the execution. The cursor is hoviat.core.bulk's
(Django's wrapper all the same: logged under DEBUG, counted by CaptureQueriesContext, seen by
`connection.execute_wrapper`).

The card reads shared by a process's request threads (selectors.card_row_shared) have a
connection of their own instead (`reader_read`): only the thread reading for the others uses
it, one read at a time, so a request whose card is read that way never takes a connection
from the pool nor gives one back (a third of what the read costs the web process).

Prepared statements live in the database session. Behind a connection pooler in transaction
mode that does not track them (PgBouncer before 1.21), set INQUIRY_DB_PREPARE = False.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from hoviat.core.bulk import PREPARE_ONLY_WHEN_ASKED, prepared_cursor
from hoviat.inquiry.conf import conf

T = TypeVar("T")


def hot_cursor(alias: str = DEFAULT_DB_ALIAS):
    """A Django cursor on `alias` whose statements are prepared on PostgreSQL
    (hoviat.core.bulk.prepared_cursor), unless INQUIRY_DB_PREPARE is off."""
    return prepared_cursor(alias, prepare=conf("INQUIRY_DB_PREPARE"))


class _Reader:
    """One kept psycopg connection per database alias, used by one thread at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connections: dict[str, tuple[Any, Any]] = {}  # alias: (connection, cursor)
        self._pid = os.getpid()
        # A forked child's copies of its parent's connections: kept, never used nor closed
        # (closing would end the parent's session on the socket they share).
        self._inherited: list[Any] = []

    def read(self, alias: str, run: Callable[[Any], T]) -> T:
        # `run` gets the connection's one cursor: it reads what it executed before returning.
        with self._lock:
            db = connections[alias]
            for attempt in (1, 2):
                conn, cursor = self._connection(alias, db)
                try:
                    with db.wrap_database_errors:
                        return run(cursor)
                except DatabaseError:
                    if not (conn.closed or conn.broken):
                        raise
                    # The connection was lost (a restart, a failover, an idle timeout): a
                    # read can be asked again, once, on a new one.
                    self._connections.pop(alias, None)
                    if attempt == 2:
                        raise
            raise AssertionError("unreachable")  # pragma: no cover

    def _connection(self, alias: str, db: Any) -> tuple[Any, Any]:
        if self._pid != os.getpid():  # a forked child never uses its parent's socket
            self._inherited.extend(self._connections.values())
            self._connections.clear()
            self._pid = os.getpid()
        kept = self._connections.get(alias)
        if kept is None or kept[0].closed:
            import psycopg

            params = db.get_connection_params()
            params["autocommit"] = True
            # Statements are prepared when asked (execute(prepare=True)), never by count:
            # psycopg's None would turn preparing off even when asked.
            params["prepare_threshold"] = PREPARE_ONLY_WHEN_ASKED
            params.pop("cursor_factory", None)  # psycopg's own: server-side binding
            # Django's session settings (time zone, role) are not made here: only for reads
            # whose results do not depend on them (the card read: text and dates).
            with db.wrap_database_errors:
                conn = psycopg.Connection.connect(**params)
            # One cursor for every read: making one costs a quarter of a read's CPU.
            kept = self._connections[alias] = (conn, conn.cursor())
        return kept

    def close(self) -> None:
        with self._lock:
            for conn, _cursor in self._connections.values():
                conn.close()
            self._connections.clear()


_READER = _Reader()


def reader_read(alias: str, run: Callable[[Any], T]) -> T:
    """`run(cursor)` on the process's own reading connection to `alias` (PostgreSQL only),
    one caller at a time: for the shared card reads, not for a request's own statements. A
    read that finds the connection lost is made again, once, on a new connection."""
    return _READER.read(alias, run)


def reader_close() -> None:
    """Close the reading connections (tests; a process at its end closes them anyway)."""
    _READER.close()
