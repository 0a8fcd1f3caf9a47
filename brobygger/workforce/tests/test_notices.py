"""Contracts ending and supervision due: the daily checks notify once per due date."""

from __future__ import annotations

import datetime

from django.test import override_settings

from brobygger.notifications.models import Notification, NotificationKind
from brobygger.people import services as people_services
from brobygger.testing import TODAY, BaseTestCase
from brobygger.workforce import notices
from brobygger.workforce import services as workforce_services

from .helpers import at, make_group, make_session


@override_settings(NOTIFY_CONTRACT_END_DAYS=30)
class ContractNoticeTests(BaseTestCase):
    def test_a_contract_ending_soon_notifies_the_units_coordinators_once(self):
        ends = TODAY + datetime.timedelta(days=10)
        people_services.update_peer_worker(
            actor=self.coordinator, peer=self.other_peer, contract_end=ends
        )
        self.assertEqual(notices.notify_contracts(), 1)
        self.assertEqual(notices.notify_contracts(), 0)
        notification = Notification.objects.get()
        self.assertEqual(notification.recipient, self.coordinator)
        self.assertEqual(notification.kind, NotificationKind.CONTRACT_DUE)
        self.assertIn(f"M-{self.other_peer.pk}", notification.title)
        self.assertNotIn(self.other_peer.user.first_name, notification.title)

    def test_a_contract_far_off_notifies_nobody(self):
        self.assertEqual(notices.notify_contracts(), 0)


@override_settings(NOTIFY_SUPERVISION_WEEKS=8)
class SupervisionNoticeTests(BaseTestCase):
    def test_overdue_supervision_notifies_the_peer_and_the_coordinator_once(self):
        # The cast's peers have been in no group since 1 January: all overdue but one,
        # who attended a session of a group with a 28-day target last week.
        group = make_group([self.peer], unit=self.unit)
        session = make_session(group, at(TODAY - datetime.timedelta(days=7), 10))
        workforce_services.record_attendance(
            actor=None, session=session, statuses={self.peer.pk: "present"}
        )
        made = notices.notify_supervision()
        self.assertEqual(notices.notify_supervision(), 0)
        mine = Notification.objects.filter(kind=NotificationKind.SUPERVISION_DUE)
        self.assertFalse(mine.filter(recipient=self.peer.user).exists())
        peer_note = mine.get(recipient=self.other_peer.user)
        self.assertEqual(peer_note.title, "Det er tid til din supervision")
        coordinator_notes = mine.filter(recipient=self.coordinator)
        self.assertEqual(
            sorted(coordinator_notes.values_list("title", flat=True)),
            sorted(
                f"Det er tid til supervision for peer-medarbejder M-{p.pk}"
                for p in (self.other_peer, self.relative_peer)
            ),
        )
        self.assertEqual(made, mine.count())
