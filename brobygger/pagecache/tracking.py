"""Which tables a request reads, and which tables a transaction changed: the page cache's
facts (keep.py), observed on every statement Django sends, whoever sends it.

An execute wrapper on each database connection (`install`) sees every statement that goes
through Django: the ORM, `bulk_create`, `QuerySet.update()` and `.delete()`, raw SQL on
`connection.cursor()`, lib/prepared.py and lib/rows.py alike. So no path can change a table
without counting, not even a write that bypasses the services.

- A write (INSERT, UPDATE, DELETE) to a table counts one change of it (`bump`: its row in
  TableVersion goes up by one) after the transaction that made it has committed; a write
  outside a transaction, right after the statement. Bumping after the commit, not in the
  transaction, keeps writers from waiting for each other on the counter row; it is safe
  because a reader reads the counters before the data (keep.py): a reader that sees the
  new count reads the data after the commit, and one that saw the old count stored its
  page under the old count, which no later reader asks for. A process that dies between
  its commit and its bump leaves pages current for at most PAGE_CACHE_SECONDS.
  `PAGE_CACHE_BUMP_AT_ONCE` (the test suite: its transactions never commit) bumps inside
  the transaction instead, which is stronger, only slower under concurrent writers.
- TRUNCATE counts a change of each table it empties. A change of the schema (CREATE,
  ALTER, DROP) counts nothing: it comes with new code, and so with new processes, whose
  memory holds no page.
- Inside a request, a read notes its tables (every table of the project it names, see
  `parse`; any statement not known to read nothing counts as a read) in the request's
  `Reading`, with whether the request wrote a counted table, and until when
  what it read is current (`current_until`, for rows that end by time, not by a write).

Not counted (UNTRACKED): the access log, which every page writes, the sessions, and the
counters themselves. A page that reads the access log is never kept; the session is part
of a kept page's key instead (keep.py).
"""

from __future__ import annotations

import datetime
import functools
import json
import logging
import re
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import DatabaseError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.db.models import Expression, TextField

from brobygger.lib.prepared import prepared_cursor

logger = logging.getLogger(__name__)

ALL = "*"  # a row every kept page depends on (`bump_all`)
TABLE = "pagecache_tableversion"
SESSIONS = "accounts_session"  # accounts.models.Session
UNTRACKED = frozenset(
    {
        "audit_accesslogentry",
        "audit_accessloglist",
        "audit_accessloglistperson",
        SESSIONS,
        TABLE,
    }
)
# Read by every request, and part of a kept page's key (the session) or its machinery.
KEYED = frozenset({SESSIONS, TABLE})

_BUMP = (
    f'INSERT INTO "{TABLE}" ("name", "version") VALUES {{rows}} '  # noqa: S608 (our own names)
    f'ON CONFLICT ("name") DO UPDATE SET "version" = "{TABLE}"."version" + 1'
)
_READ_ALL = f'SELECT "name", "version" FROM "{TABLE}"'  # noqa: S608 (our own names)
_READ_SOME = _READ_ALL + ' WHERE "name" IN ({marks})'

READ, WRITE, OTHER = "read", "write", "other"
_WRITE = re.compile(
    r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.I
)
# A write inside a WITH: the statement's own verb comes after its common table expressions.
_WRITE_AFTER_WITH = re.compile(r'\)\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.I)
_TRUNCATE = re.compile(r"\s*TRUNCATE\b", re.I)
_QUOTED = re.compile(r'"(\w+)"')
# Statements that read no table's rows; any other statement counts as a read.
_OTHER = re.compile(
    r"\s*(?:SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT|END|SET|RESET|PRAGMA|SHOW|CREATE|ALTER|"
    r"DROP|COMMENT|LOCK|GRANT|REVOKE|ANALYZE|VACUUM|DEALLOCATE|DISCARD)\b",
    re.I,
)
_WORDS = re.compile(r"\w+")


@dataclass
class Reading:
    """What one request has read and written so far (reset as each request starts)."""

    tables: set[str] = field(default_factory=set)
    wrote: bool = False
    until: datetime.datetime | None = None


_reading: ContextVar[Reading | None] = ContextVar("brobygger_pagecache_reading", default=None)


def reading() -> Reading | None:
    """The current request's reading, or None outside a request (commands, jobs, a view
    called directly by a test)."""
    return _reading.get()


def current_until(moment: datetime.datetime) -> None:
    """What this request has read stops being current at `moment` without any write (a
    grant that expires): a page kept from it is kept until then at most."""
    state = _reading.get()
    if state is not None and (state.until is None or moment < state.until):
        state.until = moment


@functools.lru_cache(maxsize=4096)
def parse(sql: str) -> tuple[str, tuple[str, ...]]:
    """(kind, tables) of a statement: the table a write changes; for a read, every table of
    the project the statement names anywhere (after FROM or JOIN, in a subquery, a union,
    a list of tables...): naming one too many costs a page kept a little less often, one
    too few would keep it too long."""
    written = _WRITE.match(sql)
    if written:
        return WRITE, (written.group(1).lower(),)
    if _TRUNCATE.match(sql):
        return WRITE, tuple(sorted({name.lower() for name in _QUOTED.findall(sql)}))
    if _OTHER.match(sql):
        return OTHER, ()
    if sql.lstrip()[:4].upper() == "WITH":
        inner = _WRITE_AFTER_WITH.findall(sql)
        if inner:
            return WRITE, tuple(sorted({name.lower() for name in inner}))
    return READ, tuple(sorted(_tables() & set(_WORDS.findall(sql.lower()))))


@functools.cache
def _tables() -> frozenset[str]:
    """The project's tables (its models', many-to-many tables included)."""
    return frozenset(
        model._meta.db_table.lower() for model in apps.get_models(include_auto_created=True)
    )


def _observe(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    kind, tables = parse(sql)
    state = _reading.get()
    if kind == READ:
        if state is not None:
            state.tables.update(tables)
        return execute(sql, params, many, context)
    result = execute(sql, params, many, context)  # a statement that fails changes nothing
    if kind == WRITE:
        counted = [table for table in tables if table not in UNTRACKED]
        if counted:
            if state is not None:
                state.wrote = True
            changed(context["connection"], counted)
    return result


def changed(connection: BaseDatabaseWrapper, tables: Iterable[str]) -> None:
    """`tables` were written on `connection`: bump them once the write is committed."""
    tables = tuple(tables)
    if not connection.in_atomic_block or getattr(settings, "PAGE_CACHE_BUMP_AT_ONCE", False):
        bump(connection, tables)
        return
    # Once per table and transaction: a callback already waiting for this table's bump
    # suffices (Django drops the callbacks of a savepoint rolled back, and then so do we).
    waiting = {_bumped(entry[1]) for entry in connection.run_on_commit} - {None}
    for table in tables:
        if table not in waiting:
            transaction.on_commit(
                functools.partial(_bump_committed, connection.alias, table),
                using=connection.alias,
                robust=True,
            )


def _bumped(func: Any) -> str | None:
    """The table a callback waiting for the commit will bump, if it is one of ours."""
    if isinstance(func, functools.partial) and func.func is _bump_committed:
        return str(func.args[1])
    return None


def _bump_committed(alias: str, table: str) -> None:
    try:
        bump(connections[alias], (table,))
    except DatabaseError:
        # The change is committed but not counted: no page kept here may outlive it.
        # Pages kept by other processes end within PAGE_CACHE_SECONDS.
        from .keep import forget_all

        forget_all()
        logger.exception("Could not count a change of %s; this process's pages are dropped", table)


def bump(connection: BaseDatabaseWrapper, tables: Iterable[str]) -> None:
    """Count one change of each table (a row for a table changed for the first time)."""
    names = sorted(set(tables))
    if not names or not _counting(connection):
        return
    rows = ", ".join(["(%s, 1)"] * len(names))
    with connection.cursor() as cursor:
        cursor.execute(_BUMP.format(rows=rows), names)


def bump_all(connection: BaseDatabaseWrapper) -> None:
    """Make every kept page, in every process, stale (after a repair made outside Django)."""
    bump(connection, (ALL,))


_COUNTING: set[str] = set()


def _counting(connection: BaseDatabaseWrapper) -> bool:
    """The counters' table exists (not yet while the first migrations run)."""
    if connection.alias not in _COUNTING:
        if TABLE not in connection.introspection.table_names():
            return False
        _COUNTING.add(connection.alias)
    return True


# The attribute every request's user carries: all the change counts as they were when the
# request came in, read in the session's and the user's own statement (apps.py): a kept
# page's request asks one statement fewer (on PostgreSQL a round trip, about a tenth of a
# kept page's time). A JSON object {table: count}, as text.
COUNTS_AT_LOAD = "brobygger_change_counts_at_load"


class AllCounts(Expression):
    """Every change count, as a JSON object in text: a column of another query (the
    request's user, accounts/backends.read_with_user). No value of its own moment: the
    statement is compiled once per process."""

    output_field = TextField()

    def as_sql(self, compiler: Any, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        if connection.vendor == "postgresql":
            aggregate = 'json_object_agg("name", "version")::text'
        else:
            aggregate = 'json_group_object("name", "version")'
        return f'(SELECT {aggregate} FROM "{TABLE}")', []  # noqa: S608 (our own names)


def counts_at_load(user: Any) -> dict[str, int] | None:
    """The change counts read with `user` as the request came in, or None for a user
    loaded another way (single sign-on, a test's own instance)."""
    if not hasattr(user, COUNTS_AT_LOAD):
        return None
    loaded: str | None = getattr(user, COUNTS_AT_LOAD)
    return {str(name): int(count) for name, count in json.loads(loaded or "{}").items()}


def versions(tables: Iterable[str] | None = None, *, using: str = "default") -> dict[str, int]:
    """The change count of `tables` (every counted table if None); 0 for one never changed."""
    connection = connections[using]
    if tables is None:
        # Every kept page's request reads all the counts: on PostgreSQL prepared once per
        # connection (lib/postgres/base.py), like the session's and the user's statement.
        with prepared_cursor(connection) as cursor:
            cursor.execute(_READ_ALL)
            return dict(cursor.fetchall())
    with connection.cursor() as cursor:
        names = sorted(set(tables))
        cursor.execute(_READ_SOME.format(marks=", ".join(["%s"] * len(names))), names)
        found = dict(cursor.fetchall())
    return {name: int(found.get(name, 0)) for name in names}


def _watch(connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    if _observe not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, _observe)


def _start(**kwargs: Any) -> None:
    _reading.set(Reading())


def _finish(**kwargs: Any) -> None:
    _reading.set(None)


def install() -> None:
    """Watch every connection, now and when it is (re)opened; note each request's reads."""
    connection_created.connect(_watch, dispatch_uid="brobygger.pagecache.watch")
    for connection in connections.all(initialized_only=True):
        _watch(connection)
    request_started.connect(_start, dispatch_uid="brobygger.pagecache.start")
    request_finished.connect(_finish, dispatch_uid="brobygger.pagecache.finish")
