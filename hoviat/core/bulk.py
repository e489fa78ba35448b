"""Many rows into one table at once, for sweeps and batch appends on hot paths."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache, partial
from operator import attrgetter
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import DateField, JSONField, Model

M = TypeVar("M", bound=Model)


def rows_insert(model, columns: list[str], rows: list[tuple]) -> None:
    """Plain INSERTs: the ORM's bulk_create spends most of a big batch compiling SQL. SQLite
    runs one prepared statement many times in-process; PostgreSQL takes the rows by COPY."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(model._meta.get_field(c).column) for c in columns)
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        with (
            connection.wrap_database_errors,  # IntegrityError and the like, as the ORM raises
            connection.connection.cursor() as raw,
            raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        # Table and column names come from the model, never from input.
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608  # nosec B608


# Up to this many rows, PostgreSQL gets one INSERT ... RETURNING (one round trip) rather than
# ids from the sequence and a COPY (two).
FEW = 8


def _reader(field, db) -> Callable[[Model], Any]:
    """The database value of `field` from an object about to be inserted, as save() gives it;
    chosen once per field: most fields are the attribute as it is."""
    get: Callable[[Model], Any]
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        get = partial(field.pre_save, add=True)  # the time now, as save() gives it
    else:
        get = attrgetter(field.attname)  # defaults were set when the object was made
    if isinstance(field, JSONField):
        encoder = field.encoder

        def as_json(obj: Model) -> Any:
            v = get(obj)
            return None if v is None else json.dumps(v, cls=encoder)

        return as_json
    adapt_datetime = db.ops.adapt_datetimefield_value
    adapt_date = db.ops.adapt_datefield_value

    def adapted(obj: Model) -> Any:
        v = get(obj)
        if isinstance(v, dt.datetime):
            return adapt_datetime(v)
        if isinstance(v, dt.date):
            return adapt_date(v)
        return v

    return adapted if isinstance(field, DateField) else get


def objects_insert(objs: Sequence[Model], *, ids: bool = True) -> None:
    """`bulk_create` for hot paths: the same rows (defaults, auto_now_add and auto_now
    included), without the ORM's per-value SQL compiling; with `ids`, each object's id set.

    PostgreSQL: the ids are taken from the table's sequence in one query and the rows go in
    by COPY; SQLite: one prepared INSERT per row, in-process (one executemany without `ids`).
    Only plain values: fields whose database value is the Python value itself, dates and
    datetimes, and JSON (no custom field types).
    """
    if not objs:
        return
    # The connection looked up once: each `connection.x` goes through Django's per-thread
    # proxy (about a microsecond apiece, and this runs in every booking and audit row).
    db = connections[DEFAULT_DB_ALIAS]
    model = type(objs[0])
    meta = model._meta
    pk = meta.pk
    if pk is None or pk.column is None:
        raise TypeError(f"{meta.label} has no primary key column")
    pk_column: str = pk.column
    fields = [f for f in meta.concrete_fields if f is not pk]
    readers = [_reader(f, db) for f in fields]
    rows = [tuple(read(obj) for read in readers) for obj in objs]
    if not ids:
        rows_insert(model, [f.attname for f in fields], rows)
        return
    quote = db.ops.quote_name
    table = quote(meta.db_table)
    names = ", ".join(quote(str(f.column)) for f in fields)
    if db.vendor == "postgresql" and len(rows) <= FEW:

        def insert_returning() -> str:
            marks = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(rows))
            return (
                f"INSERT INTO {table} ({names}) VALUES {marks} "  # noqa: S608  # nosec B608
                f"RETURNING {quote(pk_column)}"
            )

        with prepared_cursor() as cursor:
            cursor.execute(
                sql_once(("insert", model, len(rows)), insert_returning),
                [v for row in rows for v in row],
            )
            new_ids = [row[0] for row in cursor.fetchall()]
    elif db.vendor == "postgresql":
        with db.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk_column, len(objs)],
            )
            new_ids = [row[0] for row in cursor.fetchall()]
        rows_insert(
            model,
            [pk.attname, *(f.attname for f in fields)],
            [(pk_value, *row) for pk_value, row in zip(new_ids, rows, strict=True)],
        )
    else:
        marks = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608  # nosec B608
        new_ids = []
        with db.cursor() as cursor:
            for row in rows:
                cursor.execute(sql, row)
                new_ids.append(cursor.lastrowid)
    for obj, pk_value in zip(objs, new_ids, strict=True):
        setattr(obj, pk.attname, pk_value)
        obj._state.adding = False
        obj._state.db = db.alias


@cache
def _readers(model: type[Model], with_pk: bool, alias: str) -> tuple[Callable[[Model], Any], ...]:
    """`_reader` of each column an insert writes (the primary key's only `with_pk`)."""
    db = connections[alias]
    return tuple(
        _reader(f, db) for f in model._meta.concrete_fields if with_pk or not f.primary_key
    )


def objects_insert_if(objs: Sequence[Model], key: tuple, make: Callable[[], str], params) -> int:
    """PostgreSQL: the statement `make` builds (`sql_once(key, make)`, with `params`), then
    `objs` inserted only if that statement returned a row: all in one statement, so in one
    round trip. `make` gives a data-modifying statement with RETURNING, such as a
    conditional UPDATE ... RETURNING 1. Returns how many rows it returned.

    When it returns none, nothing at all was written: a refusal needs no ROLLBACK
    (`atomic_refusing`). An object whose primary key is set is inserted with it; one without
    gets the column's default (its sequence) and is left without its id.
    """
    db = connections[DEFAULT_DB_ALIAS]
    shapes = tuple((type(obj), obj.pk is not None) for obj in objs)

    def insert_if() -> str:
        quote = db.ops.quote_name
        parts = [f"WITH claimed AS ({make()})"]
        for n, (model, with_pk) in enumerate(shapes):
            fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
            names = ", ".join(quote(str(f.column)) for f in fields)
            marks = ", ".join(["%s"] * len(fields))
            parts.append(
                f", i{n} AS (INSERT INTO {quote(model._meta.db_table)} ({names}) "  # noqa: S608  # nosec B608
                f"SELECT {marks} WHERE EXISTS (SELECT 1 FROM claimed))"
            )
        parts.append(" SELECT count(*) FROM claimed")
        return "".join(parts)

    values: list[Any] = list(params)
    for obj, (model, with_pk) in zip(objs, shapes, strict=True):
        values.extend(read(obj) for read in _readers(model, with_pk, db.alias))
    with prepared_cursor() as cursor:
        cursor.execute(sql_once(("insert_if", shapes, *key), insert_if), values)
        row = cursor.fetchone()
    count = row[0] if row else 0
    if count:
        for obj in objs:
            obj._state.adding = False
            obj._state.db = db.alias
    return count


class NothingWritten(Exception):
    """Raised inside `atomic_refusing()` to carry a refusal found before the block wrote
    anything: `error` is raised once the block has ended."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


@contextmanager
def atomic_refusing(using: str | None = None) -> Iterator[None]:
    """`transaction.atomic()`, except that `raise NothingWritten(error)` inside it ends the
    block by COMMIT instead of ROLLBACK, and then raises `error`.

    Only for a refusal made before the block wrote anything (its reads and row locks are all
    a COMMIT keeps): psycopg answers every ROLLBACK by discarding all the prepared statements
    of the connection (DEALLOCATE ALL, one more round trip), so the next hot path on that
    pooled connection parses and plans each of its statements again. A booking hold refused
    for a full slot cost the database 0.9–1.2 ms that way, 0.3 ms without (bench/booking.py's
    surge: every sixth click meets a full slot). Any other exception rolls back as usual.
    """
    refusal: Exception | None = None
    with transaction.atomic(using=using):
        try:
            yield
        except NothingWritten as refused:
            refusal = refused.error
    if refusal is not None:
        raise refusal


# --- Rows of hot paths read without the ORM's per-query compiling ---------------------------


def prepared_cursor(alias: str = DEFAULT_DB_ALIAS, *, prepare: bool | None = None):
    """A cursor for the few statements of a hot path (`sql_once`): on PostgreSQL they are
    prepared once per connection and then only bound and executed, so the server neither
    parses nor plans them again (about half its CPU on a booking hold) and the values travel
    apart from the text instead of being quoted into it. As hoviat.inquiry.db does for the
    inquiry: Django's cursor wrapper all the same (errors, execute wrappers, query capture).

    Prepared statements live in the database session: behind PgBouncer in transaction mode
    (`DB_PGBOUNCER`, PgBouncer before 1.21 does not carry them) this is a plain cursor, as it
    is with `prepare=False` (the inquiry's own setting, INQUIRY_DB_PREPARE). Only for fixed
    SQL with plain values; elsewhere `connection.cursor()`.
    """
    db = connections[alias]  # once: `connection.x` is a per-thread lookup each time
    if prepare is None:
        prepare = not settings.DB_PGBOUNCER
    if db.vendor != "postgresql" or not prepare:
        return db.cursor()
    db.ensure_connection()
    raw = db.connection
    if raw.prepare_threshold is None:
        # Django's None turns preparing off altogether, even when asked for. Django's own
        # cursors bind client-side and never prepare, whatever the threshold: only this
        # cursor's statements are prepared, and only because it asks.
        raw.prepare_threshold = PREPARE_ONLY_WHEN_ASKED
    wrapper: Any = db  # the cursor wrapping of connection.cursor(), on our cursor
    with db.wrap_database_errors:
        return wrapper._prepare_cursor(_prepared_cursor_class()(raw))


# A threshold no statement reaches: preparing happens when a cursor asks, not by count.
PREPARE_ONLY_WHEN_ASKED = 2**31 - 1


class _Statement:
    __slots__ = ("query",)

    def __init__(self, sql: str) -> None:
        self.query = sql.encode()


@cache
def _prepared_cursor_class() -> type:
    # Here, not at the top: only a PostgreSQL database loads its backend (and psycopg).
    from django.db.backends.postgresql import base

    server_binding: Any = base.ServerBindingCursor  # defined only with psycopg 3

    class PreparedCursor(server_binding):
        def execute(self, query, params=None, *, prepare=True, binary=None):
            super().execute(query, params, prepare=prepare, binary=binary)
            if self._query is None:  # type: ignore[has-type]
                # psycopg keeps no query for a prepared execution; Django's query log
                # (DEBUG, CaptureQueriesContext) reads the statement from there.
                self._query = _Statement(query)
            return self

    return PreparedCursor


_SQL: dict[tuple, str] = {}


def sql_once(key: tuple, make: Callable[[], str]) -> str:
    """A statement built once per process and database vendor, from the models' names."""
    key = (connection.vendor, *key)
    sql = _SQL.get(key)
    if sql is None:
        sql = _SQL[key] = make()
    return sql


def columns_sql(model, alias: str = "") -> str:
    """Every concrete column of `model`, in field order (as `object_from_row` reads them)."""
    quote = connection.ops.quote_name
    prefix = f"{quote(alias)}." if alias else ""
    return ", ".join(f"{prefix}{quote(f.column)}" for f in model._meta.concrete_fields)


def for_update_sql() -> str:
    """' FOR UPDATE' where the database locks rows (PostgreSQL); '' on SQLite, which locks
    the whole database for a writing transaction anyway."""
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


_CONVERTERS: dict[tuple[type, str], list[tuple[int, list, object]]] = {}


def _converters(model, db) -> list[tuple[int, list, object]]:
    key = (model, db.vendor)
    found = _CONVERTERS.get(key)
    if found is None:
        found = []
        for n, field in enumerate(model._meta.concrete_fields):
            col = field.get_col(model._meta.db_table)
            converters = db.ops.get_db_converters(col) + col.get_db_converters(db)
            if converters:
                found.append((n, converters, col))
        _CONVERTERS[key] = found
    return found


def object_from_row(model: type[M], row: Sequence) -> M:
    """A model instance from the values of `columns_sql(model)`, converted as the ORM would
    (datetimes made aware on SQLite, JSON decoded, ...)."""
    db = connections[DEFAULT_DB_ALIAS]
    values = list(row)
    for n, converters, col in _converters(model, db):
        value = values[n]
        for converter in converters:
            value = converter(value, col, db)
        values[n] = value
    return model.from_db(db.alias, (), values)  # every field, in order: no names needed
