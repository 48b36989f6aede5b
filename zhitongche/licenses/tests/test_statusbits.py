"""The in-memory status bits (statusbits.py): an active licence of ours verifies without reading its row, and a
bit set by another connection or process is seen by the next check (here made at every call: FRESH_FOR is 0 but
in the test of the window itself)."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import DatabaseError, connection
from django.db.utils import ConnectionHandler
from django.test.utils import CaptureQueriesContext

from zhitongche.core import listen
from zhitongche.licenses import services, statusbits, vc, verification
from zhitongche.licenses.models import License, StatusList

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def fresh_copy(monkeypatch):
    monkeypatch.setattr(statusbits, "FRESH_FOR", 0)
    statusbits.reset()
    listen.reset()
    yield
    statusbits.reset()
    listen.reset()


@pytest.fixture
def row_reads(monkeypatch):
    """Identifiers whose licence row verification reads (through the driver: query capture cannot see it)."""
    seen = []
    real = verification._license_row

    def spy(identifier, moment):
        seen.append(identifier)
        return real(identifier, moment)

    monkeypatch.setattr(verification, "_license_row", spy)
    return seen


def _credential(issuer, lic):
    return services.license_credential(actor=issuer, identifier=lic.identifier, purpose="核验测试")


def _set(bits: bytes, index: int) -> bytes:
    out = bytearray(bits)
    vc.set_bit(out, index)
    return bytes(out)


def test_active_licence_verifies_without_reading_its_row(issue, issuer, row_reads):
    lic = issue()
    cred = _credential(issuer, lic)
    assert verification.verify_credential(cred).valid  # loads the list
    with CaptureQueriesContext(connection) as queries:
        outcome = verification.verify_credential(cred)
    assert outcome.valid and outcome.status == "active"
    assert row_reads == [] and not [q for q in queries.captured_queries if License._meta.db_table in q["sql"]]
    tampered = {**cred, "validFrom": "2020-01-01T00:00:00+08:00"}
    assert not verification.verify_credential(tampered).valid
    assert row_reads == [lic.identifier]  # a proof that fails still reports the licence's status


def test_revoked_and_superseded_are_read_from_the_row(issue, issuer, row_reads):
    revoked, changed = issue(), issue()
    cred_revoked = _credential(issuer, revoked)
    cred_changed = _credential(issuer, changed)
    assert verification.verify_credential(cred_revoked).valid and verification.verify_credential(cred_changed).valid
    services.license_revoke(actor=issuer, identifier=revoked.identifier, reason="以欺骗手段取得许可")
    services.license_change(actor=issuer, identifier=changed.identifier, fields={"address": "铁西区 2 号"})
    assert verification.verify_credential(cred_revoked).as_dict() == {
        "valid": False, "status": "revoked", "errors": ["revoked"]}
    assert verification.verify_credential(cred_changed).as_dict() == {
        "valid": False, "status": "superseded", "errors": ["superseded"]}
    assert row_reads == [revoked.identifier, changed.identifier]


def test_a_number_we_do_not_hold_is_looked_up_once(issue, issuer, row_reads):
    from zhitongche.licenses.identifiers import make_identifier

    cred = _credential(issuer, issue())
    unknown = make_identifier("210302", "SPJY", 2025)
    outcome = verification.verify_credential({**cred, "credentialSubject": {**cred["credentialSubject"],
                                                                             "licenseNumber": unknown}})
    assert not outcome.valid and row_reads == [unknown]
    with CaptureQueriesContext(connection) as queries:
        assert outcome.license_pk() is None  # for the usage log: the answer already says there is none
    assert queries.captured_queries == []


@pytest.fixture
def lists_file(tmp_path, django_db_blocker):
    """A SQLite file with one status list (id 7, all clear), the connection of "another process" to it, and a
    Django connection for this one."""
    path = tmp_path / "lists.sqlite3"
    other = sqlite3.connect(path)
    other.execute(f"CREATE TABLE {StatusList._meta.db_table} (id INTEGER PRIMARY KEY, bits BLOB, revision INTEGER)")
    other.execute(f"INSERT INTO {StatusList._meta.db_table} VALUES (7, ?, 1)", [bytes(16384)])  # noqa: S608
    other.commit()
    db = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}})["default"]
    with django_db_blocker.unblock():
        yield db, other
        db.close()
    other.close()


def test_sqlite_copy_follows_a_commit_of_another_connection(lists_file):
    db, other = lists_file
    assert statusbits.bit(7, 4242, db=db) is False
    assert statusbits.bit(7, 99, db=db) is False
    other.execute(f"UPDATE {StatusList._meta.db_table} SET bits = ?, revision = 2",  # noqa: S608
                  [_set(bytes(16384), 4242)])
    other.commit()
    assert statusbits.bit(7, 4242, db=db) is True
    assert statusbits.bit(7, 99, db=db) is False
    assert statusbits.bit(8, 1, db=db) is None  # no such list
    assert statusbits.bit(7, 16384 * 8, db=db) is None  # no such position


def test_a_check_vouches_for_the_copy_for_fresh_for(lists_file, monkeypatch):
    db, other = lists_file
    monkeypatch.setattr(statusbits, "FRESH_FOR", 3600)
    assert statusbits.bit(7, 4242, db=db) is False
    other.execute(f"UPDATE {StatusList._meta.db_table} SET bits = ?, revision = 2",  # noqa: S608
                  [_set(bytes(16384), 4242)])
    other.commit()
    assert statusbits.bit(7, 4242, db=db) is False  # within the window: not checked, the copy answers
    statusbits._copy.vouched_at -= 3600  # the window has passed
    assert statusbits.bit(7, 4242, db=db) is True


def test_bits_read_before_a_reload_are_not_kept(lists_file, monkeypatch):
    db, _ = lists_file
    real = statusbits._load

    def load_while_another_thread_reloads(list_id, db):
        loaded = real(list_id, db)
        statusbits._copy.generation += 1  # what a concurrent _reload_revisions does
        return loaded

    monkeypatch.setattr(statusbits, "_load", load_while_another_thread_reloads)
    assert statusbits.bit(7, 5, db=db) is False
    assert 7 not in statusbits._copy.bits


def test_a_failed_reload_forgets_the_copy(lists_file):
    db, other = lists_file
    assert statusbits.bit(7, 5, db=db) is False and 7 in statusbits._copy.bits
    other.execute(f"ALTER TABLE {StatusList._meta.db_table} RENAME TO gone")
    other.commit()
    with pytest.raises(DatabaseError):
        statusbits.bit(7, 5, db=db)
    assert statusbits._copy.bits == {}


postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="LISTEN/NOTIFY is PostgreSQL's")


def _other_connection():
    return psycopg.connect(**connection.get_connection_params())


def _delivered() -> None:
    """Wait (at most 10 s) until PostgreSQL has passed the notification on to this process's listener: it does
    so just after the commit, from the listening server process."""
    assert listen.wait(10)


def _list_with_bit_clear(index: int) -> StatusList:
    status_list = StatusList.objects.create(bits=bytes(16384), capacity=65536, revision=1)
    assert statusbits.bit(status_list.pk, index) is False
    return status_list


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_postgresql_copy_hears_a_commit_of_another_connection():
    status_list = _list_with_bit_clear(4242)
    with _other_connection() as other:
        other.execute(f"UPDATE {StatusList._meta.db_table} SET bits = %s, revision = 2 WHERE id = %s",  # noqa: S608
                      [_set(bytes(16384), 4242), status_list.pk])
        other.execute("SELECT pg_notify(%s, %s)", [statusbits.CHANNEL, str(status_list.pk)])
    _delivered()
    assert statusbits.bit(status_list.pk, 4242) is True


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_postgresql_copy_is_checked_again_after_a_while_even_unheard(monkeypatch):
    status_list = _list_with_bit_clear(11)
    with _other_connection() as other:
        other.execute(f"UPDATE {StatusList._meta.db_table} SET bits = %s, revision = 2 WHERE id = %s",  # noqa: S608
                      [_set(bytes(16384), 11), status_list.pk])
    assert statusbits.bit(status_list.pk, 11) is False  # nothing was said: the copy stands for now
    monkeypatch.setattr(statusbits, "CHECK_EVERY", 0.0)
    assert statusbits.bit(status_list.pk, 11) is True


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_postgresql_without_a_listener_the_row_decides(issue, issuer, monkeypatch, row_reads):
    lic = issue()
    cred = _credential(issuer, lic)
    assert statusbits.current()
    listen._state.listener.conn.close()  # the listener is lost
    assert statusbits.current() is False and statusbits.bit(lic.status_list_id, lic.status_index) is None
    assert verification.verify_credential(cred).valid
    assert row_reads == [lic.identifier]
    services.license_revoke(actor=issuer, identifier=lic.identifier, reason="注销")
    assert verification.verify_credential(cred).status == "revoked"
    monkeypatch.setattr(listen, "RETRY_AFTER", 0.0)
    assert statusbits.current() is True  # listening again


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_postgresql_revocation_in_another_process_is_seen_by_this_one(issue, issuer):
    lic = issue()
    cred = _credential(issuer, lic)
    assert verification.verify_credential(cred).valid
    env = {**os.environ, "DATABASE_URL": f"postgres://{connection.settings_dict['USER']}@"
           f"{connection.settings_dict['HOST']}:{connection.settings_dict['PORT']}/{connection.settings_dict['NAME']}",
           "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    script = ("import django; django.setup()\n"
              "from zhitongche.accounts.models import User\n"
              "from zhitongche.licenses import services\n"
              f"services.license_revoke(actor=User.objects.get(pk={issuer.pk}), identifier='{lic.identifier}', "
              "reason='另一进程吊销')\n")
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=120)  # noqa: S603
    _delivered()
    assert verification.verify_credential(cred).as_dict() == {"valid": False, "status": "revoked",
                                                              "errors": ["revoked"]}


def test_this_process_rereads_a_list_after_its_own_revocation_commits(issue, issuer,
                                                                      django_capture_on_commit_callbacks):
    lic = issue()
    assert verification.verify_credential(_credential(issuer, lic)).valid
    assert lic.status_list_id in statusbits._copy.bits
    with django_capture_on_commit_callbacks(execute=True):
        services.license_revoke(actor=issuer, identifier=lic.identifier, reason="以欺骗手段取得许可")
    # A thread that loaded the list before this commit cannot have left a stale copy behind.
    assert lic.status_list_id not in statusbits._copy.bits
    assert statusbits.bit(lic.status_list_id, lic.status_index) is True
