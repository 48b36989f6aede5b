"""The token rows held in each process (tokencache.py): used only while nothing that the lookup reads has changed,
as told by the trigger's notification; never inside a transaction, never without a listener."""

import psycopg
import pytest
from django.db import connection, transaction

from zhitongche.accounts import tokencache
from zhitongche.accounts.models import LOGIN_BOOKKEEPING, ApiToken, User
from zhitongche.accounts.services import token_authenticate, token_create, token_revoke, user_create
from zhitongche.core import listen

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="LISTEN/NOTIFY is PostgreSQL's")


@pytest.fixture(autouse=True)
def nothing_held():
    tokencache.clear()
    listen.reset()
    yield
    tokencache.clear()
    listen.reset()


@pytest.fixture
def holder(transactional_db):
    """A district bureau officer with a token, used once (so the row is held where it can be)."""
    user, _ = user_create(actor="test", username="cache_officer", role="bureau", password="Ztc-test-2026!",
                          region="210302")
    token, raw = token_create(actor="test", user=user)
    assert token_authenticate(raw) == user
    return user, token, raw


def _elsewhere(sql: str, params: list) -> None:
    """Commit `sql` on another connection (another process would do the same), then wait until this process's
    listener has been told (PostgreSQL passes it on just after the commit)."""
    with psycopg.connect(**connection.get_connection_params()) as other:
        other.execute(sql, params)
    assert listen.wait(10)


@postgresql_only
def test_a_held_row_answers_without_a_query(holder, django_assert_num_queries):
    user, _, raw = holder
    with django_assert_num_queries(0):
        again = token_authenticate(raw)
    assert again == user and again is not user  # a user of its own for each call
    assert again.region.code == "210302" and again.region.level == "county"


@postgresql_only
@pytest.mark.parametrize(("sql", "refused"), [
    ("UPDATE accounts_apitoken SET revoked_at = now() WHERE id = %(token)s", True),
    ("DELETE FROM accounts_apitoken WHERE id = %(token)s", True),
    ("UPDATE accounts_user SET is_active = false WHERE id = %(user)s", True),
    ("UPDATE accounts_user SET region_id = '210303' WHERE id = %(user)s", False),
])
def test_a_change_committed_elsewhere_is_seen_on_the_next_call(holder, sql, refused):
    user, token, raw = holder
    _elsewhere(sql, {"token": token.pk, "user": user.pk})
    found = token_authenticate(raw)
    if refused:
        assert found is None
    else:
        assert found.region_id == "210303"  # the new scope, not the held one


@postgresql_only
def test_a_revocation_by_this_process_is_seen_once_committed(holder):
    user, token, raw = holder
    token_revoke(actor=user, token=token)
    assert listen.wait(10)
    assert token_authenticate(raw) is None


@postgresql_only
def test_this_process_refuses_its_own_revocation_before_the_notification_arrives(holder, monkeypatch):
    user, token, raw = holder
    heard = listen.mark(tokencache.CHANNEL, connection)
    monkeypatch.setattr(listen, "mark", lambda channel, db: heard)  # the notification has not arrived yet
    token_revoke(actor=user, token=token)
    assert token_authenticate(raw) is None


@postgresql_only
def test_the_last_used_stamp_does_not_unsettle_the_rows(holder, django_assert_num_queries):
    _, token, raw = holder
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=None)  # as if unused for a while: the next call stamps
    assert not listen.wait(0.2)  # the stamp tells no one
    with django_assert_num_queries(0):
        assert token_authenticate(raw) is not None  # held, and its own stamp (a minute old at most) is current


@postgresql_only
def test_rows_are_read_again_after_max_age_or_without_a_listener(holder, monkeypatch, django_assert_num_queries):
    _, _, raw = holder
    monkeypatch.setattr(tokencache, "MAX_AGE", 0.0)
    with django_assert_num_queries(1):
        assert token_authenticate(raw) is not None
    monkeypatch.setattr(tokencache, "MAX_AGE", 10.0)
    listen._state.listener.conn.close()  # the listener is lost: nothing held may answer
    with django_assert_num_queries(1):
        assert token_authenticate(raw) is not None
    with django_assert_num_queries(1):
        assert token_authenticate(raw) is not None


def test_inside_a_transaction_or_on_sqlite_every_call_reads_the_row(holder, django_assert_num_queries):
    user, _, raw = holder
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=False)  # not committed, not told: only this transaction sees it
        assert token_authenticate(raw) is None
        transaction.set_rollback(True)
    if connection.vendor != "postgresql":
        with django_assert_num_queries(1):
            assert token_authenticate(raw) == user


@postgresql_only
def test_the_triggers_are_in_place(transactional_db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE '%%_auth_changed'")
        tables = {name for (name,) in cursor.fetchall()}
    assert tables == {"accounts_user", "accounts_apitoken", "regions_division", "regions_department"}


@postgresql_only
def test_the_user_trigger_watches_every_column_the_lookup_reads(transactional_db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT a.attname FROM pg_trigger t JOIN pg_attribute a ON a.attrelid = t.tgrelid "
                       "AND a.attnum = ANY(t.tgattr) WHERE t.tgname = 'accounts_user_auth_changed'")
        watched = {name for (name,) in cursor.fetchall()}
    read = {f.column for f in User._meta.concrete_fields if f.name not in LOGIN_BOOKKEEPING}
    assert watched == read


@postgresql_only
def test_logins_leave_the_rows_held_and_the_held_user_loads_them_fresh(holder, django_assert_num_queries):
    user, _, raw = holder
    with psycopg.connect(**connection.get_connection_params()) as other:
        other.execute("UPDATE accounts_user SET last_login = now(), failed_logins = 3 WHERE id = %s", [user.pk])
    assert not listen.wait(0.2)  # a login tells no one
    with django_assert_num_queries(0):
        held = token_authenticate(raw)
    assert held == user
    with django_assert_num_queries(2):
        assert held.failed_logins == 3 and held.last_login is not None  # deferred: each read when asked for
    _elsewhere("UPDATE accounts_user SET display_name = '改名', failed_logins = 0 WHERE id = %(user)s", {"user": user.pk})
    assert token_authenticate(raw).display_name == "改名"  # any other column still tells every process
