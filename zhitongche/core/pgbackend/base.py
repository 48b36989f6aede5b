"""Django's PostgreSQL backend, with a cheaper health check of persistent connections.

Django checks a reused connection with `SELECT 1` at the start of every request (CONN_HEALTH_CHECKS): a round
trip to the server per request, about a tenth of an appeal read. A connection that the server has closed
(restart, `pg_terminate_backend`, an idle timeout) always has something to read first, the server's goodbye or
the end of the stream; an idle healthy one has nothing. So: nothing to read means usable, with no query; anything
to read and Django's own check decides.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    """The PostgreSQL backend whose health check reads the socket before it asks the server."""

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
