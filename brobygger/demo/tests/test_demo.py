from django.core.management import call_command
from django.test import TestCase, TransactionTestCase

from brobygger.audit.models import AccessLogEntry, AuditEvent
from brobygger.audit.services import verify_chain
from brobygger.breakglass.models import GlassAccess
from brobygger.people.models import PeerWorker, Person, RelativeLink
from brobygger.referrals.models import Course


class DemoTests(TestCase):
    def test_demo_programme_is_realistic_and_audited(self):
        call_command("load_demo", "--seed", "7", verbosity=0)
        self.assertEqual(Person.objects.count(), 300)
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
        # Everything came through the services: every person has an audit event.
        self.assertEqual(AuditEvent.objects.filter(verb="person.created").count(), 300)
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
        self.assertEqual(verify_chain(AccessLogEntry), [])
        self.assertEqual(verify_chain(AuditEvent), [])


class DemoReproducibilityTests(TransactionTestCase):
    def test_same_seed_gives_the_same_programme(self):
        call_command("load_demo", "--seed", "3", verbosity=0)
        first = list(Person.objects.order_by("id").values_list("given_name", "family_name", "cpr"))
        call_command("flush", "--no-input", verbosity=0)
        call_command("load_demo", "--seed", "3", verbosity=0)
        second = list(Person.objects.order_by("id").values_list("given_name", "family_name", "cpr"))
        self.assertEqual(first, second)


class DemoIfEmptyTests(TestCase):
    def test_if_empty_does_not_load_twice(self):
        call_command("load_demo", verbosity=0)
        call_command("load_demo", "--if-empty", verbosity=0)
        self.assertEqual(Person.objects.count(), 300)
