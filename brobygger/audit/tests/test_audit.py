from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import TransactionTestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from brobygger.audit.models import AccessLogEntry, AuditEvent, ChainHead
from brobygger.audit.services import advance_head, hash_criterion, log_access, verify_chain
from brobygger.testing import BaseTestCase


def raw_execute(sql: str, params: list) -> None:
    """Tamper with a log table the way an attacker with database access would."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A superuser can switch the append-only triggers off; the chain still tells.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


class ChainTests(BaseTestCase):
    def test_chain_is_intact_after_normal_use(self):
        log_access(user=self.peer.user, action="view", purpose="support", person_id=self.alice.pk)
        self.assertEqual(verify_chain(AccessLogEntry), [])
        self.assertEqual(verify_chain(AuditEvent), [])
        call_command("verify_audit")

    def test_changed_row_is_detected(self):
        entry = log_access(
            user=self.peer.user, action="view", purpose="support", person_id=self.alice.pk
        )
        raw_execute(
            "UPDATE audit_accesslogentry SET person_id = %s WHERE id = %s", [self.bob.pk, entry.pk]
        )
        self.assertIn(f"seq {entry.seq}: content changed", " ".join(verify_chain(AccessLogEntry)))
        with self.assertRaises(CommandError):
            call_command("verify_audit")

    def test_deleted_row_in_the_middle_is_detected(self):
        entries = [
            log_access(
                user=self.peer.user, action="view", purpose="support", person_id=self.alice.pk
            )
            for _ in range(3)
        ]
        raw_execute("DELETE FROM audit_accesslogentry WHERE id = %s", [entries[1].pk])
        problems = " ".join(verify_chain(AccessLogEntry))
        self.assertIn("missing", problems)

    def test_orm_refuses_to_change_or_delete_rows(self):
        entry = log_access(user=self.peer.user, action="view", purpose="support")
        with self.assertRaises(PermissionError):
            entry.save()
        with self.assertRaises(PermissionError):
            entry.delete()
        with self.assertRaises(PermissionError):
            AccessLogEntry.objects.filter(pk=entry.pk).update(purpose="x")
        with self.assertRaises(PermissionError):
            AccessLogEntry.objects.all().delete()

    def test_database_refuses_update_on_postgresql(self):
        if connection.vendor != "postgresql":
            self.skipTest("the trigger exists on PostgreSQL only")
        from django.db import DatabaseError, transaction

        entry = log_access(user=self.peer.user, action="view", purpose="support")
        with self.assertRaises(DatabaseError), transaction.atomic(), connection.cursor() as c:
            c.execute("UPDATE audit_accesslogentry SET purpose = 'x' WHERE id = %s", [entry.pk])

    def test_search_criterion_is_hashed_not_stored(self):
        entry = log_access(
            user=self.coordinator,
            action="search",
            purpose="coordination",
            criterion="Alice Andersen",
        )
        self.assertEqual(entry.criterion_hash, hash_criterion("  alice   ANDERSEN "))
        self.assertNotIn("Alice", str(entry.payload()))


class AccessReportTests(BaseTestCase):
    def test_administrator_sees_who_looked_at_a_person(self):
        self.login(self.peer)
        self.client.get(reverse("people:person_detail", args=[self.alice.pk]))
        self.login(self.admin)
        response = self.client.post(reverse("audit:access_report_search"), {"q": "Alice"})
        self.assertContains(response, reverse("audit:access_report", args=[self.alice.pk]))
        response = self.client.get(reverse("audit:access_report", args=[self.alice.pk]))
        self.assertContains(response, "Peer Peer")
        self.assertContains(response, "Så")  # "Viewed" in Danish
        # The report itself is a use of the person's data and is logged.
        self.assertTrue(
            AccessLogEntry.objects.filter(
                user=self.admin, person_id=self.alice.pk, purpose="access_report"
            ).exists()
        )

    def test_only_administrators_get_the_report(self):
        for user in (self.coordinator, self.peer, self.evaluator, self.clinician):
            self.login(user)
            url = reverse("audit:access_report", args=[self.alice.pk])
            self.assertEqual(self.client.get(url).status_code, 403, user)

    def test_verify_page_reports_intact_log(self):
        self.login(self.admin)
        response = self.client.post(reverse("audit:verify"))
        self.assertContains(response, "intakt")


class ChainHeadTests(TransactionTestCase):
    """The head moves after commit, so these tests commit for real."""

    def log(self) -> AccessLogEntry:
        return log_access(user=None, action="view", purpose="support")

    def test_deleted_newest_row_is_detected(self):
        entry = self.log()
        raw_execute("DELETE FROM audit_accesslogentry WHERE id = %s", [entry.pk])
        self.assertIn("newest", " ".join(verify_chain(AccessLogEntry)))

    def test_head_moves_once_per_transaction_and_after_commit(self):
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            entries = [self.log() for _ in range(3)]
            head = ChainHead.objects.get(name="access")
            # Not yet committed: the head has not moved, and that is no fault.
            self.assertLess(head.seq, entries[-1].seq)
            self.assertEqual(verify_chain(AccessLogEntry), [])
        head.refresh_from_db()
        self.assertEqual((head.seq, head.last_hash), (entries[-1].seq, entries[-1].hash))
        self.assertEqual([e.prev_hash for e in entries[1:]], [e.hash for e in entries[:-1]])
        self.assertEqual(verify_chain(AccessLogEntry), [])
        head_updates = [q for q in queries if q["sql"].startswith('UPDATE "audit_chainhead"')]
        self.assertEqual(len(head_updates), 1)

    def test_head_never_moves_backwards(self):
        entry = self.log()
        ChainHead.objects.filter(name="access").update(seq=entry.seq + 5)
        advance_head(AccessLogEntry)
        self.assertEqual(ChainHead.objects.get(name="access").seq, entry.seq + 5)
        # ... and a head that names rows which are not there is a missing tail.
        self.assertIn("newest", " ".join(verify_chain(AccessLogEntry)))
