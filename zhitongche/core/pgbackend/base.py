"""Django's PostgreSQL backend, with a cheaper health check of persistent connections and batches that fit
server-side binding.

Django checks a reused connection with `SELECT 1` at the start of every request (CONN_HEALTH_CHECKS): a round
trip to the server per request, about a tenth of an appeal read. A connection that the server has closed
(restart, `pg_terminate_backend`, an idle timeout) always has something to read first, the server's goodbye or
the end of the stream; an idle healthy one has nothing. So: nothing to read means usable, with no query; anything
to read and Django's own check decides.

With server-side binding (settings: `server_side_binding`) one statement carries at most 65,535 parameters, and
Django, which assumes PostgreSQL has no limit, would send a `bulk_create`, `bulk_update` or a deletion's related
lookups of more objects in one statement and fail. Here the limit is set where Django keeps it (features.
max_query_params), and those are cut into batches that fit.
"""

import select
from typing import Any

from django.db.backends.postgresql import base, operations

MAX_PARAMS = 65535


class DatabaseOperations(operations.DatabaseOperations):
    """Django's PostgreSQL operations with batch sizes bounded by the wire protocol's parameter limit."""

    def bulk_batch_size(self, fields: Any, objs: Any) -> int:
        """Objects per statement; each field counted twice, as `bulk_update` sends a key and a value per field."""
        limit = self.connection.features.max_query_params
        if not limit or not fields:
            return int(super().bulk_batch_size(fields, objs))
        return max(1, limit // (2 * len(fields)))


class DatabaseWrapper(base.DatabaseWrapper):
    """The PostgreSQL backend whose health check reads the socket before it asks the server."""

    ops_class = DatabaseOperations

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.settings_dict.get("OPTIONS", {}).get("server_side_binding"):
            # Where Django keeps a backend's limit (SQLite's, Oracle's): in_bulk() reads it too.
            self.features.max_query_params = MAX_PARAMS

    def is_usable(self) -> bool:
        """True when the connection can be reused; a query only when the socket has something to say."""
        conn = self.connection
        if conn is None or conn.closed or conn.broken:
            return False
        try:
            poll = select.poll()  # not select(): it fails on descriptors above 1023
            poll.register(conn.fileno(), select.POLLIN)
            ready = poll.poll(0)
        except (OSError, ValueError):
            return False
        return not ready or bool(super().is_usable())
