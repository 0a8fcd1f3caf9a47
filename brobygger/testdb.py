"""The suite's test database, migrated once and then copied (conftest.py).

Every run of the suite migrated a new database in each of its worker processes: about
25 s of Django building the project's migration state, paid again by each run of
`make test-clock`, by the browser journeys and by every `make test`. Here the first worker
to need a database migrates it as before and keeps a copy of the result; every later worker
and run whose code is the same copies it instead, the way Django's own test runner clones a
database for its parallel workers:

- SQLite: the in-memory database is written to var/test-db/ (SQLite's backup), and read
  back into each new in-memory database;
- PostgreSQL: the migrated test database is copied to a database of its own on the same
  server (`CREATE DATABASE ... TEMPLATE`), and each new test database is made from it.

What the copy is kept under covers everything a migration can read: the text of every
Python file of the project (a data migration reads the project's own definitions, the
shipped questionnaires or the default topics), and the name, size and time of every
migration file outside it (Django's and the libraries'), with the versions of Django and
SQLite. Any change makes a new copy; the old ones are removed (on PostgreSQL all but the
newest few: one server may serve two checkouts of different code). Workers wait for each other
under a file lock, so two processes never migrate for the same key at once, and a SQLite
copy is written to a temporary name and renamed into place, so none is read half-written.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.core.management import BaseCommand
from django.db.backends.sqlite3.creation import DatabaseCreation as SQLiteCreation

PROJECT = Path(__file__).resolve().parent


def template_key(project: Path = PROJECT) -> str:
    """A digest of what the migrated schema and its rows are made from."""
    from django.db.migrations.loader import MigrationLoader

    digest = hashlib.sha256()
    digest.update(f"django {django.get_version()} sqlite {sqlite3.sqlite_version}\n".encode())
    for path in sorted(project.rglob("*.py")):
        digest.update(str(path.relative_to(project)).encode())
        digest.update(path.read_bytes())
    loader = MigrationLoader(None, ignore_no_migrations=True)
    outside = set()
    for migration in loader.disk_migrations.values():
        file = getattr(sys.modules.get(type(migration).__module__), "__file__", None)
        if file and not Path(file).resolve().is_relative_to(project):
            outside.add(Path(file))
    for path in sorted(outside):
        stat = path.stat()
        digest.update(f"{path} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:32]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# The PostgreSQL copies' names: the prefix, then the key.
PG_TEMPLATE_PREFIX = "brobygger_test_template_"
# Copies a server keeps: the newest ones. Two checkouts of different code that share one
# server (a developer's and a CI run) each keep theirs while the other makes a new one.
PG_COPIES_KEPT = 3


def pg_template_names(cursor: Any) -> list[str]:
    """The PostgreSQL copies on the server `cursor` is connected to, newest first (a new
    database gets a higher oid)."""
    cursor.execute(
        "SELECT datname FROM pg_database WHERE datname LIKE %s ORDER BY oid DESC",
        [PG_TEMPLATE_PREFIX.replace("_", r"\_") + "%"],
    )
    return [name for (name,) in cursor.fetchall()]


def stale_copies(newest_first: list[str], kept: int = PG_COPIES_KEPT) -> list[str]:
    """The copies to drop before a new one is made: all but the newest `kept` - 1."""
    return newest_first[max(kept - 1, 0) :]


def _from_sqlite_copy(connection: Any, template: Path, migrate: Callable[[], str]) -> str:
    connection.ensure_connection()
    live = connection.connection
    if template.exists():
        with contextlib.closing(sqlite3.connect(template)) as kept:
            kept.backup(live)
        return ""
    result = migrate()
    partial = template.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    with contextlib.closing(sqlite3.connect(partial)) as kept:
        live.backup(kept)
    for old in template.parent.glob("*.sqlite3"):
        old.unlink()
    partial.rename(template)
    return result


def _from_postgresql_copy(connection: Any, template: str, migrate: Callable[[], str]) -> str:
    name = connection.settings_dict["NAME"]
    quote = connection.ops.quote_name
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template])
        kept = cursor.fetchone() is not None
    if kept:
        connection.close()
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE {quote(name)}")
            cursor.execute(f"CREATE DATABASE {quote(name)} TEMPLATE {quote(template)}")
        return ""
    result = migrate()
    connection.close()  # a template has no other session
    with connection._nodb_cursor() as cursor:
        for old in stale_copies(pg_template_names(cursor)):
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(old)}")
        cursor.execute(f"CREATE DATABASE {quote(template)} TEMPLATE {quote(name)}")
    return result


@contextlib.contextmanager
def migrated_from_template(directory: Path | None = None) -> Iterator[None]:
    """While Django sets up the test databases, its `migrate` of a new test database copies
    the kept template instead, making the template first if there is none."""
    from django.core import management
    from django.db import connections

    directory = directory or Path(settings.VAR_DIR) / "test-db"
    original = management.call_command

    def call_command(command_name: BaseCommand | str, *args: Any, **options: Any) -> str:
        connection = connections[options.get("database", "default")]
        # Only the call of Django's create_test_db: a test's own migrate takes arguments.
        if command_name != "migrate" or args or options.get("run_syncdb") is not True:
            return original(command_name, *args, **options)

        def migrate() -> str:
            return original(command_name, *args, **options)

        if connection.vendor == "sqlite" and SQLiteCreation.is_in_memory_db(
            connection.settings_dict["NAME"]
        ):
            with _locked(directory / "lock"):
                template = directory / f"{template_key()}.sqlite3"
                return _from_sqlite_copy(connection, template, migrate)
        if connection.vendor == "postgresql":
            with _locked(directory / "lock"):
                name = PG_TEMPLATE_PREFIX + template_key()
                return _from_postgresql_copy(connection, name, migrate)
        return migrate()

    management.call_command = call_command
    try:
        yield
    finally:
        management.call_command = original
