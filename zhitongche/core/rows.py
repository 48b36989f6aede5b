"""Model instances from hand-written SQL, for the API's hottest reads (token lookup, appeal detail).

Compiling an ORM query costs more than running it on these paths; a `Columns` writes its column list once
and converts the values of a raw row the way the ORM would (SQLite datetimes, booleans, JSON), so the
instances it builds behave like ORM ones: fields not selected are deferred and load on access.
"""

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar, cast

from django.db import models
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
        model, loaded = self.model, self.convert(connection, values)
        if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
            return model.from_db(connection.alias, self.attnames, loaded)
        # What from_db does without the per-field round of Model.__init__ (a field left out of __dict__ is
        # deferred, as there): a third of the cost of reading an appeal's detail went into those rounds.
        instance = model.__new__(model)
        instance.__dict__.update(zip(self.attnames, loaded, strict=True))
        instance._state = ModelState()
        instance._state.adding, instance._state.db = False, connection.alias
        return instance
