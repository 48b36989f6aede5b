"""Hearing other processes' commits on PostgreSQL, for the copies a process keeps of data it reads on every request.

Each process keeps one extra connection that LISTENs on the channels its copies registered (`register`). A write
that may change what a copy holds sends `NOTIFY` on the copy's channel with its transaction, so the notification
goes out when the write commits. Before trusting its copy, a reader calls `mark(channel)`: it polls the socket
(no thread, no query), counts what arrived, and answers what this process has heard on the channel so far. A
copy taken under one mark is current for as long as the mark stays the same. The server passes a notification on
just after the commit (on the project's machine: already readable when the commit returned in 289 of 300 tries,
else within 23 µs).

`mark` answers None when nothing may be trusted: another engine than PostgreSQL, a listener that could not
connect or was lost, or one that could not hear its own test notification (behind a transaction-pooling proxy).
Then every reader reads the database as if it kept no copy, as do the other threads while one connects the
listener. A failed listener is retried ever less often. Each
new listener starts a new epoch, which is part of the mark: nothing was heard while no one listened.

Users: the licence status bits (licenses/statusbits.py) and the API token cache (accounts/tokencache.py).
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import threading
import time
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

RETRY_AFTER = 10.0
RETRY_AT_MOST_EVERY = 600.0  # a listener that keeps failing (say behind pgbouncer) is retried ever less often

PROBE = "ztc_listener_probe"  # the listener's test of itself; no copy listens to it

log = logging.getLogger(__name__)
_channels: set[str] = {PROBE}


def register(channel: str) -> None:
    """Listen on `channel` from now on (at import time of the module keeping the copy). A listener already
    connected is dropped, so that the next `mark` connects anew, on every channel, in a new epoch."""
    with _state.lock:
        if channel not in _channels:
            _channels.add(channel)
            _drop()


class _Deaf(OSError):
    """The listener connected but cannot hear (behind a transaction-pooling proxy): it will not improve soon."""


class _Listener:
    """A PostgreSQL connection listening on every registered channel."""

    def __init__(self, db: Any, channels: set[str]) -> None:
        params = db.get_connection_params()
        # A listener whose peer vanished silently would never hear again: keepalives notice it.
        params.update(keepalives=1, keepalives_idle=30, keepalives_interval=10, keepalives_count=3, connect_timeout=2)
        self.conn = db.Database.connect(**params, autocommit=True)
        try:
            for channel in sorted(channels):
                self.conn.execute(f'LISTEN "{channel}"')
            # A listener that cannot hear its own notification (behind a transaction-pooling proxy) is no listener.
            self.conn.execute("SELECT pg_notify(%s, '')", [PROBE])
            if not list(self.conn.notifies(timeout=1, stop_after=1)):
                raise _Deaf("listener did not hear its own notification")
        except BaseException:
            self.close()
            raise
        self.poll = select.poll()
        self.poll.register(self.conn.fileno(), select.POLLIN)

    def drain(self, heard: dict[str, int]) -> None:
        """Count the notifications that arrived; raises OSError or psycopg's error when the connection is closed."""
        if not self.poll.poll(0):
            return
        for notice in self.conn.notifies(timeout=0):
            heard[notice.channel] = heard.get(notice.channel, 0) + 1
        if self.conn.closed:
            raise OSError("listener closed")

    def close(self) -> None:
        """Close the connection, ignoring errors."""
        with contextlib.suppress(Exception):  # closing a broken connection
            self.conn.close()


class _State:
    """This process's listener and what it heard."""

    def __init__(self) -> None:
        self.listener: _Listener | None = None
        self.epoch = 0
        self.heard: dict[str, int] = {}
        self.failed_at = -RETRY_AFTER
        self.failures = 0  # failed attempts in a row: each doubles the wait before the next
        self.lock = threading.Lock()  # the listener, the epoch and what was heard
        self.connecting = threading.Lock()  # one thread connects; the others read the database meanwhile


_state = _State()


def _after_fork() -> None:
    # A fresh state: the parent's listener is the parent's (psycopg closes a connection only in the process that
    # opened it, so dropping it here is safe). The epochs go on from the parent's, so that no mark a copy took in
    # the parent can come round again here.
    global _state
    epoch = _state.epoch
    _state = _State()
    _state.epoch = epoch


os.register_at_fork(after_in_child=_after_fork)


def mark(channel: str, db: Any = None) -> tuple[int, int] | None:
    """What this process has heard on `channel` so far, as (listener epoch, notifications), or None when nothing
    may be trusted (see the module's docstring)."""
    db = db or connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql":
        return None
    if _state.listener is None and not _connect(db):
        return None
    with _state.lock:
        if _state.listener is None:  # dropped meanwhile (register, reset)
            return None
        try:
            _state.listener.drain(_state.heard)
        except Exception:  # noqa: BLE001 — a lost listener means: read the database instead
            log.warning("listener lost; reading the database until it is back", exc_info=True)
            _drop()
            _state.failed_at = time.monotonic()
            return None
        return _state.epoch, _state.heard.get(channel, 0)


def _connect(db: Any) -> bool:
    """Connect a listener, unless one is due later or another thread is connecting (False: read the database).

    Outside the state's lock: connecting can take seconds, which would hold up every request of the process."""
    if not _state.connecting.acquire(blocking=False):
        return False
    try:
        if _state.listener is not None:  # another thread connected it meanwhile
            return True
        wait = min(RETRY_AFTER * 2 ** min(_state.failures, 16), RETRY_AT_MOST_EVERY)
        if time.monotonic() - _state.failed_at < wait:
            return False
        channels = frozenset(_channels)
        try:
            listener = _Listener(db, set(channels))
        except Exception as exc:  # noqa: BLE001 — any failure to listen means: read the database instead
            log.warning("listener could not connect; reading the database", exc_info=True)
            _state.failed_at = time.monotonic()
            # A deaf listener will not improve soon: it is tried again only at the longest wait.
            _state.failures = 16 if isinstance(exc, _Deaf) else _state.failures + 1
            return False
        with _state.lock:
            if channels != _channels:  # a channel registered meanwhile: the next call listens on it too
                listener.close()
                return False
            _state.listener = listener
            _state.failures = 0
            _state.epoch += 1
            _state.heard.clear()
        return True
    finally:
        _state.connecting.release()


def _drop() -> None:
    if _state.listener is not None:
        _state.listener.close()
    _state.listener = None


def notify(channel: str, payload: str = "", db: Any = None) -> None:
    """Tell every process's listener, when the current transaction commits (at once outside one)."""
    db = db or connections[DEFAULT_DB_ALIAS]
    if db.vendor == "postgresql":
        with db.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [channel, payload])


def wait(timeout: float) -> bool:
    """Wait until something arrives for this process's listener (tests: a commit of another connection has been
    passed on); False without a listener or when nothing came."""
    listener = _state.listener
    return bool(listener and listener.poll.poll(int(timeout * 1000)))


def reset() -> None:
    """Close the listener and forget what it heard (tests that swap databases, the test session's end)."""
    with _state.lock:
        _drop()
        _state.heard.clear()
        _state.failed_at, _state.failures = -RETRY_AFTER, 0
