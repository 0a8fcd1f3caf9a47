"""The referral page's history shows when each step happened: for a step recorded later
in bulk (the demo's story, a load of past events) the time its audit event names, while
the event's own time stays the time of writing and the chain verifies."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from brobygger.audit.models import AuditEvent
from brobygger.audit.services import append_many, happened, new_event, verify_chain
from brobygger.lib.when import format_when
from brobygger.referrals import services
from brobygger.referrals.models import ReferralSource
from brobygger.testing import TODAY, BaseTestCase


class ReferralHistoryDatesTests(BaseTestCase):
    def setUp(self):
        self.referral = services.create_referral(
            actor=self.clinician,
            source=ReferralSource.CLINICIAN,
            unit=self.unit,
            consent_source="verbal",
            person_fields={"kind": "patient", "given_name": "Nina", "family_name": "Lund"},
        )

    def test_a_step_recorded_later_shows_when_it_happened(self):
        referral = self.referral
        moment = timezone.make_aware(
            datetime.datetime.combine(TODAY - datetime.timedelta(days=40), datetime.time(10, 30))
        )
        [event] = append_many(
            [
                new_event(
                    actor=self.coordinator,
                    verb="referral.status",
                    obj=referral,
                    person_id=referral.person_id,
                    data={"from": "new", "to": "triaged", **happened(moment)},
                )
            ]
        )
        stored = AuditEvent.objects.get(seq=event.seq)
        self.assertEqual(stored.happened_at, moment)
        self.assertGreater(stored.at, moment)
        self.assertEqual(verify_chain(AuditEvent), [])
        self.login(self.coordinator)
        page = self.client.get(reverse("referrals:referral_detail", args=[referral.pk]))
        # The step's line carries the story date (the "Received" line, written now, keeps
        # the time of writing).
        self.assertContains(page, f"{format_when(moment, 'short_datetime')} · ")

    def test_an_event_without_a_story_time_is_dated_by_its_writing(self):
        referral = self.referral
        events = AuditEvent.objects.filter(object_type="referrals.referral", object_id=referral.pk)
        self.assertTrue(events.exists())
        self.assertTrue(all(e.happened_at == e.at for e in events))
