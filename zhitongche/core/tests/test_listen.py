"""The process's listener (core/listen.py): a mark moves with every notification of its channel, a new listener
starts a new epoch, nothing is trusted without one, and a failing one is retried ever less often."""

from types import SimpleNamespace

import psycopg
import pytest
from django.db import connection

from zhitongche.core import listen

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="LISTEN/NOTIFY is PostgreSQL's")
CHANNEL = "ztc_test_channel"


@pytest.fixture(autouse=True)
def fresh_listener():
    listen.reset()
    listen.register(CHANNEL)
    yield
    listen.reset()
    listen._channels.discard(CHANNEL)


def test_other_engines_trust_nothing():
    assert listen.mark(CHANNEL, SimpleNamespace(vendor="sqlite")) is None


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_mark_moves_with_each_commit_that_notifies_its_channel():
    first = listen.mark(CHANNEL)
    assert first is not None and listen.mark(CHANNEL) == first  # nothing said: the mark stands
    with psycopg.connect(**connection.get_connection_params()) as other:
        other.execute("SELECT pg_notify(%s, 'x')", ["ztc_another_channel"])
        other.execute("SELECT pg_notify(%s, 'x')", [CHANNEL])
    assert listen.wait(10)
    moved = listen.mark(CHANNEL)
    assert moved == (first[0], first[1] + 1)
    with psycopg.connect(**connection.get_connection_params()) as other:
        other.execute("BEGIN")
        other.execute("SELECT pg_notify(%s, 'rolled back')", [CHANNEL])
        other.execute("ROLLBACK")
    assert not listen.wait(0.2) and listen.mark(CHANNEL) == moved  # only commits are told


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_lost_listener_trusts_nothing_until_a_new_one_starts_a_new_epoch(monkeypatch):
    epoch, _ = listen.mark(CHANNEL)
    listen._state.listener.conn.close()
    assert listen.mark(CHANNEL) is None
    assert listen.mark(CHANNEL) is None  # not retried at once
    monkeypatch.setattr(listen, "RETRY_AFTER", 0.0)
    again = listen.mark(CHANNEL)
    assert again is not None and again[0] == epoch + 1
    listen._state.listener.close()  # (a forked child leaves its parent's open; this process must not)
    listen._after_fork()  # what a forked worker starts with: no listener, and no epoch of its parent's again
    child = listen.mark(CHANNEL)
    assert child is not None and child[0] == epoch + 2


def test_a_listener_that_keeps_failing_is_tried_ever_less_often(monkeypatch):
    attempts = []

    def refuse(db, channels):
        attempts.append(1)
        raise OSError("no LISTEN behind this proxy")

    monkeypatch.setattr(listen, "_Listener", refuse)
    db = SimpleNamespace(vendor="postgresql")
    assert listen.mark(CHANNEL, db) is None and len(attempts) == 1
    listen._state.failed_at -= listen.RETRY_AFTER + 1  # one plain wait has passed
    assert listen.mark(CHANNEL, db) is None and len(attempts) == 1  # the second wait is twice as long
    listen._state.failed_at -= listen.RETRY_AFTER
    assert listen.mark(CHANNEL, db) is None and len(attempts) == 2


def test_while_one_thread_connects_the_others_read_the_database_instead_of_waiting(monkeypatch):
    import threading

    inside, go = threading.Event(), threading.Event()

    class Slow:
        def __init__(self, db, channels):
            inside.set()
            assert go.wait(10)

        def drain(self, heard):
            pass

        def close(self):
            pass

    monkeypatch.setattr(listen, "_Listener", Slow)
    db = SimpleNamespace(vendor="postgresql")
    first = []
    connecting = threading.Thread(target=lambda: first.append(listen.mark(CHANNEL, db)))
    connecting.start()
    assert inside.wait(10)
    try:
        assert listen.mark(CHANNEL, db) is None  # at once, not after the connection
    finally:
        go.set()
        connecting.join(10)
    assert first and first[0] is not None and listen.mark(CHANNEL, db) == first[0]
