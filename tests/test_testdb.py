"""brobygger/testdb.py: the suite's test database is copied from a migrated template."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from brobygger import testdb

pytestmark = pytest.mark.timeless


@pytest.mark.django_db
def test_the_database_the_suite_runs_on_has_every_migration_applied():
    # Copied from the template or migrated: either way, nothing is missing or extra.
    applied = set(MigrationRecorder(connection).applied_migrations())
    assert applied == set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


@pytest.mark.django_db
def test_the_seeded_rows_and_the_report_cache_table_are_there():
    from brobygger.conversations.models import Topic
    from brobygger.outcomes.models import Instrument

    assert Topic.objects.exists()
    assert Instrument.objects.exists()
    assert settings.REPORT_CACHE_TABLE in connection.introspection.table_names()


@pytest.mark.django_db
def test_on_postgresql_the_copy_is_a_database_on_the_server_named_by_the_key():
    if connection.vendor != "postgresql":
        pytest.skip("the copy of a SQLite database is a file (the tests above)")
    with connection.cursor() as cursor:
        names = testdb.pg_template_names(cursor)
    assert testdb.PG_TEMPLATE_PREFIX + testdb.template_key() in names
    assert len(names) <= testdb.PG_COPIES_KEPT


def test_a_new_copy_leaves_the_newest_others_for_other_checkouts():
    newest_first = ["c4", "c3", "c2", "c1"]
    assert testdb.stale_copies(newest_first, kept=3) == ["c2", "c1"]
    assert testdb.stale_copies(["c1"], kept=3) == []
    assert testdb.stale_copies(newest_first, kept=1) == newest_first


def test_the_key_changes_with_any_project_file_and_only_then(tmp_path: Path):
    project = tmp_path / "brobygger"
    shutil.copytree(testdb.PROJECT / "outcomes", project / "outcomes")
    first = testdb.template_key(project)
    assert testdb.template_key(project) == first
    scoring = project / "outcomes" / "scoring.py"
    scoring.write_text(scoring.read_text() + "\n# a change\n")
    second = testdb.template_key(project)
    assert second != first
    (project / "outcomes" / "new.py").write_text("")
    assert testdb.template_key(project) not in (first, second)
