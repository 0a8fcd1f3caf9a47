"""The course page's preview of an ending is for the date and reason chosen (issue 17),
the same that the confirm applies."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone

from brobygger.outcomes.models import Administration, Timepoint
from brobygger.outcomes.tests.helpers import give_questionnaire_consent
from brobygger.referrals.models import EndReason
from brobygger.scheduling import services as scheduling_services
from brobygger.scheduling.models import Appointment, AppointmentStatus, Mode
from brobygger.testing import TODAY, BaseTestCase


class EndingPreviewTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        give_questionnaire_consent(cls.alice)

    def book(self, *, hours: int) -> Appointment:
        starts_at = (timezone.now() + datetime.timedelta(hours=hours)).replace(
            minute=0, second=0, microsecond=0
        )
        return scheduling_services.book(
            actor=self.coordinator,
            course=self.alice_course,
            starts_at=starts_at,
            minutes=60,
            mode=Mode.PHONE,
        )

    def post(self, action: str, day: datetime.date, reason: str) -> Any:
        self.login(self.coordinator)
        url = reverse("referrals:course_detail", args=[self.alice_course.pk])
        data = {"action": action, "ended_on": day.isoformat(), "reason": reason}
        return self.client.post(url, data)

    def test_the_preview_is_for_the_chosen_date_and_the_confirm_does_just_that(self):
        soon, later = self.book(hours=3), self.book(hours=24 * 5)
        day = TODAY + datetime.timedelta(days=2)
        response = self.post("preview", day, EndReason.COMPLETED)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["ending"].appointments, [later])
        self.assertContains(response, "Hvis forløbet slutter")
        self.assertContains(response, "Afsluttet som planlagt")
        # Looking changed nothing.
        self.alice_course.refresh_from_db()
        self.assertIsNone(self.alice_course.ended_on)
        self.assertEqual(self.post("end", day, EndReason.COMPLETED).status_code, 302)
        soon.refresh_from_db()
        later.refresh_from_db()
        self.assertEqual(
            (soon.status, later.status), (AppointmentStatus.BOOKED, AppointmentStatus.CANCELLED)
        )

    def test_the_preview_follows_the_reason(self):
        start = Administration.objects.get(course=self.alice_course, timepoint=Timepoint.START)
        completed = self.post("preview", TODAY, EndReason.COMPLETED)
        # Due before the end: the person may still answer it.
        self.assertNotIn(start, completed.context["ending"].administrations)
        withdrawn = self.post("preview", TODAY, EndReason.CONSENT_WITHDRAWN)
        self.assertIn(start, withdrawn.context["ending"].administrations)
        self.assertContains(withdrawn, "Samtykket er trukket tilbage")
        plain = self.client.get(reverse("referrals:course_change", args=[self.alice_course.pk]))
        self.assertIsNone(plain.context["ending_on"])

    def test_a_date_before_the_start_gets_a_message_not_a_preview(self):
        response = self.post("preview", TODAY - datetime.timedelta(days=400), EndReason.OTHER)
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "Et forløb kan ikke slutte", status_code=422)
        self.assertIsNone(response.context["ending_on"])
