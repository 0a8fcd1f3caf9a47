"""PostgreSQL prepares the statements every request runs (lib/postgres/base.py): once per
connection, visible in the query log, prepared anew when a deploy changed a column under
them, and not at all when DB_PREPARED_STATEMENTS=0."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import NotSupportedError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from brobygger.accounts.models import Role, User
from brobygger.lib.prepared import Prepared
from brobygger.scheduling.tests.test_sms_backend import production_env
from brobygger.testing import make_user, run_project

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's prepared statements"
)

PROBE = "brobygger_prepared_probe"


def prepared_statements() -> list[str]:
    """The statements this connection has prepared on the server."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        return [statement for (statement,) in cursor.fetchall()]


@on_postgres
@pytest.mark.django_db
def test_a_prepared_query_is_prepared_once_and_logged_with_its_values() -> None:
    users = [make_user(f"prepstmt{n}", Role.PEER_WORKER) for n in range(3)]
    by_pk = Prepared(User, lambda pk: User.objects.filter(pk=pk), pk=(int, User._meta.pk))
    before = prepared_statements()
    with CaptureQueriesContext(connection) as queries:
        found = [by_pk.first(pk=user.pk) for user in users]
    assert [user.username for user in found if user] == [user.username for user in users]
    added = [s for s in prepared_statements() if s not in before]
    # One statement for the three runs (the users' keys are of one integer size), with
    # the server's placeholder where the key goes.
    assert len(added) == 1
    assert '"accounts_user"."username"' in added[0]
    assert '"accounts_user"."id" = $1' in added[0]
    # The query log shows each run with its own value, as for any other query.
    assert [q["sql"] for q in queries] == [
        by_pk.plan(connection).sql.replace("%s", str(user.pk)) for user in users
    ]


@on_postgres
@pytest.mark.django_db
def test_djangos_own_queries_are_not_prepared() -> None:
    before = prepared_statements()
    for n in range(6):  # more runs than psycopg's default count before it prepares
        list(User.objects.filter(username="nobody"))
        User.objects.filter(pk=n).exists()
    assert prepared_statements() == before


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_a_statement_whose_column_changed_under_it_is_prepared_anew() -> None:
    def label(row_id: int) -> Any:
        with connection.prepared_cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute(f"SELECT label FROM {PROBE} WHERE id = %s", [row_id])  # noqa: S608
            return cursor.fetchone()[0]

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {PROBE} (id integer PRIMARY KEY, label varchar(20))")
        cursor.execute(f"INSERT INTO {PROBE} VALUES (1, 'kaffe'), (2, 'te')")  # noqa: S608
    deploy = connections.create_connection("default")
    try:
        assert label(1) == "kaffe"
        # A deploy's migration changes the column's type from another connection while
        # this one keeps its prepared statement.
        with deploy.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {PROBE} ALTER COLUMN label TYPE text")
        assert label(2) == "te"
        assert label(1) == "kaffe"
        # In a transaction the server's refusal has ended it: it goes up, nothing retried.
        with deploy.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {PROBE} ALTER COLUMN label TYPE varchar(30)")
        with pytest.raises(NotSupportedError, match="cached plan"), transaction.atomic():
            label(1)
        assert label(1) == "kaffe"  # and out of it the next request is served
    finally:
        with deploy.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {PROBE}")
        deploy.close()


@pytest.mark.timeless  # the settings at start, not the date
def test_prepared_statements_can_be_turned_off_for_a_pooler() -> None:
    show = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['OPTIONS']['prepare_threshold'])"
    )
    url = "postgres://brobygger@db.example.dk:5432/brobygger"
    on = run_project(["-c", show], production_env(DATABASE_URL=url))
    off = run_project(["-c", show], production_env(DATABASE_URL=url, DB_PREPARED_STATEMENTS="0"))
    assert on.returncode == 0, on.stderr
    assert off.returncode == 0, off.stderr
    assert int(on.stdout) > 1_000_000  # only statements asked for are prepared
    assert off.stdout.strip() == "None"


@on_postgres
@pytest.mark.django_db
def test_with_preparing_off_the_cursor_prepares_nothing() -> None:
    connection.ensure_connection()
    raw: Any = connection.connection
    by_pk = Prepared(User, lambda pk: User.objects.filter(pk=pk), pk=(int, User._meta.pk))
    user = make_user("prepoff", Role.PEER_WORKER)
    threshold = raw.prepare_threshold
    raw.prepare_threshold = None  # as DB_PREPARED_STATEMENTS=0 connects
    try:
        for _ in range(3):
            assert by_pk.first(pk=user.pk) is not None
        assert not [s for s in prepared_statements() if '"accounts_user"."username"' in s]
    finally:
        raw.prepare_threshold = threshold
