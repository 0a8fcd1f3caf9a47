"""The suite's SQLite test database, migrated once and then copied (conftest.py).

Every run of the suite migrated a new in-memory database in each of its worker processes:
about 25 s of Django building the project's migration state, paid again by each of the
four runs of `make test-clock`, by the browser journeys and by every `make test`. Here the
first worker to need a database migrates it as before and keeps a copy of the result in
var/test-db/; every later worker and run whose code is the same copies that file into its
own in-memory database instead (SQLite's backup, the way Django's own test runner clones
a database for its parallel workers).

What the copy is kept under covers everything a migration can read: the text of every
Python file of the project (a data migration reads the project's own definitions, the
shipped questionnaires or the default topics), and the name, size and time of every
migration file outside it (Django's and the libraries'), with the versions of Django and
SQLite. Any change makes a new copy; the old ones are removed. A copy is written to a
temporary name and renamed into place, and workers wait for each other under a file lock,
so two processes never migrate for the same key at once or read half a copy.

PostgreSQL's test databases migrate as before: its full run happens once in CI.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import sqlite3
import sys
from collections.abc import Iterator
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


@contextlib.contextmanager
def migrated_from_template(directory: Path | None = None) -> Iterator[None]:
    """While Django sets up the test databases, its `migrate` of an in-memory SQLite
    database copies the kept template instead, making the template first if there is none."""
    from django.core import management
    from django.db import connections

    directory = directory or Path(settings.VAR_DIR) / "test-db"
    original = management.call_command

    def call_command(command_name: BaseCommand | str, *args: Any, **options: Any) -> str:
        connection = connections[options.get("database", "default")]
        # Only the call of Django's create_test_db: a test's own migrate takes arguments.
        if (
            command_name != "migrate"
            or args
            or options.get("run_syncdb") is not True
            or connection.vendor != "sqlite"
            or not SQLiteCreation.is_in_memory_db(connection.settings_dict["NAME"])
        ):
            return original(command_name, *args, **options)
        key = template_key()
        template = directory / f"{key}.sqlite3"
        with _locked(directory / "lock"):
            connection.ensure_connection()
            live = connection.connection
            if template.exists():
                with contextlib.closing(sqlite3.connect(template)) as kept:
                    kept.backup(live)
                return ""
            result = original(command_name, *args, **options)
            partial = template.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            with contextlib.closing(sqlite3.connect(partial)) as kept:
                live.backup(kept)
            for old in directory.glob("*.sqlite3"):
                old.unlink()
            partial.rename(template)
            return result

    management.call_command = call_command
    try:
        yield
    finally:
        management.call_command = original
