"""Many rows into one table at once, for sweeps and batch appends on hot paths."""

from __future__ import annotations

from django.db import connection


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
