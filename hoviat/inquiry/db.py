"""Cursors for the inquiry hot path: the card read, the lease count and the log write.

On PostgreSQL each statement is sent with server-side binding and as a prepared statement,
so the database plans it once per connection instead of once per request: for statements
this small, the planning costs more than the execution. The cursor is hoviat.core.bulk's
(Django's wrapper all the same: logged under DEBUG, counted by CaptureQueriesContext, seen by
`connection.execute_wrapper`).

The card reads shared by a process's request threads (selectors.card_rows, for the card
inquiries answered together) have a connection of their own instead (`reader_rows`): only
the thread reading for the others uses it, one read at a time, so a request whose card is
read that way never takes a connection from the pool nor gives one back (a third of what the
read costs the web process). Its statements go to libpq as they are (psycopg.pq: one call
that waits for the answer with the GIL released, results in binary, turned into Python
values by psycopg's own loaders), which costs the web process about a sixth less CPU per
read than a cursor's execute() (50 µs against 60 here). The inquiry log's writer thread has
a connection of its own the same way (`writer_write`), and so has the log's group commit
(`grouped_write`): its writer is a request thread that other requests wait for, and must
never need a connection from the pool, which those waiting requests may hold.

Prepared statements live in the database session. Behind a connection pooler in transaction
mode that does not track them (PgBouncer before 1.21), set INQUIRY_DB_PREPARE = False.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from hoviat.core.bulk import prepared_cursor
from hoviat.inquiry.conf import conf


def hot_cursor(alias: str = DEFAULT_DB_ALIAS):
    """A Django cursor on `alias` whose statements are prepared on PostgreSQL
    (hoviat.core.bulk.prepared_cursor), unless INQUIRY_DB_PREPARE is off."""
    return prepared_cursor(alias, prepare=conf("INQUIRY_DB_PREPARE"))


class _Kept:
    """A kept connection and what is made once for it: its prepared statements' names and
    the transformer that turns its binary results into Python values."""

    __slots__ = ("conn", "encoding", "names", "transformer")

    def __init__(self, conn: Any) -> None:
        from psycopg.adapt import Transformer

        self.conn = conn
        self.names: dict[str, bytes] = {}  # SQL -> name of its prepared statement here
        self.transformer = Transformer(conn)
        self.encoding = conn.info.encoding


@lru_cache(maxsize=64)
def _numbered(sql: str) -> bytes:
    """`sql` with its %s placeholders as libpq's $1, $2, … (a statement of ours: no other %)."""
    parts = sql.split("%s")
    if any("%" in part for part in parts):
        raise ValueError("a reader statement holds a % that is not a placeholder")
    numbered = parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], start=1))
    return numbered.encode()


class _OwnConnections:
    """One kept psycopg connection per database alias, used by one thread at a time (the
    process's reading connection, and apart from it the log writer's)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connections: dict[str, tuple[Any, _Kept]] = {}  # alias: (connection, its state)
        self._pid = os.getpid()
        # A forked child's copies of its parent's connections: kept, never used nor closed
        # (closing would end the parent's session on the socket they share).
        self._inherited: list[Any] = []

    def rows(self, alias: str, sql: str, params: Sequence[str], prepare: bool) -> list[tuple]:
        values = [value.encode() for value in params]
        with self._lock:
            db = connections[alias]
            for attempt in (1, 2):
                conn, kept = self._connection(alias, db)
                try:
                    with db.wrap_database_errors:
                        return self._execute(kept, sql, values, prepare)
                except DatabaseError:
                    if not (conn.closed or conn.broken):
                        raise
                    # The connection was lost (a restart, a failover, an idle timeout): a
                    # read can be asked again, once, on a new one.
                    self._connections.pop(alias, None)
                    if attempt == 2:
                        raise
            raise AssertionError("unreachable")  # pragma: no cover

    def write(self, alias: str, sql: str, params: Sequence[str], prepare: bool) -> None:
        """Run a statement that returns no rows; never asked again: a connection lost on the
        way may have committed it (the caller decides what to do with the error)."""
        values = [value.encode() for value in params]
        with self._lock:
            db = connections[alias]
            conn, kept = self._connection(alias, db)
            try:
                with db.wrap_database_errors:
                    self._execute(kept, sql, values, prepare, rows=False)
            except DatabaseError:
                if conn.closed or conn.broken:
                    self._connections.pop(alias, None)
                raise

    @staticmethod
    def _execute(
        kept: _Kept, sql: str, values: list[bytes], prepare: bool, rows: bool = True
    ) -> list[tuple]:
        from psycopg import errors, pq

        pgconn = kept.conn.pgconn
        if prepare:
            name = kept.names.get(sql)
            if name is None:
                name = f"hoviat_kept_{len(kept.names)}".encode()
                made = pgconn.prepare(name, _numbered(sql))
                if made.status != pq.ExecStatus.COMMAND_OK:
                    raise errors.error_from_result(made, encoding=kept.encoding)
                kept.names[sql] = name
            result = pgconn.exec_prepared(name, values, result_format=pq.Format.BINARY)
        else:  # the unnamed statement: nothing kept in the session (a pooler's)
            result = pgconn.exec_params(_numbered(sql), values, result_format=pq.Format.BINARY)
        if result.status != (pq.ExecStatus.TUPLES_OK if rows else pq.ExecStatus.COMMAND_OK):
            raise errors.error_from_result(result, encoding=kept.encoding)
        if not rows:
            return []
        transformer = kept.transformer
        transformer.set_pgresult(result, format=pq.Format.BINARY)
        try:
            return transformer.load_rows(0, result.ntuples, tuple)
        finally:
            transformer.set_pgresult(None)

    def _connection(self, alias: str, db: Any) -> tuple[Any, _Kept]:
        if self._pid != os.getpid():  # a forked child never uses its parent's socket
            self._inherited.extend(self._connections.values())
            self._connections.clear()
            self._pid = os.getpid()
        kept = self._connections.get(alias)
        if kept is None or kept[0].closed:
            import psycopg

            params = db.get_connection_params()
            params["autocommit"] = True
            params.pop("cursor_factory", None)
            # Django's session settings (time zone, role) are not made here: only for reads
            # whose results do not depend on them (the card read: text and dates, in binary,
            # whatever the session's DateStyle).
            with db.wrap_database_errors:
                conn = psycopg.Connection.connect(**params)
            kept = self._connections[alias] = (conn, _Kept(conn))
        return kept

    def close(self) -> None:
        with self._lock:
            for conn, _kept in self._connections.values():
                conn.close()
            self._connections.clear()


_READER = _OwnConnections()
# The inquiry log's writer thread (not durable: services._answering) has its own connection,
# and so has the log's group commit (durable), whose writer is one request thread at a time.
_WRITER = _OwnConnections()
_GROUPED = _OwnConnections()


def reader_rows(alias: str, sql: str, params: Sequence[str], *, prepare: bool) -> list[tuple]:
    """The rows of `sql` (%s placeholders; text parameters) on the process's own reading
    connection to `alias` (PostgreSQL only), one caller at a time: for the shared card reads,
    not for a request's own statements. Prepared once per connection when `prepare`. A read
    that finds the connection lost is made again, once, on a new connection."""
    return _READER.rows(alias, sql, params, prepare)


def writer_write(alias: str, sql: str, params: Sequence[str], *, prepare: bool) -> None:
    """Run `sql` (no rows back) on the process's own writing connection to `alias`: the
    inquiry log's writer thread's, so that it never takes a connection from the pool."""
    _WRITER.write(alias, sql, params, prepare)


def grouped_write(alias: str, sql: str, params: Sequence[str], *, prepare: bool) -> None:
    """Run `sql` (no rows back) on the process's own connection for the inquiry log's group
    commit: autocommit, so the statement is its own transaction, committed as the database's
    synchronous_commit says (on: durable once this returns). The group commit writes one
    batch at a time, so its callers never wait here for each other."""
    _GROUPED.write(alias, sql, params, prepare)


def pooled_give_back() -> None:
    """Give back to their pools the pooled connections this thread holds (outside any
    transaction), before it waits for another thread's work: the card batches
    (services.card_inquire). The thread running a batch may need one from the pool (the
    answer-signing key when its cache expires, the validity policy for a card past its
    printed date); were the only ones held by the threads waiting for it, it would wait for
    them until the pool's timeout failed the whole batch (10 s, then 503s: seen under
    bench/inquiry.py with 2 pooled connections and 8 threads a process). Without a pool,
    nothing: each thread's connection is its own, and closing it would cost a reconnection."""
    for alias in connections.settings:
        db = connections[alias]
        if (
            db.connection is not None
            and db.settings_dict["OPTIONS"].get("pool")
            and not db.in_atomic_block
        ):
            db.close()


def reader_close() -> None:
    """Close the process's own connections, reading and writing (tests; a process at its
    end closes them anyway)."""
    _READER.close()
    _WRITER.close()
    _GROUPED.close()
