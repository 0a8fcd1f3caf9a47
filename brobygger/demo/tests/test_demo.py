import pytest
from django.core.management import call_command
from django.db import connection
from django.test import TestCase, TransactionTestCase

from brobygger.agenda.models import Busy, Kind
from brobygger.audit.models import AccessLogEntry, AuditEvent
from brobygger.audit.services import verify_chain
from brobygger.breakglass.models import GlassAccess
from brobygger.conversations.models import ConversationRecord
from brobygger.people.models import PeerWorker, Person, RelativeLink
from brobygger.referrals.models import Course
from brobygger.retention.models import LegalHold
from brobygger.retention.services import apply_retention
from brobygger.scheduling.models import Appointment


class DemoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        # Built once for the class; each test's changes are rolled back after it.
        call_command("load_demo", "--seed", "7", verbosity=0)

    def test_demo_programme_is_realistic_and_audited(self):
        # 300, and the two persons of the retention demo's courses that ended six years ago.
        self.assertEqual(Person.objects.count(), 302)
        # Twelve peers from the start, and two hired from job postings through the hire step.
        self.assertEqual(PeerWorker.objects.filter(hire__isnull=True).count(), 12)
        self.assertEqual(PeerWorker.objects.filter(hire__isnull=False).count(), 2)
        self.assertEqual(
            PeerWorker.objects.filter(kind="relative_peer", hire__isnull=True).count(), 3
        )
        self.assertTrue(
            all(8 <= p.hours_min <= p.hours_max <= 15 + 7 for p in PeerWorker.objects.all())
        )
        self.assertGreater(RelativeLink.objects.count(), 20)
        self.assertGreater(Course.objects.filter(ended_on__isnull=True).count(), 50)
        self.assertTrue(Person.objects.filter(given_name__in=["Søren", "Mette", "Anne"]).exists())
        # Two break-the-glass accesses: one reviewed with a comment, one waiting, each
        # with its looks in the access log.
        glass = GlassAccess.objects.order_by("pk")
        self.assertEqual([g.is_reviewed for g in glass], [True, False])
        self.assertTrue(glass[0].review_comment)
        for grant in glass:
            self.assertEqual(
                AccessLogEntry.objects.filter(
                    purpose="break_glass", user=grant.user, person_id=grant.person_id
                ).count(),
                2,
            )
        # Everything came through the services: every person has an audit event.
        self.assertEqual(AuditEvent.objects.filter(verb="person.created").count(), 302)
        self.assertEqual(verify_chain(AccessLogEntry), [])
        self.assertEqual(verify_chain(AuditEvent), [])
        self.assert_one_agenda_without_overlaps()

    def assert_one_agenda_without_overlaps(self):
        """Every active conversation is in the one agenda for its peer and person, the
        groups, interviews and supervision are there too, and nobody is busy twice."""
        active = Appointment.objects.active().count()
        self.assertEqual(Busy.objects.filter(kind=Kind.CONVERSATION).count(), 2 * active)
        kinds = set(Busy.objects.values_list("kind", flat=True).distinct())
        self.assertLessEqual(
            {Kind.CONVERSATION, Kind.GROUP_FACILITATOR, Kind.GROUP_PARTICIPANT, Kind.SUPERVISION},
            kinds,
        )
        rows = Busy.objects.order_by("party", "starts_at").values_list(
            "party", "starts_at", "ends_at"
        )
        previous = None
        for party, starts_at, ends_at in rows:
            if previous is not None and previous[0] == party:
                self.assertLessEqual(previous[2], starts_at, party)
            previous = (party, starts_at, ends_at)

    def test_demo_has_data_old_enough_for_retention_and_one_legal_hold(self):
        held = LegalHold.objects.active().get()
        counts = apply_retention(dry_run=True).counts
        for key in ("peer_notes", "appointments", "courses", "applications", "questionnaire_links"):
            self.assertGreater(counts[key], 0, key)
        self.assertEqual(counts["courses"], 1)  # the other old course is held
        apply_retention()
        assert held.course_id is not None
        self.assertTrue(Course.objects.filter(pk=held.course_id).exists())
        self.assertEqual(sum(apply_retention(dry_run=True).counts.values()), 0)


# The order of what is built, not its dates (the build at each instant is DemoTests' and the
# story's): make test-clock skips its two builds.
@pytest.mark.timeless
class DemoReproducibilityTests(TransactionTestCase):
    def programme(self) -> dict[str, list[tuple[object, ...]]]:
        return {
            "persons": list(
                Person.objects.order_by("id").values_list("given_name", "family_name", "cpr")
            ),
            "courses": list(
                Course.objects.order_by("id").values_list("person_id", "peer_id", "started_on")
            ),
            "appointments": list(
                Appointment.objects.order_by("id").values_list("course_id", "starts_at", "status")
            ),
            "notes": list(
                ConversationRecord.objects.order_by("id").values_list(
                    "appointment_id", "minutes", "chime", "purpose"
                )
            ),
        }

    def test_same_seed_gives_the_same_programme(self):
        # Both loads from the same ids (flush starts the sequences again; the tests before
        # this one on a worker left them further on).
        call_command("flush", "--no-input", verbosity=0)
        call_command("load_demo", "--seed", "3", verbosity=0)
        first = self.programme()
        # With the planner's statistics of a database in use (autovacuum, ANALYZE), an
        # order the builder left to the database would come out otherwise the second time.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        call_command("flush", "--no-input", verbosity=0)
        call_command("load_demo", "--seed", "3", verbosity=0)
        second = self.programme()
        for part, rows in first.items():
            self.assertGreater(len(rows), 100, part)
            self.assertEqual(rows, second[part], part)


class DemoIfEmptyTests(TestCase):
    def test_if_empty_does_not_load_twice(self):
        call_command("load_demo", verbosity=0)
        call_command("load_demo", "--if-empty", verbosity=0)
        # 300, and the two persons of the retention demo's courses that ended six years ago.
        self.assertEqual(Person.objects.count(), 302)
