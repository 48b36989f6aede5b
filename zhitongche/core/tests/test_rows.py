"""Model instances from hand-written SQL (core/rows.py) behave as the ORM's own: the same values, the same fields
deferred, savable, and built through Model.__init__ whenever a model has init signals to hear it."""

import pytest
from django.db import connection
from django.db.models import signals

from zhitongche.core.rows import Columns
from zhitongche.regions.models import Department

COLUMNS = Columns(Department, ["id", "code", "name", "kind", "active"])


def _row(code: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {COLUMNS.sql(connection, 'd')} FROM regions_department d WHERE d.code = %s",  # noqa: S608
                       [code])
        return cursor.fetchone()


def test_an_instance_is_what_the_orm_loads_with_the_same_fields_deferred(departments):
    built = COLUMNS.build(connection, _row("RSJ"))
    orm = Department.objects.only("id", "code", "name", "kind", "active").get(code="RSJ")
    loaded = {f.attname for f in Department._meta.concrete_fields} - orm.get_deferred_fields()
    assert {k: built.__dict__[k] for k in loaded} == {k: orm.__dict__[k] for k in loaded}
    assert built.get_deferred_fields() == orm.get_deferred_fields() != set()
    assert not built._state.adding and built._state.db == "default"
    deferred = next(iter(orm.get_deferred_fields()))
    assert getattr(built, deferred) == getattr(Department.objects.get(code="RSJ"), deferred)  # loads on access
    built.name = "鞍山市人力资源和社会保障局（测试）"
    built.save(update_fields=["name"])
    assert Department.objects.get(code="RSJ").name.endswith("（测试）")


@pytest.mark.parametrize("signal", [signals.pre_init, signals.post_init])
def test_a_model_with_init_receivers_is_built_through_its_init(departments, signal):
    heard = []

    def receiver(sender, **kwargs):
        heard.append(sender)

    signal.connect(receiver, sender=Department)
    try:
        built = COLUMNS.build(connection, _row("RSJ"))
    finally:
        signal.disconnect(receiver, sender=Department)
    assert heard == [Department] and built.code == "RSJ" and not built._state.adding
