"""Our status lists' revocation bits held in each process, kept current, so that verifying an active licence
of ours reads no row.

Why this is enough: a credential whose proof holds under one of our keys was built by us from a licence row,
so its `licenseNumber`, `validUntil` and status slot are that row's. The only fact about it that can change
afterwards is that it stops being active (revoked or superseded), and both set its bit, which is never cleared.
A clear bit therefore means active (or expired, by the signed `validUntil`); a set bit sends the verifier to the
row to tell revoked from superseded. A stale *set* bit (from a change that rolled back) only costs that lookup;
a stale *clear* bit would be wrong, so every copy is checked against commits of other processes:

- SQLite: `PRAGMA data_version` changes on this connection whenever another connection commits; then the lists'
  `revision` values are read again (one small query) and the lists whose revision moved are dropped.
- PostgreSQL: a bit change sends `NOTIFY ztc_status_lists` with its transaction; the process's listener
  (core/listen.py) is asked before trusting a copy, and the revisions are read again when anything arrived, and
  at least every CHECK_EVERY seconds. While there is no listener, `current()` answers False and the verifier reads
  the row, as before.
- Any other engine: never trusted.

A check vouches for the copy for FRESH_FOR (1 ms): a verification within that time of the last successful check
by this process uses the copy without checking again. On the hot path a check costs more than a tenth of an
Ed25519 verify (SQLite's `PRAGMA data_version` takes a shared-memory read lock, and finding the thread's
connection costs as much again); under load the window spares nearly all of them, and idle it changes nothing.
So a change committed by *another* process is seen by every verification that starts 1 ms after the commit
(PostgreSQL: after its notification arrives, see above).

The writing process sets the bit in its own copy at once (`noted`), so it sees its own change before committing.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from zhitongche.core import listen

from . import vc
from .models import StatusList

CHANNEL = "ztc_status_lists"
CHECK_EVERY = 30.0
FRESH_FOR = 0.001
_TABLE = StatusList._meta.db_table
_REVISIONS_SQL = f"SELECT id, revision FROM {_TABLE}"  # noqa: S608
_BITS_SQL = f"SELECT bits, revision FROM {_TABLE} WHERE id = %s"  # noqa: S608

listen.register(CHANNEL)


class _Copy:
    """This process's copy: bits and revision per list, and what vouches for it."""

    def __init__(self) -> None:
        self.bits: dict[int, bytearray] = {}
        self.revisions: dict[int, int] = {}
        self.sqlite_conn: Any = None  # the SQLite connection whose data_version was last read
        self.data_version: Any = None
        self.mark: tuple[int, int] | None = None  # what the listener had heard when the revisions were last read
        self.checked_at = 0.0
        self.vouched_at = -FRESH_FOR  # when current() last answered True
        # Moves with every reload: bits read before a reload may be stale and are not kept.
        self.generation = 0
        self.lock = threading.Lock()


_copy = _Copy()


def _after_fork() -> None:
    global _copy
    _copy = _Copy()


os.register_at_fork(after_in_child=_after_fork)


def _reload_revisions(db: Any) -> None:
    """Drop every list whose revision moved (or that is gone); they are read again when asked for. On failure
    drop them all: what called for the reload (a notification) is spent."""
    _copy.generation += 1
    try:
        with db.cursor() as cursor:
            cursor.execute(_REVISIONS_SQL)
            now = dict(cursor.fetchall())
    except BaseException:
        _forget_all()
        raise
    for list_id, revision in list(_copy.revisions.items()):
        if now.get(list_id) != revision:
            _copy.bits.pop(list_id, None)
            _copy.revisions.pop(list_id, None)


def _drop(list_id: int) -> None:
    with _copy.lock:
        _copy.generation += 1
        _copy.bits.pop(list_id, None)
        _copy.revisions.pop(list_id, None)


def _forget_all() -> None:
    _copy.generation += 1
    _copy.bits.clear()
    _copy.revisions.clear()


def _load(list_id: int, db: Any) -> tuple[bytearray, int] | None:
    """A list's bits and revision as stored now, or None if there is no such list."""
    with db.cursor() as cursor:
        cursor.execute(_BITS_SQL, [list_id])
        row = cursor.fetchone()
    return (bytearray(row[0]), row[1]) if row else None


def _bit_of(bits: bytearray, index: int) -> bool | None:
    return vc.get_bit(bits, index) if 0 <= index < len(bits) * 8 else None


def current(db: Any = None) -> bool:
    """Bring the copy up to date with what other connections committed; False if it cannot be vouched for."""
    db = db or connections[DEFAULT_DB_ALIAS]
    began = time.monotonic()  # the copy is vouched for as of the check's start
    if _vouch(db):
        _copy.vouched_at = began
        return True
    return False


def _vouch(db: Any) -> bool:
    """current() itself: the engine's check."""
    if db.connection is None:
        db.ensure_connection()
    if db.vendor == "sqlite":
        raw = db.connection
        version = raw.execute("PRAGMA data_version").fetchone()[0]
        if raw is not _copy.sqlite_conn or version != _copy.data_version:
            with _copy.lock:
                # data_version values of different connections are not comparable: a new one re-reads.
                _reload_revisions(db)
                _copy.sqlite_conn, _copy.data_version = raw, version
        return True
    if db.vendor == "postgresql":
        return _postgresql_current(db)
    return False


def _postgresql_current(db: Any) -> bool:
    with _copy.lock:  # the mark taken inside, so that no thread records an older mark over a newer one
        heard = listen.mark(CHANNEL, db)
        if heard is None:
            return False
        if heard != _copy.mark or time.monotonic() - _copy.checked_at > CHECK_EVERY:
            if _copy.mark is None or heard[0] != _copy.mark[0]:
                _forget_all()  # a new listener: nothing was heard while no one listened, and nothing is left to check
            else:
                _reload_revisions(db)
            _copy.mark, _copy.checked_at = heard, time.monotonic()
    return True


def bit(list_id: int, index: int, db: Any = None) -> bool | None:
    """The revocation bit at `index` of our list `list_id` as of now, from this process's copy; None if there is
    no such list or position, or the copy cannot be vouched for (`current()` is False)."""
    if time.monotonic() - _copy.vouched_at >= FRESH_FOR:
        db = db or connections[DEFAULT_DB_ALIAS]
        if not current(db):
            return None
    bits = _copy.bits.get(list_id)
    if bits is None:
        db = db or connections[DEFAULT_DB_ALIAS]
        generation = _copy.generation
        loaded = _load(list_id, db)
        if loaded is None:
            return None
        bits = loaded[0]
        with _copy.lock:
            if _copy.generation == generation:  # no reload since the read, which may then have missed a change
                _copy.bits[list_id], _copy.revisions[list_id] = loaded
    return _bit_of(bits, index)


def stored_bit(list_id: int, index: int, db: Any = None) -> bool | None:
    """The revocation bit as stored now, read from the database (None if there is no such list or position)."""
    loaded = _load(list_id, db or connections[DEFAULT_DB_ALIAS])
    return _bit_of(loaded[0], index) if loaded else None


def noted(list_id: int, index: int, db: Any = None) -> None:
    """Called by the transaction that sets a bit: this process sees it at once, other processes are told
    when it commits."""
    db = db or connections[DEFAULT_DB_ALIAS]
    bits = _copy.bits.get(list_id)
    if bits is not None and 0 <= index < len(bits) * 8:
        vc.set_bit(bits, index)
    # Another thread may load the list before this commit and store it after, with the bit still clear; this
    # connection's own commit moves neither its data_version nor (if the list was not held) anything else, so
    # the list is dropped once the commit is done and read again when asked for.
    transaction.on_commit(functools.partial(_drop, list_id), using=db.alias)
    listen.notify(CHANNEL, str(list_id), db)


def reset() -> None:
    """Forget the copy (tests that swap databases)."""
    with _copy.lock:
        _copy.mark = None
        _copy.sqlite_conn = _copy.data_version = None
        _copy.vouched_at = -FRESH_FOR
        _forget_all()
