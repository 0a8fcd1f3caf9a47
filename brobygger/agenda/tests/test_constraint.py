"""The database's own word on the agenda (PostgreSQL): the exclusion constraint keys each
party by one integer (migration 0004), so it must refuse exactly what the text key
refused, and only the canonical party form the integer key is one-to-one for gets in."""

from __future__ import annotations

import datetime

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import TestCase, TransactionTestCase

from brobygger.agenda.models import EXCLUSION_CONSTRAINT, Busy, Kind, Source
from brobygger.lib.dates import local_datetime
from brobygger.testing import TODAY

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has no exclusion constraints"
)

START = local_datetime(TODAY + datetime.timedelta(days=7), datetime.time(10))
HOUR = datetime.timedelta(hours=1)


def add(party: str, start: datetime.datetime, source_id: int) -> Busy:
    return Busy.objects.create(
        party=party,
        starts_at=start,
        ends_at=start + HOUR,
        kind=Kind.CONVERSATION,
        source=Source.APPOINTMENT,
        source_id=source_id,
    )


def refused(party: str, start: datetime.datetime, source_id: int) -> str:
    """The name of the constraint that refuses the row (it must be refused)."""
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        add(party, start, source_id)
    cause = caught.value.__cause__
    assert isinstance(cause, psycopg.errors.IntegrityError), cause
    return str(cause.diag.constraint_name)


def definition(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = %s", [name]
        )
        row = cursor.fetchone()
    return row[0] if row else ""


class ConstraintTests(TestCase):
    def test_one_party_never_twice_at_once_whatever_its_kind_or_id(self):
        add("person:12", START, 1)
        add("person:12", START + HOUR, 2)  # back to back
        # The same id of another kind, and ids whose text or digits look alike.
        for source_id, party in enumerate(
            ["peer:12", "user:12", "person:1", "person:2", "person:120", "peer:999999999999999"],
            start=3,
        ):
            add(party, START, source_id)
        for source_id, party in enumerate(["person:12", "peer:12", "user:12", "person:120"], 20):
            self.assertEqual(
                refused(party, START + HOUR / 2, source_id), EXCLUSION_CONSTRAINT, party
            )
        self.assertEqual(Busy.objects.count(), 8)

    def test_only_the_canonical_form_gets_in(self):
        add("person:999999999999999", START, 1)  # the largest id the key holds
        for source_id, party in enumerate(
            [
                "person:012",  # the same key as person:12
                "person:12 ",
                "person:",
                "person:0",
                "person:-3",
                "person:1000000000000012",  # sixteen digits: the key of peer:12
                "peer:1e3",
                "Person:12",
            ],
            start=2,
        ):
            self.assertEqual(refused(party, START, source_id), "agenda_busy_party_canonical", party)

    def test_the_rule_is_keyed_by_an_integer(self):
        rule = definition(EXCLUSION_CONSTRAINT)
        self.assertIn("split_part", rule)
        self.assertIn("tstzrange(starts_at, ends_at, '[)'::text) WITH &&", rule)


class IntegerKeyMigrationTests(TransactionTestCase):
    def test_back_and_forth_keeps_the_rows_and_the_rule(self):
        add("person:5", START, 1)
        add("peer:5", START, 1)
        executor = MigrationExecutor(connection)
        executor.migrate([("agenda", "0003_covered_indexes")])
        self.assertNotIn("split_part", definition(EXCLUSION_CONSTRAINT))
        self.assertEqual(definition("agenda_busy_party_canonical"), "")
        with pytest.raises(IntegrityError), transaction.atomic():
            add("person:5", START + HOUR / 2, 2)
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        self.assertIn("split_part", definition(EXCLUSION_CONSTRAINT))
        self.assertEqual(
            sorted(Busy.objects.values_list("party", flat=True)), ["peer:5", "person:5"]
        )
        self.assertEqual(refused("person:5", START + HOUR / 2, 2), EXCLUSION_CONSTRAINT)
