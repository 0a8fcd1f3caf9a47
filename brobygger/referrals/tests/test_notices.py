"""Notifications about referrals: a new self-referral, a referral left waiting."""

from __future__ import annotations

import datetime

import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from brobygger.notifications.models import Notification, NotificationKind
from brobygger.referrals import notices, services
from brobygger.referrals.models import ReferralSource
from brobygger.testing import BaseTestCase


def self_referral(unit, *, given_name="Ib"):
    return services.create_referral(
        actor=None,
        source=ReferralSource.SELF,
        unit=unit,
        consent_source="online",
        person_fields={"kind": "patient", "given_name": given_name, "family_name": "Krogh"},
    )


class SelfReferralNoticeTests(BaseTestCase):
    def test_a_self_referral_notifies_the_coordinators_of_its_unit(self):
        referral = self_referral(self.unit)
        notification = Notification.objects.get()
        self.assertEqual(notification.recipient, self.coordinator)
        self.assertEqual(notification.kind, NotificationKind.SELF_REFERRAL)
        self.assertEqual(notification.title, f"Ny selvhenvisning (H-{referral.pk})")
        self.assertEqual(
            notification.link, reverse("referrals:referral_detail", args=[referral.pk])
        )
        self.assertEqual(notification.person, referral.person)

    def test_with_no_unit_every_coordinator_is_told(self):
        self_referral(None)
        self.assertEqual(
            set(Notification.objects.values_list("recipient_id", flat=True)),
            {self.coordinator.pk, self.other_coordinator.pk},
        )

    def test_a_clinicians_referral_notifies_nobody(self):
        services.create_referral(
            actor=self.clinician,
            source=ReferralSource.CLINICIAN,
            unit=self.unit,
            consent_source="verbal",
            person_fields={"kind": "patient", "given_name": "Ib", "family_name": "Krogh"},
        )
        self.assertFalse(Notification.objects.exists())


@override_settings(NOTIFY_REFERRAL_WAITING_DAYS=14)
class WaitingNoticeTests(BaseTestCase):
    def test_a_referral_waiting_too_long_notifies_once(self):
        with time_machine.travel(timezone.now() - datetime.timedelta(days=20)):
            old = self_referral(self.unit)
        self_referral(self.other_unit, given_name="Ny")  # received today: not waiting
        Notification.objects.all().delete()  # the self-referral notices
        self.assertEqual(notices.notify_waiting(), 1)
        self.assertEqual(notices.notify_waiting(), 0)  # idempotent
        notification = Notification.objects.get()
        self.assertEqual(notification.recipient, self.coordinator)
        self.assertEqual(notification.kind, NotificationKind.REFERRAL_WAITING)
        self.assertEqual(notification.title, f"Henvisning H-{old.pk} har ventet i mere end 14 dage")

    def test_a_closed_referral_is_not_waiting(self):
        with time_machine.travel(timezone.now() - datetime.timedelta(days=20)):
            old = self_referral(self.unit)
        services.transition(actor=self.coordinator, referral=old, to="declined", reason="x")
        self.assertEqual(notices.notify_waiting(), 0)
