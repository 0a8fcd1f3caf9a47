"""Retention of the log: whole sealed stretches go, the chain stays verifiable."""

from __future__ import annotations

import datetime
import io

import time_machine
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import TestCase
from django.utils import timezone

from brobygger.accounts.models import Role
from brobygger.audit.models import (
    AccessLogEntry,
    AccessLogList,
    AccessLogListPerson,
    AuditCut,
    AuditEvent,
    AuditSeal,
)
from brobygger.audit.retention import cut_log
from brobygger.audit.sealing import seal
from brobygger.audit.services import log_access, log_list
from brobygger.audit.tests.test_audit import CheckpointDirMixin, raw_execute
from brobygger.audit.verification import verify_all
from brobygger.testing import make_user

YEAR = datetime.timedelta(days=365)


def earlier_clock() -> datetime.datetime:
    """The earlier of the app's clock and the database's. PostgreSQL's cut function keeps
    rows younger than six months by its own clock, which the frozen test clock does not
    move: at an instant of `make test-clock` months after today, rows eight months before
    the test's now are still young to the database."""
    now = timezone.now()
    if connection.vendor != "postgresql":
        return now
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        return min(now, cursor.fetchone()[0])


class CutTests(CheckpointDirMixin, TestCase):
    def setUp(self) -> None:
        super().setUp()
        self.user = make_user("peer", Role.COORDINATOR)
        base = earlier_clock()
        # Six years ago: looks at persons, sealed then (a checkpoint written then too).
        with time_machine.travel(base - 6 * YEAR, tick=False):
            self.old = [self.look(n) for n in range(3)]
            log_list(user=self.user, purpose="support", person_ids=[1, 2, 3])
            seal(wait=5)
        # Eight months ago (younger than the five years, older than the six-month floor).
        with time_machine.travel(base - datetime.timedelta(days=250), tick=False):
            self.recent = [self.look(n) for n in range(2)]
            seal(wait=5)

    def look(self, person_id: int) -> AccessLogEntry:
        return log_access(user=self.user, action="view", purpose="support", person_id=person_id)

    def problems(self) -> list[str]:
        return verify_all().problems

    def test_old_sealed_stretches_go_and_the_chain_still_verifies(self):
        self.assertEqual(self.problems(), [])
        deleted = cut_log(cutoff=timezone.now() - 5 * YEAR)
        self.assertGreaterEqual(deleted, 4)  # three looks and the list, plus old events
        self.assertFalse(AccessLogEntry.objects.filter(seq__lte=self.old[-1].seq).exists())
        self.assertEqual(
            list(AccessLogEntry.objects.values_list("seq", flat=True)),
            [e.seq for e in self.recent],
        )
        cut = AuditCut.objects.get(chain="access")
        self.assertEqual(cut.rows, 4)
        # The list's set of persons went with the only entry that named it.
        self.assertFalse(AccessLogList.objects.exists())
        self.assertFalse(AccessLogListPerson.objects.exists())
        self.assertEqual(self.problems(), [])
        # The chain goes on: new rows are sealed after the cut, and still verify.
        self.look(9)
        seal(wait=5)
        self.assertEqual(self.problems(), [])
        out = io.StringIO()
        call_command("verify_audit", stdout=out)
        self.assertIn("OK", out.getvalue())

    def test_a_set_of_persons_still_named_by_a_younger_entry_stays(self):
        with time_machine.travel(earlier_clock() - datetime.timedelta(days=250), tick=False):
            again = log_list(user=self.user, purpose="support", person_ids=[3, 2, 1])
            seal(wait=5)
        assert again is not None
        self.assertEqual(AccessLogList.objects.count(), 1)  # the same persons: one set
        cut_log(cutoff=timezone.now() - 5 * YEAR)
        self.assertEqual(
            sorted(
                AccessLogListPerson.objects.filter(shown_list_id=again.shown_list_id).values_list(
                    "person_id", flat=True
                )
            ),
            [1, 2, 3],
        )
        self.assertEqual(list(AccessLogEntry.objects.naming(2)), [again])
        self.assertEqual(self.problems(), [])

    def test_a_second_cut_finds_nothing_more(self):
        first = cut_log(cutoff=timezone.now() - 5 * YEAR)
        self.assertGreater(first, 0)
        self.assertEqual(cut_log(cutoff=timezone.now() - 5 * YEAR), 0)
        self.assertEqual(self.problems(), [])

    def test_a_cut_of_every_seal_lets_the_sealer_go_on_from_the_cut(self):
        cut_log(cutoff=timezone.now() - datetime.timedelta(days=200))
        self.assertFalse(AuditSeal.objects.filter(chain="access").exists())
        self.assertEqual(self.problems(), [])
        entry = self.look(5)
        seal(wait=5)
        first = AuditSeal.objects.get(chain="access")
        self.assertEqual(first.after_seq, AuditCut.objects.get(chain="access").last_seq)
        self.assertEqual(first.last_seq, entry.seq)
        self.assertEqual(self.problems(), [])

    def test_unsealed_and_young_rows_are_never_cut(self):
        with time_machine.travel(timezone.now() - 6 * YEAR, tick=False):
            unsealed = self.look(7)  # old, but written after the last seal
        cut_log(cutoff=timezone.now() - 5 * YEAR)
        self.assertTrue(AccessLogEntry.objects.filter(seq=unsealed.seq).exists())
        with self.assertRaises(ValueError):
            cut_log(cutoff=timezone.now() - datetime.timedelta(days=30))
        self.assertEqual(
            AccessLogEntry.objects.filter(seq__in=[e.seq for e in self.recent]).count(), 2
        )

    def test_a_forged_cut_is_found(self):
        # Someone with database access but without the key deletes the old rows and
        # writes a cut that would hide it: its MAC gives it away.
        last = AuditSeal.objects.filter(chain="access").order_by("last_seq").first()
        assert last is not None
        raw_execute("DELETE FROM audit_accesslogentry WHERE seq <= %s", [last.last_seq])
        raw_execute("DELETE FROM audit_auditseal WHERE id = %s", [last.pk])
        AuditCut.objects.create(
            chain="access",
            last_seq=last.last_seq,
            rows=last.rows,
            chain_mac=last.chain_mac,
            cut_at=timezone.now(),
            mac="0" * 64,
        )
        problems = " ".join(self.problems())
        self.assertIn("not genuine", problems)

    def test_rows_removed_without_a_cut_are_still_found(self):
        last = AuditSeal.objects.filter(chain="access").order_by("last_seq").first()
        assert last is not None
        raw_execute("DELETE FROM audit_accesslogentry WHERE seq <= %s", [last.last_seq])
        raw_execute("DELETE FROM audit_auditseal WHERE id = %s", [last.pk])
        self.assertIn("oldest rows", " ".join(self.problems()))

    def test_postgresql_refuses_an_ordinary_delete_after_the_cut_exists(self):
        if connection.vendor != "postgresql":
            self.skipTest("the append-only triggers exist on PostgreSQL only")
        cut_log(cutoff=timezone.now() - 5 * YEAR)
        for sql in (
            "DELETE FROM audit_accesslogentry",
            "DELETE FROM audit_auditevent",
            "DELETE FROM audit_auditseal",
            "DELETE FROM audit_auditcut",
            "UPDATE audit_auditcut SET rows = 0",
        ):
            with (
                self.subTest(sql),
                self.assertRaisesMessage(DatabaseError, "append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql)
        # The function itself refuses young rows (by the database's own clock, which the
        # frozen test clock does not move) and a seq no seal ends at.
        with connection.cursor() as cursor:
            cursor.execute("SELECT now()")
            database_now = cursor.fetchone()[0]
        with time_machine.travel(database_now, tick=False):
            self.look(8)
            seal(wait=5)
        newest = AuditSeal.objects.filter(chain="access").order_by("-last_seq").first()
        assert newest is not None
        for params in (["access", newest.last_seq], ["access", newest.last_seq + 100]):
            with (
                self.subTest(params),
                self.assertRaises(DatabaseError),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute("SELECT brobygger_audit_cut(%s, %s)", params)
        self.assertEqual(AccessLogEntry.objects.count(), 3)
        self.assertGreater(AuditEvent.objects.count(), 0)
