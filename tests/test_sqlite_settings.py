"""The SQLite connection's settings (settings.py), on a database file as in `make run`."""

from pathlib import Path

import pytest
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper

pytestmark = [
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's settings"),
    pytest.mark.django_db,
]


def test_a_database_file_is_opened_in_wal_with_temporary_files_in_memory(tmp_path: Path):
    settings = {**connection.settings_dict, "NAME": str(tmp_path / "brobygger.sqlite3")}
    wrapper = DatabaseWrapper(settings, alias="file")
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA synchronous")
            assert cursor.fetchone()[0] == 1  # NORMAL
            cursor.execute("PRAGMA temp_store")
            assert cursor.fetchone()[0] == 2  # MEMORY: no statement journal in /var/tmp
    finally:
        wrapper.close()
