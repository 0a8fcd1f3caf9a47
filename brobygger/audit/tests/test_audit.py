import datetime
import io
import json
import tempfile
from pathlib import Path

import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from brobygger.audit.checkpoints import PREFIX, write_checkpoint
from brobygger.audit.checks import audit_settings
from brobygger.audit.keyed import Keys, sign
from brobygger.audit.models import (
    AccessAction,
    AccessLogEntry,
    AccessLogList,
    AccessLogListPerson,
    AuditCheck,
    AuditSeal,
)
from brobygger.audit.sealing import seal
from brobygger.audit.services import (
    hash_criterion,
    log_access,
    log_list,
    verify_chain,
)
from brobygger.audit.verification import verify_all
from brobygger.testing import BaseTestCase, count_queries

OTHER_KEY = "another-audit-key-that-is-long-enough-0123456789"


def raw_execute(sql: str, params: list) -> None:
    """Tamper with a log table the way an attacker with database access would."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A superuser can switch the append-only triggers off; the MACs still tell.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


class CheckpointDirMixin:
    """Each test gets its own checkpoint directory (outside the database, as in production)."""

    def setUp(self) -> None:
        super().setUp()  # type: ignore[misc]
        self.checkpoints = Path(self.enterContext(tempfile.TemporaryDirectory()))  # type: ignore[attr-defined]
        self.enterContext(override_settings(AUDIT_CHECKPOINT_DIR=str(self.checkpoints)))  # type: ignore[attr-defined]


class ChainTests(CheckpointDirMixin, BaseTestCase):
    def view(self) -> AccessLogEntry:
        return log_access(
            user=self.peer.user, action="view", purpose="support", person_id=self.alice.pk
        )

    def problems(self) -> str:
        return " ".join(verify_all().problems)

    def test_rows_are_sealed_into_an_intact_chain_with_a_checkpoint(self):
        entries = [self.view() for _ in range(3)]
        self.assertEqual(verify_chain(AccessLogEntry), [])
        result = seal(wait=5)
        self.assertGreaterEqual(result.sealed["access"], 3)
        self.assertGreater(result.sealed["audit"], 0)  # the cast's creation events
        self.assertEqual(AuditSeal.objects.get(chain="access").last_seq, entries[-1].seq)
        self.assertIsNotNone(result.checkpoint)
        self.assertEqual(verify_all().problems, [])
        call_command("verify_audit", stdout=io.StringIO())
        # Nothing new: no new seal, no new checkpoint.
        again = seal(wait=5)
        self.assertEqual((again.sealed, again.checkpoint), ({"access": 0, "audit": 0}, None))
        self.assertEqual(len(list(self.checkpoints.glob(f"{PREFIX}*.json"))), 1)

    def test_changed_row_is_detected_sealed_or_not(self):
        sealed = self.view()
        seal(wait=5)
        unsealed = self.view()
        for entry in (sealed, unsealed):
            raw_execute(
                "UPDATE audit_accesslogentry SET person_id = %s WHERE seq = %s",
                [self.bob.pk, entry.seq],
            )
            self.assertIn(
                f"seq {entry.seq}: content changed", " ".join(verify_chain(AccessLogEntry))
            )
        with self.assertRaises(CommandError):
            call_command("verify_audit", stderr=io.StringIO())

    def test_a_row_forged_with_an_unkeyed_hash_is_detected(self):
        """Whoever can write to the database but lacks the key cannot make a row that verifies."""
        entry = self.view()
        seal(wait=5)
        import hashlib

        forged = hashlib.sha256(b"anything").hexdigest()
        raw_execute(
            "UPDATE audit_accesslogentry SET person_id = %s, mac = %s WHERE seq = %s",
            [self.bob.pk, forged, entry.seq],
        )
        problems = self.problems()
        self.assertIn(f"seq {entry.seq}: content changed", problems)
        self.assertIn("do not match their seal", problems)

    def test_wrong_key_fails_verification(self):
        self.view()
        seal(wait=5)
        with override_settings(AUDIT_HMAC_KEY=OTHER_KEY):
            problems = verify_all().problems
        text = " ".join(problems)
        self.assertIn("content changed", text)
        self.assertIn("signed with another key", text)
        # A wrong key does not flood the report with one line per row.
        self.assertLessEqual(len(problems), 2 * 51 + 2)

    def test_deleted_sealed_row_in_the_middle_is_detected(self):
        entries = [self.view() for _ in range(3)]
        seal(wait=5)
        raw_execute("DELETE FROM audit_accesslogentry WHERE seq = %s", [entries[1].seq])
        self.assertIn("rows were removed or added after sealing", self.problems())

    def test_removed_tail_with_its_seal_is_found_by_the_checkpoint(self):
        self.view()
        seal(wait=5)
        newest = [self.view() for _ in range(2)]
        seal(wait=5)
        # Remove the newest rows and the seal that covers them: the database alone is
        # consistent again ...
        raw_execute("DELETE FROM audit_accesslogentry WHERE seq >= %s", [newest[0].seq])
        raw_execute(
            "DELETE FROM audit_auditseal WHERE chain = 'access' AND last_seq = %s",
            [newest[-1].seq],
        )
        self.assertEqual(verify_chain(AccessLogEntry), [])
        # ... but the checkpoint outside it says how far the log was sealed.
        self.assertIn(
            f"sealed up to seq {newest[-1].seq}, but the seals in the database end at seq "
            f"{newest[0].seq - 1}: sealed rows were removed",
            self.problems(),
        )

    def test_removed_or_changed_seal_is_detected(self):
        for _ in range(3):
            self.view()
            seal(wait=5)
        first, middle, last = AuditSeal.objects.filter(chain="access").order_by("last_seq")
        raw_execute("UPDATE audit_auditseal SET chain_mac = %s WHERE id = %s", ["0" * 64, last.pk])
        self.assertIn(
            f"seq {last.after_seq + 1}-{last.last_seq}: the rows do not match their seal",
            self.problems(),
        )
        raw_execute("DELETE FROM audit_auditseal WHERE id = %s", [middle.pk])
        self.assertIn(
            f"does not follow the seal ending at seq {first.last_seq}: a seal was removed",
            self.problems(),
        )
        raw_execute("DELETE FROM audit_auditseal WHERE id = %s", [first.pk])
        self.assertIn("the oldest rows and their seals were removed", self.problems())

    def test_changed_checkpoint_is_reported(self):
        self.view()
        seal(wait=5)
        [path] = self.checkpoints.glob(f"{PREFIX}*.json")
        document = json.loads(path.read_text())
        document["chains"]["access"]["rows"] += 1
        path.chmod(0o640)
        path.write_text(json.dumps(document))
        self.assertIn(f"checkpoint {path.name}: the signature does not match", self.problems())

    def test_checkpoint_that_does_not_match_the_database_is_reported(self):
        """A log rewritten by someone holding the key no longer matches the older checkpoint."""
        self.view()
        seal(wait=5)
        [path] = self.checkpoints.glob(f"{PREFIX}*.json")
        document = json.loads(path.read_text())
        document.pop("signature")
        document["chains"]["access"]["chain_mac"] = "f" * 64
        document["signature"] = sign(Keys.from_settings(), document)
        path.chmod(0o640)
        path.write_text(json.dumps(document))
        self.assertIn("does not match the database", self.problems())

    def test_sealed_log_without_any_checkpoint_is_reported(self):
        self.view()
        seal(wait=5)
        for path in self.checkpoints.glob(f"{PREFIX}*.json"):
            path.unlink()
        self.assertIn("no checkpoint in", self.problems())
        # The next seal writes one again.
        self.assertIsNotNone(write_checkpoint(self.checkpoints))
        self.assertEqual(verify_all().problems, [])

    def test_rows_left_unsealed_too_long_are_reported(self):
        self.view()
        self.assertEqual(verify_all(max_unsealed_age=datetime.timedelta(hours=1)).problems, [])
        # The suite's clock stands still: two hours go by before the next check.
        with time_machine.travel(timezone.now() + datetime.timedelta(hours=2), tick=False):
            problems = " ".join(verify_all(max_unsealed_age=datetime.timedelta(hours=1)).problems)
        self.assertIn("not sealed", problems)
        self.assertIn("seal_audit", problems)

    def test_seal_needs_a_checkpoint_directory(self):
        with override_settings(AUDIT_CHECKPOINT_DIR=""), self.assertRaises(CommandError):
            call_command("seal_audit")

    def test_orm_refuses_to_change_or_delete_rows_and_seals(self):
        entry = log_access(user=self.peer.user, action="view", purpose="support")
        seal(wait=5)
        seal_row = AuditSeal.objects.first()
        assert seal_row is not None
        for row in (entry, seal_row):
            with self.assertRaises(PermissionError):
                row.save()
            with self.assertRaises(PermissionError):
                row.delete()
        with self.assertRaises(PermissionError):
            AccessLogEntry.objects.filter(pk=entry.pk).update(purpose="x")
        with self.assertRaises(PermissionError):
            AccessLogEntry.objects.all().delete()
        with self.assertRaises(PermissionError):
            AuditSeal.objects.all().delete()

    def test_database_refuses_update_and_delete_on_postgresql(self):
        if connection.vendor != "postgresql":
            self.skipTest("the append-only triggers exist on PostgreSQL only (SQLite has no roles)")
        entry = log_access(user=self.peer.user, action="view", purpose="support")
        # A list entry, so that the index table has rows for its trigger to refuse.
        log_list(user=self.peer.user, purpose="support", person_ids=[self.alice.pk, self.bob.pk])
        seal(wait=5)
        statements = [
            ("UPDATE audit_accesslogentry SET purpose = 'x' WHERE seq = %s", [entry.seq]),
            ("DELETE FROM audit_accesslogentry WHERE seq = %s", [entry.seq]),
            ("UPDATE audit_auditevent SET verb = 'x'", []),
            ("DELETE FROM audit_auditevent", []),
            ("UPDATE audit_auditseal SET rows = rows + 1", []),
            ("DELETE FROM audit_auditseal", []),
            ("DELETE FROM audit_accessloglistperson", []),
            ("UPDATE audit_accessloglist SET digest = 'x'", []),
            ("DELETE FROM audit_accessloglist", []),
        ]
        for sql, params in statements:
            with (
                self.subTest(sql),
                self.assertRaisesMessage(DatabaseError, "append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql, params)
        self.assertEqual(AccessLogEntry.objects.get(seq=entry.seq).purpose, "support")

    def test_search_criterion_is_hashed_not_stored(self):
        entry = log_access(
            user=self.coordinator,
            action="search",
            purpose="coordination",
            criterion="Alice Andersen",
        )
        self.assertEqual(entry.criterion_hash, hash_criterion("  alice   ANDERSEN "))
        self.assertNotIn("Alice", str(entry.payload()))


class ListEntryTests(CheckpointDirMixin, BaseTestCase):
    """A look at a list is one entry naming every person shown, found under each of them."""

    def test_one_entry_names_every_person_of_a_list(self):
        entry = log_list(
            user=self.coordinator, purpose="coordination", person_ids=[self.bob.pk, self.alice.pk]
        )
        assert entry is not None
        self.assertEqual(entry.person_ids, sorted([self.alice.pk, self.bob.pk]))
        self.assertIsNone(entry.person_id)
        self.assertEqual(entry.persons, {self.alice.pk, self.bob.pk})
        for person in (self.alice, self.bob):
            self.assertEqual(AccessLogEntry.objects.naming(person.pk).last(), entry)
        self.assertFalse(AccessLogEntry.objects.naming(self.carol.pk).filter(seq=entry.seq))

    def test_a_list_of_one_is_an_entry_about_that_person(self):
        entry = log_list(user=self.coordinator, purpose="coordination", person_ids=[self.alice.pk])
        assert entry is not None
        self.assertEqual((entry.person_id, entry.person_ids), (self.alice.pk, []))
        self.assertIsNone(entry.shown_list_id)
        self.assertFalse(AccessLogList.objects.exists())

    def test_the_same_persons_shown_again_name_the_same_stored_set(self):
        first = log_list(
            user=self.coordinator, purpose="coordination", person_ids=[self.bob.pk, self.alice.pk]
        )
        with count_queries() as queries:
            again = log_list(
                user=self.peer.user, purpose="support", person_ids=[self.alice.pk, self.bob.pk]
            )
        assert first is not None and again is not None
        self.assertEqual(again.shown_list_id, first.shown_list_id)
        self.assertEqual(AccessLogListPerson.objects.count(), 2)
        written = [query["sql"] for query in queries.captured_queries]
        self.assertFalse([sql for sql in written if "accessloglistperson" in sql], written)
        other = log_list(
            user=self.coordinator, purpose="coordination", person_ids=[self.alice.pk, self.carol.pk]
        )
        assert other is not None
        self.assertNotEqual(other.shown_list_id, first.shown_list_id)
        self.assertEqual(
            list(AccessLogEntry.objects.naming(self.alice.pk).filter(seq__gte=first.seq)),
            [first, again, other],
        )
        self.assertEqual(
            list(AccessLogEntry.objects.naming(self.bob.pk).filter(seq__gte=first.seq)),
            [first, again],
        )
        self.assertEqual(verify_all().problems, [])

    def test_a_list_that_shows_nobody_is_not_logged_but_a_search_is(self):
        before = AccessLogEntry.objects.count()
        self.assertIsNone(log_list(user=self.coordinator, purpose="coordination", person_ids=[]))
        self.assertEqual(AccessLogEntry.objects.count(), before)
        search = log_list(
            user=self.coordinator, purpose="coordination", person_ids=[], criterion="Zed"
        )
        assert search is not None
        self.assertEqual(search.action, "view")
        self.assertEqual(AccessLogEntry.objects.count(), before + 1)

    def test_the_persons_of_a_list_are_covered_by_the_mac_and_the_index_is_checked(self):
        entry = log_list(
            user=self.coordinator, purpose="coordination", person_ids=[self.alice.pk, self.bob.pk]
        )
        assert entry is not None
        self.assertEqual(verify_all().problems, [])
        raw_execute("DELETE FROM audit_accessloglistperson WHERE person_id = %s", [self.alice.pk])
        self.assertIn("does not hold its persons", " ".join(verify_all().problems))
        raw_execute(
            "INSERT INTO audit_accessloglistperson (list_id, person_id) VALUES (%s, %s)",
            [entry.shown_list_id, self.alice.pk],
        )
        self.assertEqual(verify_all().problems, [])
        # An entry pointed at another set, or at none, would hide or invent looks.
        other = log_list(
            user=self.coordinator, purpose="coordination", person_ids=[self.bob.pk, self.carol.pk]
        )
        assert other is not None
        raw_execute(
            "UPDATE audit_accesslogentry SET list_id = %s WHERE seq = %s",
            [other.shown_list_id, entry.seq],
        )
        self.assertIn("does not hold its persons", " ".join(verify_all().problems))
        raw_execute("UPDATE audit_accesslogentry SET list_id = NULL WHERE seq = %s", [entry.seq])
        self.assertIn("names no list", " ".join(verify_all().problems))
        single = log_access(user=self.coordinator, action="view", purpose="support")
        raw_execute(
            "UPDATE audit_accesslogentry SET list_id = %s WHERE seq = %s",
            [other.shown_list_id, single.seq],
        )
        self.assertIn("names a list but lists nobody", " ".join(verify_all().problems))
        raw_execute(
            "UPDATE audit_accesslogentry SET list_id = %s WHERE seq = %s",
            [entry.shown_list_id, entry.seq],
        )
        raw_execute(
            "UPDATE audit_accesslogentry SET person_ids = %s WHERE seq = %s",
            [json.dumps([self.bob.pk]), entry.seq],
        )
        self.assertIn("MAC", " ".join(verify_all().problems))


class DeployCheckTests(BaseTestCase):
    def ids(self) -> set[str]:
        return {message.id for message in audit_settings() if message.id}

    def test_production_refuses_the_development_key_and_a_missing_checkpoint_dir(self):
        from django.conf import settings

        with override_settings(AUDIT_HMAC_KEY=settings.DEV_AUDIT_HMAC_KEY, AUDIT_CHECKPOINT_DIR=""):
            self.assertEqual(self.ids(), {"audit.E001", "audit.E002"})
        with override_settings(AUDIT_HMAC_KEY="short"):
            self.assertIn("audit.E001", self.ids())
        with override_settings(AUDIT_HMAC_KEY=OTHER_KEY, AUDIT_CHECKPOINT_DIR="/srv/checkpoints"):
            self.assertEqual(self.ids(), set())
        with override_settings(
            AUDIT_HMAC_KEY=OTHER_KEY,
            AUDIT_CHECKPOINT_DIR="/srv/checkpoints",
            AUDIT_ACCESS_LOG=False,
        ):
            self.assertEqual(self.ids(), {"audit.E003"})


class AccessReportTests(CheckpointDirMixin, BaseTestCase):
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

    def test_the_report_shows_the_lists_a_person_was_shown_in(self):
        log_list(
            user=self.coordinator, purpose="coordination", person_ids=[self.alice.pk, self.bob.pk]
        )
        self.login(self.admin)
        response = self.client.get(reverse("audit:access_report", args=[self.bob.pk]))
        self.assertContains(response, self.coordinator.display_name)
        self.assertContains(response, "2")
        self.assertEqual(
            [e.persons for e in response.context["entries"] if e.person_ids],
            [{self.alice.pk, self.bob.pk}],
        )

    def test_a_list_reads_as_a_list_not_as_a_search_for_the_person(self):
        log_list(
            user=self.coordinator,
            purpose="coordination",
            person_ids=[self.alice.pk, self.bob.pk],
            action=AccessAction.SEARCH,
            criterion="person list",
        )
        self.login(self.admin)
        response = self.client.get(reverse("audit:access_report", args=[self.bob.pk]))
        self.assertContains(response, "Vist i en liste eller søgning")
        self.assertNotContains(response, "Søgte")

    def test_the_report_pages_fifty_entries_with_the_same_queries(self):
        log_list(user=self.coordinator, purpose="coordination", person_ids=[self.alice.pk])
        self.login(self.admin)
        url = reverse("audit:access_report", args=[self.alice.pk])
        self.client.get(url)
        with count_queries() as few:
            self.client.get(url)
        for _ in range(60):
            log_list(
                user=self.coordinator,
                purpose="coordination",
                person_ids=[self.alice.pk, self.bob.pk],
            )
        with count_queries() as many:
            response = self.client.get(url)
        self.assertEqual(len(few), len(many))
        self.assertEqual(len(response.context["entries"]), 50)
        total = response.context["page"].paginator.count
        self.assertGreater(total, 60)
        older = self.client.get(url, {"page": "2"})
        self.assertEqual(len(older.context["entries"]), total - 50 + 1)  # + the look at page 1

    def test_only_administrators_get_the_report(self):
        for user in (self.coordinator, self.peer, self.evaluator, self.clinician):
            self.login(user)
            url = reverse("audit:access_report", args=[self.alice.pk])
            self.assertEqual(self.client.get(url).status_code, 403, user)

    def test_admin_home_shows_the_last_scheduled_check_and_runs_none(self):
        self.login(self.admin)
        home = reverse("desk:home")
        self.assertContains(self.client.get(home), "ikke kontrolleret endnu")
        self.assertFalse(AuditCheck.objects.exists())  # showing the page checked nothing
        entry = log_access(
            user=self.peer.user, action="view", purpose="support", person_id=self.alice.pk
        )
        call_command("seal_audit", stdout=io.StringIO())
        call_command("verify_audit", stdout=io.StringIO())
        self.assertContains(self.client.get(home), "intakt")
        raw_execute("UPDATE audit_accesslogentry SET purpose = 'x' WHERE seq = %s", [entry.seq])
        with self.assertRaises(CommandError):
            call_command("verify_audit", stderr=io.StringIO())
        self.assertContains(self.client.get(home), "1 problem fundet")
