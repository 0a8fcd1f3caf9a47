"""A page's access-log entry on PostgreSQL outside any transaction: its own transaction in
two messages (services._append_on_its_own), with the same rows, locks and checks as the
path inside a transaction, and nothing left behind when it fails."""

from __future__ import annotations

import tempfile
from pathlib import Path
from unittest import mock

from django.db import connection, transaction
from django.test import TransactionTestCase, override_settings
from django.test.utils import CaptureQueriesContext
from psycopg.pq import TransactionStatus

from brobygger.audit.keyed import Keys
from brobygger.audit.models import AccessLogEntry, AccessLogList, AccessLogListPerson
from brobygger.audit.sealing import seal
from brobygger.audit.services import log_access
from brobygger.audit.verification import verify_all


class AppendOnItsOwnTests(TransactionTestCase):
    def setUp(self) -> None:
        if connection.vendor != "postgresql":
            self.skipTest("PostgreSQL's path; SQLite's writers take the database's lock")
        self.checkpoints = Path(self.enterContext(tempfile.TemporaryDirectory()))
        self.enterContext(override_settings(AUDIT_CHECKPOINT_DIR=str(self.checkpoints)))

    def idle(self) -> bool:
        raw = connection.connection
        return raw is not None and raw.info.transaction_status == TransactionStatus.IDLE

    def show(self, *persons: int) -> AccessLogEntry:
        return log_access(user=None, action="view", purpose="support", person_ids=persons)

    def test_entries_land_as_inside_a_transaction_and_verify(self):
        single = log_access(user=None, action="view", purpose="support", person_id=7)
        first = self.show(1, 2, 3)
        with CaptureQueriesContext(connection) as queries:
            again = self.show(3, 2, 1)
        # A stored set: one message for the transaction's start, the set and the seq, one
        # for the entry and the commit.
        self.assertEqual(len(queries), 2, [q["sql"][:70] for q in queries.captured_queries])
        self.assertTrue(queries[0]["sql"].startswith("BEGIN; SELECT id FROM"))
        self.assertTrue(queries[1]["sql"].endswith("; COMMIT"))
        self.assertTrue(self.idle())
        with transaction.atomic():
            inside = self.show(1, 2, 3)
        rows = {row.pk: row for row in AccessLogEntry.objects.all()}
        self.assertEqual(len(rows), 4)
        self.assertEqual(rows[single.pk].person_id, 7)
        self.assertIsNone(rows[single.pk].shown_list_id)
        # One set for the three showings of the same persons, its persons stored once.
        self.assertEqual(
            {rows[e.pk].shown_list_id for e in (first, again, inside)},
            {AccessLogList.objects.get().pk},
        )
        self.assertEqual(
            sorted(AccessLogListPerson.objects.values_list("person_id", flat=True)), [1, 2, 3]
        )
        self.assertEqual(
            [rows[e.pk].seq for e in (single, first, again, inside)],
            sorted(row.seq for row in rows.values()),
        )
        for row in rows.values():
            self.assertEqual(row.mac, row.compute_mac(Keys.from_settings()))
        self.assertEqual(seal(wait=5).sealed["access"], 4)
        self.assertEqual(verify_all().problems, [])

    def test_a_failure_rolls_the_entry_and_its_new_set_back(self):
        with (
            mock.patch.object(AccessLogEntry, "compute_mac", side_effect=RuntimeError("key")),
            self.assertRaisesMessage(RuntimeError, "key"),
        ):
            self.show(4, 5)  # a new set: stored inside the entry's transaction, then undone
        self.assertTrue(self.idle())
        self.assertFalse(AccessLogEntry.objects.exists())
        self.assertFalse(AccessLogList.objects.exists())
        self.assertFalse(AccessLogListPerson.objects.exists())
        # The connection goes on: the next showing is written whole.
        entry = self.show(4, 5)
        self.assertEqual(AccessLogEntry.objects.get().pk, entry.pk)
        self.assertEqual(AccessLogList.objects.count(), 1)
