"""Django's PostgreSQL backend, checking a kept connection without a round trip when it is
quiet, and running the per-request statements prepared (issue 19).

Health check. With persistent connections and `CONN_HEALTH_CHECKS` (settings.py, issue
20), Django asks `SELECT 1` before the first query of every request: a third round trip
on a signed-in page that otherwise asks two (its session and its user), about a quarter
of the smallest page's time on PostgreSQL. A connection the server ended (a restart, a
failover, `pg_terminate_backend`) has something to read: the server's last message, or
the end of the stream. So when the connection is idle and its socket has nothing to
read, it is taken as alive without asking; otherwise Django's own check runs (and a
dead connection is closed and opened again, as before). A server that vanished without
a word (a cable pulled) is found by the first query, as with `SELECT 1`: that request
answers 503 (jobs/outage.py) and the connection is replaced after it.

Prepared statements. Every signed-in request reads its session and its user
(lib/prepared.py). The server spent more time planning the user's query, with its
subqueries, than running it: 0.35 ms of planning for 0.1 ms of work. `prepared_cursor()`
is a cursor whose statements the server prepares once per connection and then only
executes: the two queries took 0.3 ms of server and client time together instead of
0.5 ms (scratch measurement, scale 10). Only statements run through that cursor are
prepared; Django's own cursors bind on the client and prepare nothing, as before.

A prepared statement outlives a change of its table: when a migration changes the type
of a column it reads while the old processes still run (a deploy), the server refuses
it once ("cached plan must not change result type"). The cursor then drops the
connection's prepared statements and runs the statement again, prepared anew. Behind a
connection pooler in transaction mode that does not keep prepared statements per server
connection (PgBouncer before 1.21, or without `max_prepared_statements`), set
DB_PREPARED_STATEMENTS=0 (settings.py): the cursor then binds on the server and prepares
nothing.
"""

from __future__ import annotations

import select
from typing import Any

import psycopg
from django.db.backends.postgresql import base, operations
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg import errors
from psycopg.pq import Format, TransactionStatus

TIMESTAMPTZ_OID = psycopg.adapters.types["timestamptz"].oid
# What the server says when a prepared statement's result columns changed under it.
CHANGED_RESULT = "cached plan must not change result type"


class PreparingCursor(psycopg.Cursor[Any]):
    """Each statement prepared on the server on its first run on the connection (psycopg
    keeps the names, at most 100 per connection, the oldest deallocated first). Binds on
    the server, as Django's cursor for `server_side_binding` does."""

    def execute(
        self, query: Any, params: Any = None, *, prepare: bool | None = None, **kwargs: Any
    ) -> Any:
        try:
            return super().execute(query, params, prepare=True, **kwargs)
        except errors.FeatureNotSupported as error:
            # Out of a transaction nothing is lost: forget every prepared statement
            # (psycopg drops its names on DEALLOCATE ALL) and prepare this one anew.
            # In a transaction the error has ended it; it goes up as any error does.
            if (
                CHANGED_RESULT not in str(error)
                or self.connection.info.transaction_status != TransactionStatus.IDLE
            ):
                raise
            super().execute("DEALLOCATE ALL", prepare=False)
            return super().execute(query, params, prepare=True, **kwargs)


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor: Any, sql: str, params: Any) -> str:
        # The query log's text of a prepared statement, as Django gives it for statements
        # bound on the server (psycopg keeps no text of its own for them).
        if isinstance(cursor, PreparingCursor):
            return self.compose_sql(sql, params)
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

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

    def prepared_cursor(self) -> Any:
        """A cursor as `cursor()` gives (the same checks, wrappers and query log) whose
        statements the server prepares; `cursor()` itself when prepared statements are
        off (psycopg's prepare_threshold None, DB_PREPARED_STATEMENTS=0)."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        if self.connection.prepare_threshold is None:
            return self.cursor()
        with self.wrap_database_errors:
            cursor: Any = PreparingCursor(self.connection)  # (the stubs want it wrapped)
            # As Django's create_cursor(): the cursor's time zone when the connection's
            # differs (a test's TIME_ZONE override).
            loader = self.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
            if self.timezone != loader.timezone:
                register_tzloader(self.timezone, cursor)
            # As Django's _prepare_cursor(): the thread check, then the query log's
            # wrapper when queries are logged.
            self.validate_thread_sharing()
            if self.queries_logged:
                return self.make_debug_cursor(cursor)
            return self.make_cursor(cursor)
