"""Rows read and written by hand-written SQL (core/rows.py) are the ORM's own: instances with the same values and the
same fields deferred, savable, built through Model.__init__ whenever a model has init signals to hear it; rows
written with the values save() would write, auto_now stamped, and through the ORM whenever saves have receivers."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import signals
from django.utils import timezone

from zhitongche.core.models import AuditLog
from zhitongche.core.rows import Columns, Insert, update
from zhitongche.regions.models import Department
from zhitongche.registry.identifiers import make_uscc
from zhitongche.registry.models import Enterprise

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


AUDIT = Insert(AuditLog, ["at", "actor", "actor_label", "action", "object_type", "object_id", "object_repr", "changes",
                          "request_id"])
AUDIT_VALUES = {"at": datetime.datetime(2025, 10, 1, 8, 30, 15, 123456, tzinfo=datetime.UTC), "actor_id": None,
                "actor_label": "系统", "action": "thing.do", "object_type": "x.y", "object_id": "7", "object_repr": "某物",
                "changes": {"名称": ["旧", "新"], "n": [1, None]}, "request_id": "r-1"}


def _stored(pk: int) -> dict:
    row = AuditLog.objects.get(pk=pk).__dict__
    return {k: v for k, v in row.items() if not k.startswith("_") and k != "id"}


@pytest.mark.django_db
def test_an_insert_writes_what_create_writes_and_returns_the_saved_instance():
    with transaction.atomic():
        built = AUDIT.one(connection, AUDIT_VALUES)
        created = AuditLog.objects.create(**AUDIT_VALUES)
    assert built.pk is not None and built.pk != created.pk
    assert _stored(built.pk) == _stored(created.pk)
    assert _stored(built.pk)["changes"] == {"名称": ["旧", "新"], "n": [1, None]}
    assert not built._state.adding and built.action == "thing.do"
    assert built.get_deferred_fields() == set() and built.at == AUDIT_VALUES["at"]


@pytest.mark.django_db
def test_an_insert_select_writes_one_row_per_row_selected(departments):
    prepared = AUDIT.prepare(connection, {k: v for k, v in AUDIT_VALUES.items() if k != "object_id"})
    with transaction.atomic():
        ids = AUDIT.select(connection, "SELECT %s, %s, %s, %s, %s, d.code, %s, %s, %s FROM regions_department d "
                                       "WHERE d.code IN ('RSJ', 'ZJJ')", prepared)
    assert len(ids) == 2
    assert sorted(AuditLog.objects.filter(pk__in=ids).values_list("object_id", flat=True)) == ["RSJ", "ZJJ"]
    assert {k: v for k, v in _stored(ids[0]).items() if k != "object_id"} == {
        k: v for k, v in AUDIT_VALUES.items() if k != "object_id"}


@pytest.mark.django_db
def test_update_writes_the_fields_and_stamps_auto_now_as_save_does(departments):
    ent = Enterprise.objects.create(uscc=make_uscc("210302", 951), name="鞍山行写测试有限公司", region_id="210302")
    stamped = ent.updated_at
    ent.name, ent.contact = "鞍山行写测试（改）有限公司", "张三"
    update(connection, ent, ["name", "updated_at"])
    stored = Enterprise.objects.get(pk=ent.pk)
    assert stored.name == "鞍山行写测试（改）有限公司" and stored.contact == ""  # only the fields named
    assert stored.updated_at == ent.updated_at > stamped


@pytest.mark.django_db
def test_update_of_a_missing_row_fails_as_save_does(departments):
    ent = Enterprise.objects.create(uscc=make_uscc("210302", 952), name="鞍山已删测试有限公司", region_id="210302")
    Enterprise.objects.filter(pk=ent.pk).delete()
    ent.name = "改名"
    with pytest.raises(DatabaseError):
        update(connection, ent, ["name"])
    assert not Enterprise.objects.filter(pk=ent.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("signal", [signals.pre_save, signals.post_save])
def test_writes_of_a_model_with_save_receivers_go_through_the_orm(departments, signal):
    heard = []

    def receiver(sender, instance, **kwargs):
        heard.append(instance.pk)

    ent = Enterprise.objects.create(uscc=make_uscc("210302", 953), name="鞍山信号测试有限公司", region_id="210302")
    signal.connect(receiver, sender=Enterprise)
    signal.connect(receiver, sender=AuditLog)
    try:
        ent.name = "鞍山信号测试（改）有限公司"
        update(connection, ent, ["name"])
        with transaction.atomic():
            row = AUDIT.one(connection, AUDIT_VALUES)
            with pytest.raises(RuntimeError):
                AUDIT.select(connection, "SELECT %s", [timezone.now()])
    finally:
        signal.disconnect(receiver, sender=Enterprise)
        signal.disconnect(receiver, sender=AuditLog)
    assert len(heard) == 2 and Enterprise.objects.get(pk=ent.pk).name.endswith("（改）有限公司")
    assert AuditLog.objects.filter(pk=row.pk).exists()
