"""A questionnaire score that crosses a configured threshold notifies the peer and the
coordinators, naming the questionnaire and the score's reference only."""

from __future__ import annotations

import datetime

from django.test import SimpleTestCase, override_settings

from brobygger.notifications.models import Notification, NotificationKind
from brobygger.outcomes.models import InstrumentVersion
from brobygger.outcomes.notices import crossed
from brobygger.outcomes.services import store_score
from brobygger.testing import TODAY, BaseTestCase

HIGH = {"lyttet": 5, "genkendelse": 5, "tryghed": 4, "haab": 4, "alene": 1}
LOW = {"lyttet": 1, "genkendelse": 1, "tryghed": 1, "haab": 1, "alene": 5}
KEY = "oplevelse-af-peerstoette"


class CrossedTests(SimpleTestCase):
    def test_below_above_and_drop(self):
        self.assertTrue(crossed({"below": 2}, 1.5, None))
        self.assertTrue(crossed({"below": 2}, 1.5, 3.0))
        self.assertFalse(crossed({"below": 2}, 1.5, 1.8))  # already below: no new crossing
        self.assertFalse(crossed({"below": 2}, 2.5, 3.0))
        self.assertTrue(crossed({"above": 40}, 45, 30))
        self.assertFalse(crossed({"above": 40}, 45, 41))
        self.assertTrue(crossed({"drop": 6}, 30, 36))
        self.assertFalse(crossed({"drop": 6}, 31, 36))
        self.assertFalse(crossed({"drop": 6}, 30, None))


class ThresholdNoticeTests(BaseTestCase):
    def version(self) -> InstrumentVersion:
        version = InstrumentVersion.objects.latest_of(KEY)
        assert version is not None
        return version

    def store(self, answers, days_ago: int = 0):
        return store_score(
            actor=self.peer.user,
            version=self.version(),
            course=self.alice_course,
            answers=answers,
            administered_on=TODAY - datetime.timedelta(days=days_ago),
        )

    @override_settings(NOTIFY_SCORE_THRESHOLDS={KEY: {"total": {"drop": 1}}})
    def test_a_drop_notifies_the_peer_and_the_coordinator_once(self):
        self.store(HIGH, days_ago=30)
        self.assertFalse(Notification.objects.exists())
        score = self.store(LOW)
        notifications = Notification.objects.filter(kind=NotificationKind.SCORE_THRESHOLD)
        self.assertEqual(
            {n.recipient_id for n in notifications}, {self.peer.user.pk, self.coordinator.pk}
        )
        title = notifications.get(recipient=self.coordinator).title
        self.assertEqual(
            title,
            "En score har krydset tærsklen på spørgeskemaet "
            f"{self.version().instrument.name_da} (S-{score.pk})",
        )
        for secret in ("Alice", "Andersen", "0101901234", str(score.total)):
            self.assertNotIn(secret, title)
        self.assertTrue(all(n.person_id == self.alice.pk for n in notifications))

    @override_settings(NOTIFY_SCORE_THRESHOLDS={KEY: {"total": {"drop": 1}}})
    def test_a_rise_notifies_nobody(self):
        self.store(LOW, days_ago=30)
        self.store(HIGH)
        self.assertFalse(Notification.objects.exists())

    @override_settings(NOTIFY_SCORE_THRESHOLDS={})
    def test_no_thresholds_no_notifications(self):
        self.store(HIGH, days_ago=30)
        self.store(LOW)
        self.assertFalse(Notification.objects.exists())
