"""A peer declines a proposed match: the coordinator is told, and sees the reason where
they work the referral (never in the notification's text)."""

from __future__ import annotations

from django.urls import reverse

from brobygger.matching import services
from brobygger.notifications.models import Notification, NotificationKind
from brobygger.referrals import services as referral_services
from brobygger.referrals.models import ReferralSource
from brobygger.testing import BaseTestCase

REASON = "Kender familien privat"


class DeclineNoticeTests(BaseTestCase):
    def test_the_coordinator_is_told_and_sees_the_reason_on_the_referral(self):
        referral = referral_services.create_referral(
            actor=self.clinician,
            source=ReferralSource.CLINICIAN,
            unit=self.unit,
            consent_source="verbal",
            person_fields={"kind": "patient", "given_name": "Nora", "family_name": "Berg"},
        )
        referral_services.transition(actor=self.coordinator, referral=referral, to="triaged")
        services.propose_match(actor=self.coordinator, referral=referral, peer=self.peer)
        referral.refresh_from_db()
        services.decline_match(actor=self.peer.user, referral=referral, reason=REASON)

        notification = Notification.objects.get(kind=NotificationKind.MATCH_DECLINED)
        self.assertEqual(notification.recipient, self.coordinator)
        self.assertIn(f"H-{referral.pk}", notification.title)
        self.assertNotIn(REASON, notification.title)
        self.assertNotIn("Nora", notification.title)

        self.login(self.coordinator)
        page = self.client.get(notification.link)
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "Peer-medarbejdere, der har sagt nej")
        self.assertContains(page, REASON)
        self.assertContains(page, f"H-{referral.pk}")
        detail = reverse("referrals:referral_detail", args=[referral.pk])
        self.assertEqual(notification.link, detail)
