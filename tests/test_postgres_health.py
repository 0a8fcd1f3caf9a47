"""The PostgreSQL backend's health check (brobygger/lib/postgres): a quiet connection is
taken as alive without a query; one the server ended is replaced before the request uses
it, so the request after a restart still answers."""

from __future__ import annotations

import time
from typing import Any
from unittest import mock

import pytest
from django.db import connection, connections

from brobygger.testing import end_backend

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the PostgreSQL backend's own check"
)


def test_a_quiet_connection_is_alive_without_a_query(transactional_db):
    app: Any = connections["default"]
    app.ensure_connection()
    app.health_check_done = False
    with mock.patch.object(type(app), "is_usable", side_effect=AssertionError("asked")):
        app.close_if_health_check_failed()
    assert app.health_check_done
    assert app.connection is not None and not app.connection.closed


def test_a_connection_the_server_ended_is_replaced_before_the_request_uses_it(
    transactional_db, client
):
    assert client.get("/health/").json()["database"]["ok"] is True
    app: Any = connections["default"]
    pid = end_backend()
    deadline = time.monotonic() + 5
    while app.quiet() and time.monotonic() < deadline:  # the server's last word arrives
        time.sleep(0.01)
    assert not app.quiet()
    # What a request's start does in production (the test client leaves it out): the
    # connection is checked again before its first query.
    app.close_if_unusable_or_obsolete()
    # No outage: the check found the end and connected again before the request's query.
    assert client.get("/health/").json()["database"]["ok"] is True
    with app.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
