"""PostgreSQL's foreign keys checked in bulk for a big insert: the same refusals and the same locks as the per-row
triggers they stand in for, and only where the role may skip those triggers."""

import os

import pytest
from django.db import IntegrityError, OperationalError, connection, connections, transaction

from zhitongche.imports import bulk
from zhitongche.regions.models import Division, Level
from zhitongche.registry.models import Grid

pytestmark = pytest.mark.django_db

TOWNSHIP = "210302002"


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the bulk check replaces PostgreSQL's trigger per row; SQLite's triggers run as they are")


def replication_role() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        return cursor.fetchone()[0]


def grids(*townships: str) -> list[tuple[str, str, str]]:
    return [(f"G{i:04d}", f"网格{i}", township) for i, township in enumerate(townships)]


def other_township() -> str:
    return Division.objects.filter(level=Level.TOWNSHIP).exclude(code=TOWNSHIP).values_list("code", flat=True)[0]


def test_rows_are_written_with_the_triggers_skipped_and_the_role_restored(monkeypatch):
    other = other_township()
    checked = []
    original = bulk._check_references
    monkeypatch.setattr(bulk, "_check_references", lambda *a: checked.append(a[1]) or original(*a))
    bulk.insert_rows("registry_grid", ("code", "name", "township_id"), grids(TOWNSHIP, TOWNSHIP, other),
                     references_in_bulk=True)
    assert checked == ["registry_grid"]
    assert sorted(Grid.objects.values_list("code", "township_id")) == [
        ("G0000", TOWNSHIP), ("G0001", TOWNSHIP), ("G0002", other)]
    assert replication_role() == "origin"


def test_an_unknown_reference_is_refused_and_nothing_written():
    before = Grid.objects.count()
    with pytest.raises(IntegrityError, match="township_id"), transaction.atomic():
        bulk.insert_rows("registry_grid", ("code", "name", "township_id"), grids(TOWNSHIP, "999999999"),
                         references_in_bulk=True)
    assert Grid.objects.count() == before
    assert replication_role() == "origin"


def test_referenced_rows_stay_locked_against_deletion_until_the_transaction_ends():
    other = other_township()
    bulk.insert_rows("registry_grid", ("code", "name", "township_id"), grids(TOWNSHIP), references_in_bulk=True)
    side = connections.create_connection("default")
    try:
        with side.cursor() as cursor:
            lock = "SELECT code FROM regions_division WHERE code = %s FOR UPDATE NOWAIT"
            with pytest.raises(OperationalError, match="lock"):
                cursor.execute(lock, [TOWNSHIP])  # what a DELETE would need: held by this test's transaction
            cursor.execute(lock, [other])
            assert cursor.fetchone() == (other,)
    finally:
        side.close()


@pytest.fixture
def plain_role():
    """A role without superuser rights, used by this test's transaction only (rolled back with it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            pytest.skip("creating a role needs a superuser")
        name = f"ztc_test_plain_{os.getpid()}"
        cursor.execute(f"CREATE ROLE {name}")
    return name


def skippable_as(role: str, table: str) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {role}")
        try:
            return bulk._triggers_skippable(cursor, table)
        finally:
            cursor.execute("RESET ROLE")


def test_the_triggers_run_unless_the_role_may_set_the_replication_role(plain_role):
    assert skippable_as(plain_role, "registry_grid") is None
    if connection.pg_version < 150000:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT SET ON PARAMETER session_replication_role TO {plain_role}")
    assert skippable_as(plain_role, "registry_grid") == "origin"


def test_a_table_with_triggers_of_its_own_keeps_every_trigger():
    with connection.cursor() as cursor:
        assert bulk._triggers_skippable(cursor, "core_auditlog") is None  # its append-only trigger
        assert bulk._triggers_skippable(cursor, "registry_grid") == "origin"
