"""Read-only code paths (inquiry, reports) may read from a PostgreSQL streaming replica.

Wrap the reads in `use_replica()` (a context manager and a decorator):

    with use_replica():
        card = Card.objects.select_related("application").get(csn=serial)

and list `ReplicaRouter` in DATABASE_ROUTERS. While the block runs, reads go to the
database alias "replica" if it is configured (DATABASE_REPLICA_URL); otherwise, and
everywhere else, to "default". Writes always go to "default", inside the block too.

Reads stay on "default" while "default" is inside a transaction: a replica lags behind and
cannot see the transaction's own uncommitted rows, so a read there could contradict a write
just made (this also keeps tests, which run inside a transaction, consistent).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA_ALIAS = "replica"

# A ContextVar, not a thread-local: each thread and each asyncio task sees its own value.
_replica_wanted: ContextVar[bool] = ContextVar("hoviat_replica_wanted", default=False)


@contextmanager
def use_replica() -> Iterator[None]:
    """Send the reads of this block to the replica, when one is configured."""
    token = _replica_wanted.set(True)
    try:
        yield
    finally:
        _replica_wanted.reset(token)


@contextmanager
def use_primary() -> Iterator[None]:
    """Read from the primary inside a `use_replica()` block (e.g. right after a write)."""
    token = _replica_wanted.set(False)
    try:
        yield
    finally:
        _replica_wanted.reset(token)


def replica_configured() -> bool:
    return REPLICA_ALIAS in connections.settings


def replica_read_alias() -> str:
    """The alias a read inside `use_replica()` would use here and now, without entering the
    block (for a hot path's own cursor)."""
    if REPLICA_ALIAS in connections.settings and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return REPLICA_ALIAS
    return DEFAULT_DB_ALIAS


def read_alias() -> str:
    """The alias a read made here and now would use."""
    return replica_read_alias() if _replica_wanted.get() else DEFAULT_DB_ALIAS


class ReplicaRouter:
    """Reads of a `use_replica()` block to "replica"; all writes and migrations to "default"."""

    def db_for_read(self, model, **hints) -> str | None:
        # None outside a replica block: Django's own rule, unchanged (e.g. related rows are
        # read from the database their object came from).
        alias = read_alias()
        return alias if alias == REPLICA_ALIAS else None

    def db_for_write(self, model, **hints) -> str:
        # Explicit: without it Django would save an object to the database it was read from,
        # i.e. try to write to the read-only replica.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # Both aliases hold the same data: a replica is a copy of the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS
