"""No index another one makes redundant (issue 19: fast by construction).

A B-tree index on columns (a) answers nothing that an index on (a, b) does not: the
longer one is searched by its first columns alone. Yet every row written updates both.
Django gives each ForeignKey an index of its own, so a table whose composite index or
unique constraint starts with that foreign key kept two: the access log, written on
every page, carried an index on its user beside one on (user, time).

This reads the models of brobygger/ (Django's and other packages' tables are theirs)
and fails on an index, a field's own or one of Meta.indexes, whose columns begin
another full index or unique constraint of the same table. An index with a condition
covers only its rows and covers nothing here; a unique index is a rule as well as an
index and is never called redundant. A covered field index is dropped with
`db_index=False` (its migration: lib/migrations.DropFieldIndex); a covered Meta index
is removed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.apps import apps
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase

from brobygger.accounts.models import Role
from brobygger.audit.models import AccessLogEntry
from brobygger.audit.services import log_access
from brobygger.testing import make_user


@dataclass(frozen=True)
class Key:
    name: str
    columns: tuple[str, ...]
    unique: bool


def keys_of(model: type[models.Model]) -> list[Key]:
    """The table's full indexes: one per indexed field, Meta.indexes and unique
    constraints without a condition or expressions (those cover other rows or values)."""
    opts = model._meta
    column = {f.name: f.column for f in opts.local_fields}
    keys = []
    for index in opts.indexes:
        if index.condition is None and index.fields and not index.opclasses:
            names = tuple(column[n.lstrip("-")] for n in index.fields)
            keys.append(Key(index.name, names, False))
    for constraint in opts.constraints:
        if (
            isinstance(constraint, models.UniqueConstraint)
            and constraint.condition is None
            and constraint.fields
            and not getattr(constraint, "opclasses", ())  # (unknown to the stubs)
        ):
            keys.append(Key(constraint.name, tuple(column[n] for n in constraint.fields), True))
    for fields in opts.unique_together:
        keys.append(Key("unique_together", tuple(column[n] for n in fields), True))
    # A field's own index last: of two plain indexes on the same columns, the later one
    # is the extra, and the named one of Meta.indexes stays.
    keys += [
        Key(f"{f.name} (db_index)", (f.column,), False)
        for f in opts.local_fields
        if getattr(f, "db_index", False) and not f.unique and not f.primary_key
    ]
    return keys


def redundant(model: type[models.Model]) -> list[str]:
    keys = keys_of(model)
    found = []
    for key in keys:
        if key.unique:
            continue
        for other in keys:
            if other is key or other.columns[: len(key.columns)] != key.columns:
                continue
            # Two plain indexes on the same columns: the second one named is the extra.
            if (
                len(other.columns) == len(key.columns)
                and not other.unique
                and keys.index(other) > keys.index(key)
            ):
                continue
            found.append(
                f"{model._meta.db_table}: {key.name} {key.columns} is covered by {other.name}"
            )
            break
    return found


def own_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if model.__module__.startswith("brobygger.") and model._meta.managed
    ]


def test_no_index_is_covered_by_another():
    found = [line for model in own_models() for line in redundant(model)]
    assert not found, "\n".join(found)


def test_the_check_finds_a_covered_index():
    """The check itself: a foreign key's own index under a composite index that begins
    with it is found; the same pair with the composite index partial is not."""

    class Parent(models.Model):  # noqa: DJ008 (a model of this test only)
        class Meta:
            app_label = "tests"

    class Covered(models.Model):  # noqa: DJ008 (a model of this test only)
        parent = models.ForeignKey(Parent, on_delete=models.CASCADE)
        at = models.DateTimeField()

        class Meta:
            app_label = "tests"
            indexes = [models.Index(fields=["parent", "-at"], name="covered_parent_at")]

    class Partial(models.Model):  # noqa: DJ008 (a model of this test only)
        parent = models.ForeignKey(Parent, on_delete=models.CASCADE)
        at = models.DateTimeField(null=True)

        class Meta:
            app_label = "tests"
            indexes = [
                models.Index(
                    fields=["parent", "at"],
                    name="partial_parent_at",
                    condition=models.Q(at__isnull=False),
                )
            ]

    class Twice(models.Model):  # noqa: DJ008 (a model of this test only)
        parent = models.ForeignKey(Parent, on_delete=models.CASCADE)

        class Meta:
            app_label = "tests"
            indexes = [models.Index(fields=["parent"], name="twice_parent")]

    class Unique(models.Model):  # noqa: DJ008 (a model of this test only)
        parent = models.ForeignKey(Parent, on_delete=models.CASCADE, db_index=False)
        day = models.DateField()

        class Meta:
            app_label = "tests"
            indexes = [models.Index(fields=["parent"], name="unique_parent")]
            constraints = [
                models.UniqueConstraint(fields=["parent", "day"], name="unique_parent_day")
            ]

    try:
        assert redundant(Covered) == [
            "tests_covered: parent (db_index) ('parent_id',) is covered by covered_parent_at"
        ]
        assert redundant(Partial) == []
        assert redundant(Twice) == [
            "tests_twice: parent (db_index) ('parent_id',) is covered by twice_parent"
        ]
        assert redundant(Unique) == [
            "tests_unique: unique_parent ('parent_id',) is covered by unique_parent_day"
        ]
    finally:
        for model in (Covered, Partial, Twice, Unique, Parent):
            apps.all_models["tests"].pop(model._meta.model_name or "", None)
        apps.clear_cache()


@pytest.mark.django_db
def test_the_database_has_only_the_single_column_indexes_the_models_declare():
    """After the migrations, on SQLite and PostgreSQL alike: a single-column index that is
    not unique exists only where a field keeps db_index (or is unique) or Meta.indexes
    names it."""
    found = []
    with connection.cursor() as cursor:
        for model in own_models():
            opts = model._meta
            # (A unique text field has a second index on PostgreSQL, for LIKE: Django's.)
            indexed = {
                f.column for f in opts.local_fields if getattr(f, "db_index", False) or f.unique
            }
            declared = {index.name for index in opts.indexes}
            constraints = connection.introspection.get_constraints(cursor, opts.db_table)
            for name, about in constraints.items():
                if (
                    about["index"]
                    and len(about["columns"]) == 1
                    and not about["unique"]
                    and not about["primary_key"]
                    and name not in declared
                    and about["columns"][0] not in indexed
                ):
                    found.append(f"{opts.db_table}: {name} {about['columns']}")
    assert not found, "\n".join(found)


class DropFieldIndexTests(TransactionTestCase):
    """lib/migrations.DropFieldIndex, both ways, on the access log: the index of its
    user goes, the rows and the (user, time) index stay; going back brings it again."""

    def user_indexes(self) -> list[list[str]]:
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, "audit_accesslogentry")
        return sorted(
            about["columns"]
            for about in constraints.values()
            if about["index"] and about["columns"][:1] == ["user_id"]
        )

    def test_forwards_and_backwards(self):
        user = make_user("indexes", Role.COORDINATOR)
        entry = log_access(user=user, action="view", purpose="support")
        executor = MigrationExecutor(connection)
        executor.migrate([("audit", "0006_access_log_sets")])
        self.assertEqual(self.user_indexes(), [["user_id"], ["user_id", "at"]])
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        self.assertEqual(self.user_indexes(), [["user_id", "at"]])
        self.assertTrue(AccessLogEntry.objects.filter(seq=entry.seq, user=user).exists())
