"""The rows behind API tokens, held in each process on PostgreSQL, so that an API call reads no token row.

Why this is safe: a database trigger (migration 0003) sends `NOTIFY ztc_auth` with every transaction that
updates or deletes users, regions or departments, or revokes, moves or deletes a token: all that the token
lookup reads. A cached row is used only while the process's listener (core/listen.py) has heard nothing on
the channel since the row was read, so a revocation, a deactivation or a change of role or scope is seen
by every process as soon as its notification arrives (on the project's machine: when the commit returns,
or within 23 µs). A row is also read again after MAX_AGE seconds whatever was heard.

Never used inside a transaction (its own uncommitted writes are not in the cache), nor without a listener
(SQLite, a transaction-pooling proxy, a lost connection): then every call reads the row, as before. A token
not found is never cached. Only the row is kept; each call builds its own user from it.
"""

import os
import time
from typing import Any

from zhitongche.core import listen

CHANNEL = "ztc_auth"
MAX_AGE = 10.0
MAX_ENTRIES = 10_000

listen.register(CHANNEL)

# key hash → (listener mark when read, monotonic time when read, the row as read)
_rows: dict[str, tuple[tuple[int, int], float, list[Any]]] = {}


def usable(db: Any) -> bool:
    """Whether a cached row may answer on this connection now (PostgreSQL, outside a transaction)."""
    return db.vendor == "postgresql" and not db.in_atomic_block


def get(db: Any, key_hash: str) -> tuple[list[Any] | None, tuple[int, int] | None]:
    """The token's row if held and still current (else None), and what the listener has heard now: a row read
    after this call is `put` under that mark, so that a change committed meanwhile moves it."""
    heard = listen.mark(CHANNEL, db) if usable(db) else None
    entry = _rows.get(key_hash)
    if entry is None or heard is None:
        return None, heard
    held_under, read_at, row = entry
    if held_under != heard or time.monotonic() - read_at > MAX_AGE:
        _rows.pop(key_hash, None)
        return None, heard
    return row, heard


def put(key_hash: str, heard: tuple[int, int] | None, row: list[Any]) -> None:
    """Hold a row read under `heard` (nothing is held when that is None)."""
    if heard is None:
        return
    if len(_rows) >= MAX_ENTRIES:
        _rows.clear()
    _rows[key_hash] = (heard, time.monotonic(), row)


def forget(key_hash: str) -> None:
    """Stop holding one token's row (its revocation by this process, which need not wait for the notification)."""
    _rows.pop(key_hash, None)


def clear() -> None:
    """Forget every row (tests, and a forked process: its listener has heard nothing yet)."""
    _rows.clear()


os.register_at_fork(after_in_child=clear)
