"""Bulk writes behind one function per engine: COPY on PostgreSQL, executemany on SQLite.

The ORM's bulk_create manages 7,000–10,000 rows/s; these reach several times that. They must run inside
the caller's transaction, and take plain tuples in column order.
"""

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import connection

ANALYZE_AFTER = 10_000
LOOKUP_CHUNK = 2000


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


@contextlib.contextmanager
def bulk_session() -> Iterator[None]:
    """Around a big write: SQLite gets a 256 MB page cache for this connection (its default 2 MB makes every
    index insert of a large table a page fault), restored afterwards; PostgreSQL needs nothing."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size = -262144")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, analyze: bool = True) -> None:
    """Insert `rows` into `table`; with `analyze` (the default), a big insert on PostgreSQL refreshes the table's
    statistics (a caller writing many batches passes False and calls `analyze` once at the end)."""
    cols = ", ".join(_q(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            n = 0
            with cursor.cursor.copy(f"COPY {_q(table)} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
            if analyze and n >= ANALYZE_AFTER:
                _analyze(cursor, table)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {_q(table)} ({cols}) VALUES ({marks})", list(rows))  # noqa: S608


def _analyze(cursor: Any, table: str) -> None:
    # Fresh statistics, or the planner takes the grown table for empty and joins it row by row
    # (the coverage rebuild after a first big load took minutes instead of a second).
    cursor.execute(f"ANALYZE {_q(table)}")


def analyze(*tables: str) -> None:
    """Refresh the planner's statistics of `tables` after big inserts (PostgreSQL; SQLite needs nothing)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in tables:
                _analyze(cursor, table)


def insert_rows_with_ids(table: str, key: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], *,
                         wanted: Sequence[Any] | None = None, analyze: bool = True) -> dict[Any, int]:
    """Insert `rows` like `insert_rows` and return the new primary keys by each row's `key` column (unique): of
    the rows whose key is in `wanted`, or of all rows when it is None (on SQLite the others are not looked up)."""
    if not rows:
        return {}
    at = list(columns).index(key)
    if connection.vendor == "postgresql":
        # Ids drawn from the table's sequence up front, so that COPY can write them and nothing is looked up.
        with connection.cursor() as cursor:
            # The sequence named once: pg_get_serial_sequence() inside nextval() would be looked up per row.
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [cursor.fetchone()[0], len(rows)])
            ids = [i for (i,) in cursor.fetchall()]
        insert_rows(table, ("id", *columns), ((i, *row) for i, row in zip(ids, rows, strict=True)), analyze=analyze)
        return {row[at]: i for i, row in zip(ids, rows, strict=True)}
    insert_rows(table, columns, rows, analyze=analyze)
    keys = [row[at] for row in rows] if wanted is None else list(wanted)
    found: dict[Any, int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(keys), LOOKUP_CHUNK):
            chunk = keys[start:start + LOOKUP_CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT {_q(key)}, id FROM {_q(table)} WHERE {_q(key)} IN ({marks})", chunk)  # noqa: S608
            found.update(cursor.fetchall())
    return found


def update_rows(table: str, key: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Update `columns` of the rows of `table` whose `key` is each row's first value."""
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            temp = f"tmp_{table}_update"
            cursor.execute(f"CREATE TEMP TABLE {_q(temp)} ON COMMIT DROP AS "  # noqa: S608
                           f"SELECT {_q(key)}, {', '.join(_q(c) for c in columns)} FROM {_q(table)} LIMIT 0")
            with cursor.cursor.copy(f"COPY {_q(temp)} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            sets = ", ".join(f"{_q(c)} = t.{_q(c)}" for c in columns)
            cursor.execute(f"UPDATE {_q(table)} SET {sets} FROM {_q(temp)} t "  # noqa: S608
                           f"WHERE {_q(table)}.{_q(key)} = t.{_q(key)}")
            cursor.execute(f"DROP TABLE {_q(temp)}")
        else:
            sets = ", ".join(f"{_q(c)} = %s" for c in columns)
            cursor.executemany(f"UPDATE {_q(table)} SET {sets} WHERE {_q(key)} = %s",  # noqa: S608
                               [(*row[1:], row[0]) for row in rows])
