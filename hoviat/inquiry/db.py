"""Cursors for the inquiry hot path: the three statements every inquiry runs.

An inquiry costs three statements (count, read, log). On PostgreSQL each is sent with
server-side binding and as a prepared statement (psycopg's `prepare=True`), so the database
plans it once per connection instead of once per request: for statements this small, the
planning costs more than the execution. The cursor is still Django's wrapper around it, so
the statements are logged under DEBUG, counted by CaptureQueriesContext and seen by
`connection.execute_wrapper` like any other.

Prepared statements live in the database session. Behind a connection pooler in transaction
mode that does not track them (PgBouncer before 1.21), set INQUIRY_DB_PREPARE = False.
"""

from __future__ import annotations

from functools import cache

from django.db import DEFAULT_DB_ALIAS, connections

from hoviat.inquiry.conf import conf

# Django opens psycopg connections with prepare_threshold=None, which turns preparing off
# altogether, even for an explicit prepare=True. A threshold no statement reaches turns it
# back on for the explicit requests only: psycopg never prepares on its own by then, and
# Django's own (client-side binding) cursors never prepare at all.
_ONLY_WHEN_ASKED = 2**31 - 1


class _Statement:
    __slots__ = ("query",)

    def __init__(self, sql: str) -> None:
        self.query = sql.encode()


@cache
def _prepared_cursor_class():
    # Here, not at the top: only a PostgreSQL database loads its backend (and psycopg).
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparedCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=True, binary=None):
            super().execute(query, params, prepare=prepare, binary=binary)
            if self._query is None:
                # psycopg keeps no query for a prepared execution; Django's query log
                # (DEBUG, CaptureQueriesContext) reads the statement from there.
                self._query = _Statement(query)
            return self

    return PreparedCursor


def hot_cursor(alias: str = DEFAULT_DB_ALIAS):
    """A Django cursor on `alias` whose statements are prepared on PostgreSQL."""
    connection = connections[alias]
    if connection.vendor != "postgresql" or not conf("INQUIRY_DB_PREPARE"):
        return connection.cursor()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = _ONLY_WHEN_ASKED
    with connection.wrap_database_errors:
        return connection._prepare_cursor(_prepared_cursor_class()(raw))
