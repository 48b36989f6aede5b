"""Rows read and written by hand-written SQL, for the hottest paths (token lookup, appeal detail, appeal actions).

Compiling an ORM query costs more than running it on these paths. A `Columns` writes its column list once
and converts the values of a raw row the way the ORM would (SQLite datetimes, booleans, JSON), so the
instances it builds behave like ORM ones: fields not selected are deferred and load on access. An `Insert`
and `update()` write their statements once and prepare the values as `save()` would (`get_db_prep_save`,
`auto_now`). They call no `save()` and send no model signals: a model with save receivers is written through the
ORM instead, and one whose `save()` does more than refuse to change a saved row must not use them.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar, cast

from django.db import DatabaseError, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import signals
from django.db.models.base import ModelState

M = TypeVar("M", bound=models.Model)
Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]


class Columns(Generic[M]):
    """Some columns of one model, selected under a table alias of a raw query."""

    def __init__(self, model: type[M], fields: Sequence[str]):
        self.model = model
        self.fields = [cast("models.Field[Any, Any]", model._meta.get_field(name)) for name in fields]
        self.attnames = [f.attname for f in self.fields]
        self._converters: dict[str, list[tuple[int, Any, list[Converter]]]] = {}
        self._sql: dict[tuple[str, str], str] = {}

    def __len__(self) -> int:
        return len(self.fields)

    def sql(self, connection: BaseDatabaseWrapper, alias: str) -> str:
        """`alias."col1", alias."col2", …` in the order of `fields`."""
        key = (connection.vendor, alias)
        if key not in self._sql:
            qn = connection.ops.quote_name
            self._sql[key] = ", ".join(f"{qn(alias)}.{qn(str(f.column))}" for f in self.fields)
        return self._sql[key]

    def convert(self, connection: BaseDatabaseWrapper, values: Sequence[Any]) -> list[Any]:
        """The Python values of these columns, as the ORM would read them on this connection."""
        converters = self._converters.get(connection.vendor)
        if converters is None:
            converters = []
            for i, field in enumerate(self.fields):
                col = field.get_col(self.model._meta.db_table)
                found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                if found:
                    converters.append((i, col, found))
            self._converters[connection.vendor] = converters
        out = list(values)
        for i, col, functions in converters:
            for function in functions:
                out[i] = function(out[i], col, connection)
        return out

    def build(self, connection: BaseDatabaseWrapper, values: Sequence[Any]) -> M:
        """A model instance with these fields loaded and the others deferred."""
        return _instance(self.model, connection.alias, self.attnames, self.convert(connection, values))


def _instance(model: type[M], alias: str, attnames: Sequence[str], values: Sequence[Any]) -> M:
    """A saved instance holding these Python values, the fields not named deferred (as `from_db` makes it)."""
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        return model.from_db(alias, attnames, values)
    # What from_db does without the per-field round of Model.__init__ (a field left out of __dict__ is
    # deferred, as there): a third of the cost of reading an appeal's detail went into those rounds.
    instance = model.__new__(model)
    instance.__dict__.update(zip(attnames, values, strict=True))
    instance._state = ModelState()
    instance._state.adding, instance._state.db = False, alias
    return instance


class Insert(Generic[M]):
    """New rows of one model with these fields, by an INSERT written once per database and form.

    Every field is given: model defaults are not applied."""

    def __init__(self, model: type[M], fields: Sequence[str]):
        self.model = model
        self.fields = [cast("models.Field[Any, Any]", model._meta.get_field(name)) for name in fields]
        self.attnames = [f.attname for f in self.fields]
        pk = model._meta.pk
        assert pk is not None and pk.attname not in self.attnames  # noqa: S101 — the database numbers the rows
        self.pk_attname, self.pk_column = pk.attname, str(pk.column)
        self._sql: dict[tuple[str, str], str] = {}

    def _statement(self, connection: BaseDatabaseWrapper, rows: str) -> str:
        key = (connection.vendor, rows)
        if key not in self._sql:
            qn = connection.ops.quote_name
            columns = ", ".join(qn(str(f.column)) for f in self.fields)
            self._sql[key] = f"INSERT INTO {qn(self.model._meta.db_table)} ({columns}) {rows} RETURNING {qn(self.pk_column)}"
        return self._sql[key]

    def prepare(self, connection: BaseDatabaseWrapper, values: Mapping[str, Any]) -> list[Any]:
        """The given fields' values (by attname) as the database takes them, in the order of the fields."""
        return [f.get_db_prep_save(values[f.attname], connection) for f in self.fields if f.attname in values]

    def one(self, connection: BaseDatabaseWrapper, values: Mapping[str, Any]) -> M:
        """Insert one row (`values` by attname, every field given) and return it as a saved instance."""
        row = [values[name] for name in self.attnames]
        if _heard(self.model):
            return self.model._default_manager.db_manager(connection.alias).create(**values)
        placeholders = f"VALUES ({', '.join(['%s'] * len(row))})"
        with connection.cursor() as cursor:
            cursor.execute(self._statement(connection, placeholders), self.prepare(connection, values))
            pk = cursor.fetchone()[0]
        return _instance(self.model, connection.alias, [self.pk_attname, *self.attnames], [pk, *row])

    def select(self, connection: BaseDatabaseWrapper, select: str, params: Sequence[Any]) -> list[int]:
        """`INSERT … SELECT`: one row per row of `select`, whose columns are these fields in order; the new ids.

        `params` go to the database as given: prepare them (`prepare`, `adapt_*`) first."""
        if _heard(self.model):
            raise RuntimeError(f"{self.model._meta.label} has save receivers, which INSERT … SELECT would bypass")
        with connection.cursor() as cursor:
            cursor.execute(self._statement(connection, select), params)
            return [pk for (pk,) in cursor.fetchall()]


_UPDATES: dict[tuple[type[models.Model], tuple[str, ...], str], tuple[str, list["models.Field[Any, Any]"]]] = {}


def _heard(model: type[models.Model]) -> bool:
    """Whether something listens to the model's saves (then the ORM writes it, so that they hear it)."""
    return signals.pre_save.has_listeners(model) or signals.post_save.has_listeners(model)


def update(connection: BaseDatabaseWrapper, instance: models.Model, fields: Sequence[str]) -> None:
    """`instance.save(update_fields=fields)` by an UPDATE written once per model and fields (auto_now stamped)."""
    model, meta = type(instance), instance._meta
    if _heard(model):
        instance.save(using=connection.alias, update_fields=fields)
        return
    key = (model, tuple(fields), connection.vendor)
    if key not in _UPDATES:
        qn = connection.ops.quote_name
        assert meta.pk is not None  # noqa: S101
        named = [cast("models.Field[Any, Any]", meta.get_field(name)) for name in fields]
        assignments = ", ".join(f"{qn(str(f.column))} = %s" for f in named)
        _UPDATES[key] = (f"UPDATE {qn(meta.db_table)} SET {assignments} WHERE {qn(str(meta.pk.column))} = %s",  # noqa: S608
                         named)
    sql, named = _UPDATES[key]
    prepared = [f.get_db_prep_save(f.pre_save(instance, False), connection) for f in named]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*prepared, instance.pk])
        if cursor.rowcount != 1:
            raise DatabaseError(f"{meta.label} {instance.pk}: the update changed no row")
