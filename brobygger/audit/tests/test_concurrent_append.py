"""Appending on PostgreSQL from several connections at once: real transactions that commit."""

import tempfile
import threading
from pathlib import Path

from django.db import connection, transaction
from django.test import TransactionTestCase, override_settings

from brobygger.audit.models import (
    AccessLogEntry,
    AccessLogList,
    AccessLogListPerson,
    AuditCheck,
    AuditEvent,
    AuditSeal,
)
from brobygger.audit.sealing import seal
from brobygger.audit.services import log_access, log_list, record_event
from brobygger.audit.verification import verify_all


class ConcurrentAppendTests(TransactionTestCase):
    """Real transactions on separate connections, so these tests commit."""

    def setUp(self) -> None:
        if connection.vendor != "postgresql":
            self.skipTest(
                "SQLite lets one writer at a time by design; concurrent appends are a "
                "PostgreSQL property (CI runs this suite on PostgreSQL too)"
            )
        self.checkpoints = Path(self.enterContext(tempfile.TemporaryDirectory()))
        self.enterContext(override_settings(AUDIT_CHECKPOINT_DIR=str(self.checkpoints)))

    def log(self) -> AccessLogEntry:
        return log_access(user=None, action="view", purpose="support")

    def in_thread(self, target, *args) -> threading.Thread:
        def run() -> None:
            try:
                target(*args)
            finally:
                connection.close()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    def test_appending_does_not_wait_for_another_open_transaction(self):
        logged, release, done = threading.Event(), threading.Event(), threading.Event()
        rows: list[AccessLogEntry] = []

        def long_transaction() -> None:
            with transaction.atomic():
                rows.append(self.log())
                logged.set()
                release.wait(30)

        def quick_append() -> None:
            rows.append(self.log())
            done.set()

        holder = self.in_thread(long_transaction)
        self.assertTrue(logged.wait(10))
        self.in_thread(quick_append)
        # The second append commits while the first transaction is still open.
        finished = done.wait(5)
        release.set()
        holder.join(10)
        self.assertTrue(finished, "an append waited for another transaction's lock")
        self.assertEqual(AccessLogEntry.objects.count(), 2)

    def test_many_threads_append_at_once_and_all_rows_land_intact(self):
        threads, per_thread = 8, 25
        start = threading.Barrier(threads)

        def append_many() -> None:
            start.wait(10)
            for _ in range(per_thread):
                self.log()
                record_event(actor=None, verb="test.concurrent", obj=AuditCheck(pk=1))

        workers = [self.in_thread(append_many) for _ in range(threads)]
        for worker in workers:
            worker.join(60)
        self.assertEqual(AccessLogEntry.objects.count(), threads * per_thread)
        self.assertEqual(AuditEvent.objects.count(), threads * per_thread)
        result = seal(wait=5)
        self.assertEqual(
            result.sealed, {"access": threads * per_thread, "audit": threads * per_thread}
        )
        self.assertEqual(verify_all().problems, [])

    def test_sealer_waits_for_a_transaction_that_holds_a_lower_seq(self):
        logged, release = threading.Event(), threading.Event()
        rows: list[AccessLogEntry] = []

        def open_transaction() -> None:
            with transaction.atomic():
                rows.append(self.log())
                logged.set()
                release.wait(30)

        holder = self.in_thread(open_transaction)
        self.assertTrue(logged.wait(10))
        later = self.log()  # committed, with a higher seq than the open one
        self.assertGreater(later.seq, rows[0].seq)
        first = seal(wait=0.3)
        # Sealing `later` now would leave the open row to land inside a sealed stretch.
        self.assertEqual(first.waiting, ["access"])
        self.assertFalse(AuditSeal.objects.filter(chain="access").exists())
        release.set()
        holder.join(10)
        second = seal(wait=5)
        self.assertEqual(second.sealed["access"], 2)
        self.assertEqual(verify_all().problems, [])

    def test_two_writers_showing_the_same_new_persons_store_one_set(self):
        shown, release = threading.Event(), threading.Event()
        rows: list[AccessLogEntry | None] = []

        def open_transaction() -> None:
            with transaction.atomic():
                rows.append(log_list(user=None, purpose="support", person_ids=[11, 12, 13]))
                shown.set()
                release.wait(30)

        holder = self.in_thread(open_transaction)
        self.assertTrue(shown.wait(10))
        second = self.in_thread(
            lambda: rows.append(log_list(user=None, purpose="support", person_ids=[13, 12, 11]))
        )
        # The second writer's INSERT of the same set waits for the first to commit...
        second.join(0.5)
        self.assertTrue(second.is_alive())
        release.set()
        holder.join(10)
        second.join(10)
        # ... and then names the set the first stored.
        stored = [entry.shown_list_id for entry in rows if entry is not None]
        self.assertEqual(len(stored), 2)
        self.assertEqual(stored[0], stored[1])
        self.assertIsNotNone(stored[0])
        self.assertEqual(AccessLogList.objects.count(), 1)
        self.assertEqual(AccessLogListPerson.objects.count(), 3)
        self.assertEqual(verify_all().problems, [])

    def test_many_writers_showing_the_same_persons_at_once_share_one_set(self):
        threads = 8
        start = threading.Barrier(threads)

        def show() -> None:
            start.wait(10)
            for _ in range(10):
                log_list(user=None, purpose="support", person_ids=[21, 22, 23, 24])

        workers = [self.in_thread(show) for _ in range(threads)]
        for worker in workers:
            worker.join(60)
        self.assertEqual(AccessLogEntry.objects.count(), threads * 10)
        self.assertEqual(AccessLogList.objects.count(), 1)
        self.assertEqual(AccessLogEntry.objects.naming(22).count(), threads * 10)
        self.assertEqual(verify_all().problems, [])
