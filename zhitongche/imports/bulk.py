"""Bulk writes behind one function per engine: COPY on PostgreSQL, executemany on SQLite.

The ORM's bulk_create manages 7,000–10,000 rows/s; these reach several times that. They must run inside
the caller's transaction, and take plain tuples in column order.
"""

import contextlib
import functools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.apps import apps
from django.db import IntegrityError, connection, models

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


@functools.cache
def _foreign_keys(table: str, columns: tuple[str, ...]) -> tuple[tuple[int, str, str], ...]:
    """(position in `columns`, referenced table, referenced column) of each foreign key constraint they write."""
    model = next((m for m in apps.get_models(include_auto_created=True) if m._meta.db_table == table), None)
    if model is None:
        raise LookupError(f"no model has the table {table}")
    keys: list[Any] = [f for f in model._meta.concrete_fields if isinstance(f, models.ForeignKey)]
    by_column = {f.column: f for f in keys if f.db_constraint}
    return tuple((i, by_column[c].target_field.model._meta.db_table, by_column[c].target_field.column)
                 for i, c in enumerate(columns) if c in by_column)


def _triggers_skippable(cursor: Any, table: str) -> str | None:
    """The session's replication role, if this role may set it and `table` has no triggers besides its foreign
    keys' (which are the only ones a bulk check stands in for); else None."""
    may_set = ("has_parameter_privilege('session_replication_role', 'SET')" if getattr(connection, "pg_version", 0) >= 150000
               else "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user)")
    cursor.execute(f"SELECT {may_set} AND NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = %s::regclass "  # noqa: S608
                   "AND NOT tgisinternal), current_setting('session_replication_role')", [table])
    allowed, role = cursor.fetchone()
    return role if allowed else None


def _check_references(cursor: Any, table: str, columns: tuple[str, ...], rows: Sequence[Sequence[Any]]) -> None:
    """What the foreign-key triggers would do for `rows`, one statement per key: every referenced row exists and
    is locked FOR KEY SHARE until the transaction ends, so no other transaction can delete it meanwhile."""
    for at, target, key in _foreign_keys(table, columns):
        wanted = {row[at] for row in rows} - {None}
        if not wanted:
            continue
        cursor.execute(f"SELECT {_q(key)} FROM {_q(target)} WHERE {_q(key)} = ANY(%s) FOR KEY SHARE",  # noqa: S608
                       [list(wanted)])
        missing = wanted - {k for (k,) in cursor.fetchall()}
        if missing:
            raise IntegrityError(f"insert into {table}: {columns[at]} = {sorted(missing)[:5]} "
                                 f"not present in {target}")


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, analyze: bool = True,
                references_in_bulk: bool = False) -> None:
    """Insert `rows` into `table`; with `analyze` (the default), a big insert on PostgreSQL refreshes the table's
    statistics (a caller writing many batches passes False and calls `analyze` once at the end).

    With `references_in_bulk`, PostgreSQL checks the rows' foreign keys with one locking query per key column
    instead of a trigger per row and key (half the server's work of a big import), where the role may set
    `session_replication_role` and the table has no triggers of its own; elsewhere the triggers check them."""
    cols = ", ".join(_q(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            restore = None
            if references_in_bulk:
                rows = rows if isinstance(rows, Sequence) else list(rows)
                restore = _triggers_skippable(cursor, table) if rows else None
                if restore is not None:
                    _check_references(cursor, table, tuple(columns), rows)
                    # Only for this COPY: the triggers of every other statement of the transaction still run.
                    cursor.execute("SET LOCAL session_replication_role = replica")
            n = 0
            with cursor.cursor.copy(f"COPY {_q(table)} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
            if restore is not None:  # (a failed COPY rolls back the transaction or savepoint, and the SET with it)
                cursor.execute("SELECT set_config('session_replication_role', %s, true)", [restore])
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
                         wanted: Sequence[Any] | None = None, analyze: bool = True,
                         references_in_bulk: bool = False) -> dict[Any, int]:
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
        insert_rows(table, ("id", *columns), [(i, *row) for i, row in zip(ids, rows, strict=True)], analyze=analyze,
                    references_in_bulk=references_in_bulk)
        return {row[at]: i for i, row in zip(ids, rows, strict=True)}
    insert_rows(table, columns, rows, analyze=analyze, references_in_bulk=references_in_bulk)
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
