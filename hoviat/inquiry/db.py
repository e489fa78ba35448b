"""Cursors for the inquiry hot path: the card read, the lease count and the log write.

On PostgreSQL each statement is sent with server-side binding and as a prepared statement,
so the database plans it once per connection instead of once per request: for statements
this small, the planning costs more than the execution. The cursor is hoviat.core.bulk's
(Django's wrapper all the same: logged under DEBUG, counted by CaptureQueriesContext, seen by
`connection.execute_wrapper`).

Prepared statements live in the database session. Behind a connection pooler in transaction
mode that does not track them (PgBouncer before 1.21), set INQUIRY_DB_PREPARE = False.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS

from hoviat.core.bulk import prepared_cursor
from hoviat.inquiry.conf import conf


def hot_cursor(alias: str = DEFAULT_DB_ALIAS):
    """A Django cursor on `alias` whose statements are prepared on PostgreSQL
    (hoviat.core.bulk.prepared_cursor), unless INQUIRY_DB_PREPARE is off."""
    return prepared_cursor(alias, prepare=conf("INQUIRY_DB_PREPARE"))
