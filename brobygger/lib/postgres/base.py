"""Django's PostgreSQL backend, checking a kept connection without a round trip when it is
quiet (issue 19).

With persistent connections and `CONN_HEALTH_CHECKS` (settings.py, issue 20), Django asks
`SELECT 1` before the first query of every request: a third round trip on a signed-in
page that otherwise asks two (its session and its user), about a quarter of the smallest
page's time on PostgreSQL. A connection the server ended (a restart, a failover,
`pg_terminate_backend`) has something to read: the server's last message, or the end of
the stream. So when the connection is idle and its socket has nothing to read, it is
taken as alive without asking; otherwise Django's own check runs (and a dead connection
is closed and opened again, as before). A server that vanished without a word (a cable
pulled) is found by the first query, as with `SELECT 1`: that request answers 503
(jobs/outage.py) and the connection is replaced after it.
"""

from __future__ import annotations

import select
from typing import Any

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self) -> None:
        # (health_check_enabled and _done are Django's, unknown to its type stubs.)
        state: Any = self
        if (
            self.connection is not None
            and state.health_check_enabled
            and not state.health_check_done
            and self.quiet()
        ):
            state.health_check_done = True
            return
        super().close_if_health_check_failed()

    def quiet(self) -> bool:
        """Open, idle, and nothing from the server waiting to be read."""
        connection = self.connection
        if connection is None or connection.closed:
            return False
        if connection.info.transaction_status != TransactionStatus.IDLE:
            return False
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable
