"""The demo's notifications: every kind the programme makes, read and unread for the
demo coordinator and the demo peer, and not one text naming a person or a CPR number."""

from __future__ import annotations

from django.core.management import call_command
from django.test import TestCase

from brobygger.notifications.models import Notification, NotificationKind
from brobygger.people.models import PeerWorker, Person

# Every kind, the concerns' too: the demo's open concern was raised an hour ago and the
# escalation job has alerted the coordinators again (brobygger/concerns/demo.py).
MADE_HERE = set(NotificationKind.values)


class DemoNotificationTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("load_demo", "--seed", "7", verbosity=0)

    def test_every_kind_with_read_and_unread_for_the_demo_logins(self):
        kinds = set(Notification.objects.values_list("kind", flat=True))
        self.assertLessEqual(MADE_HERE, kinds)
        coordinator = Notification.objects.filter(recipient__username="koordinator")
        self.assertTrue(coordinator.filter(read_at__isnull=True).exists())
        self.assertTrue(coordinator.filter(read_at__isnull=False).exists())
        coordinator_kinds = set(coordinator.values_list("kind", flat=True))
        self.assertLessEqual(MADE_HERE, coordinator_kinds)
        # The demo peer has read the older half of theirs: how many they get depends on
        # which of their persons' scores cross a threshold, one or more.
        peer = Notification.objects.filter(recipient__username="peer")
        got = list(peer.order_by("created_at", "pk").values_list("read_at", flat=True))
        self.assertTrue(got)
        half = len(got) // 2
        self.assertTrue(all(read is not None for read in got[:half]), got)
        self.assertTrue(all(read is None for read in got[half:]), got)

    def test_no_demo_notification_names_a_person(self):
        names = set()
        for given, family, cpr in Person.objects.values_list("given_name", "family_name", "cpr"):
            names |= {given, family} | ({cpr, f"{cpr[:6]}-{cpr[6:]}"} if cpr else set())
        for first, last in PeerWorker.objects.values_list("user__first_name", "user__last_name"):
            names |= {first, last}
        titles = list(Notification.objects.values_list("title", flat=True))
        self.assertGreater(len(titles), 20)
        offending = [(t, n) for t in titles for n in names if n and n in t]
        self.assertEqual(offending, [])
