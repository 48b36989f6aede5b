import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from zhitongche.core import audit
from zhitongche.core.errors import DomainError
from zhitongche.core.models import AuditLog
from zhitongche.regions.services import department_upsert


@pytest.fixture
def row(db):
    with transaction.atomic():
        return audit.record(actor="test", action="thing.do", object_type="x.y", object_id="1")


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        audit.record(actor="test", action="thing.do", object_type="x.y", object_id="1")
    assert not AuditLog.objects.exists()


def test_orm_cannot_change_or_remove_rows(row):
    row.action = "other"
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        AuditLog.objects.filter(pk=row.pk).update(action="x")
    with pytest.raises(PermissionError):
        AuditLog.objects.all().delete()
    assert AuditLog.objects.get(pk=row.pk).action == "thing.do"


def test_database_refuses_update(row):
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic(), connection.cursor() as c:
        c.execute("UPDATE core_auditlog SET action = 'forged' WHERE id = %s", [row.pk])
    assert AuditLog.objects.get(pk=row.pk).action == "thing.do"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the DELETE trigger exists on PostgreSQL only")
def test_postgres_refuses_delete(row):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
        c.execute("DELETE FROM core_auditlog WHERE id = %s", [row.pk])
    assert AuditLog.objects.filter(pk=row.pk).exists()


def test_a_write_records_before_and_after(make_user):
    admin = make_user("admin")
    department_upsert(actor=admin, code="RSJ", name="鞍山市人力资源和社会保障局", kind="city", duties="新职责")
    entry = AuditLog.objects.filter(action="department.update").latest("id")
    assert entry.actor == admin
    assert entry.object_type == "regions.department"
    assert entry.changes["duties"][1] == "新职责"
    assert entry.changes["duties"][0] != "新职责"


def test_failed_write_leaves_no_audit_row(make_user):
    admin = make_user("admin")
    before = AuditLog.objects.count()
    with pytest.raises(DomainError):
        department_upsert(actor=admin, code="NEW", name="新部门", kind="district", region="999999")
    assert AuditLog.objects.count() == before


def test_request_id_is_recorded(make_user, client):
    admin = make_user("admin", username="root")
    client.force_login(admin)
    r = client.post("/prefs/large-type", {"next": "/"}, headers={"X-Request-ID": "req-abc-123"})
    assert r.status_code == 302 and r["X-Request-ID"] == "req-abc-123"
    entry = AuditLog.objects.filter(action="user.large_type").latest("id")
    assert entry.request_id == "req-abc-123" and entry.changes == {"large_type": [False, True]}


def test_audit_page_is_for_admins_only(make_user, client):
    client.force_login(make_user("bureau"))
    assert client.get("/audit/").status_code == 404
    client.force_login(make_user("admin"))
    r = client.get("/audit/", {"action": "user.create"})
    assert r.status_code == 200
    text = r.content.decode()
    assert "审计日志" in text and "user.create" in text and "department.create" not in text


def test_audit_page_htmx_returns_the_table_only(make_user, client):
    client.force_login(make_user("admin"))
    r = client.get("/audit/", {"action": "user"}, headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert "<html" not in r.content.decode() and "<table" in r.content.decode()


def test_audit_page_shows_a_changed_field_named_like_a_dict_method(make_user, client):
    with transaction.atomic():
        audit.record(actor="test", action="catalog.reindex", object_type="catalog.index", object_id="all",
                     changes={"items": [None, 986], "keys": [1, 2]})
    client.force_login(make_user("admin"))
    r = client.get("/audit/", {"action": "catalog.reindex"})
    assert r.status_code == 200
    text = r.content.decode()
    assert "<code>items</code>：— → 986" in text and "<code>keys</code>：1 → 2" in text
