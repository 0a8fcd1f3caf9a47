"""Issue 19: planning supervision runs the same availability check as booking a
conversation: a member away (or on a public holiday, or outside their hours) warns, and
"Book anyway" needs a reason, kept with the session and in the audit trail."""

from __future__ import annotations

import datetime

import holidays
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from brobygger.audit.models import AuditEvent
from brobygger.scheduling import services as scheduling
from brobygger.scheduling.models import ExceptionKind
from brobygger.scheduling.tests.test_absences import working_monday
from brobygger.workforce.models import SupervisionSession

from .helpers import WorkforceTestCase, at, make_session

DAY = datetime.timedelta(days=1)


class SupervisionAvailabilityTests(WorkforceTestCase):
    def setUp(self) -> None:
        self.monday = working_monday(weeks_ahead=2)
        scheduling.add_exception(
            actor=None,
            peer=self.other_peer,
            starts_on=self.monday,
            ends_on=self.monday + 4 * DAY,
            kind=ExceptionKind.HOLIDAY,
        )
        self.login(self.coordinator)
        self.url = reverse("workforce:session_create", args=[self.group.pk])

    def data(self, day: datetime.date, **extra: str) -> dict[str, str]:
        return {
            "date": day.isoformat(),
            "time": "13:00",
            "minutes": "120",
            "place": "Mødelokale 2",
            "themes": "Grænser i samtaler",
            **extra,
        }

    def test_a_session_in_a_members_holiday_warns_and_needs_a_reason(self):
        before = SupervisionSession.objects.count()
        response = self.client.post(self.url, self.data(self.monday + DAY))
        self.assertContains(response, f"{self.other_peer.name} holder ferie", status_code=422)
        self.assertContains(response, 'name="override_reason"', status_code=422)
        self.assertContains(response, "Grænser i samtaler", status_code=422)
        response = self.client.post(self.url, self.data(self.monday + DAY, book_anyway="on"))
        self.assertContains(response, "Skriv hvorfor", status_code=422)
        self.assertEqual(SupervisionSession.objects.count(), before)
        response = self.client.post(
            self.url,
            self.data(self.monday + DAY, book_anyway="on", override_reason="Kun denne dato"),
        )
        session = SupervisionSession.objects.latest("pk")
        self.assertRedirects(response, reverse("workforce:session_detail", args=[session.pk]))
        self.assertEqual(session.override_reason, "Kun denne dato")
        event = AuditEvent.objects.get(verb="supervision.session_added", object_id=session.pk)
        self.assertEqual(event.data["override"], ["away"])

    def test_moving_a_session_into_a_holiday_warns(self):
        response = self.client.post(self.url, self.data(self.monday + 7 * DAY))
        session = SupervisionSession.objects.latest("pk")
        self.assertRedirects(response, reverse("workforce:session_detail", args=[session.pk]))
        self.assertEqual(session.override_reason, "")
        edit = reverse("workforce:session_edit", args=[session.pk])
        response = self.client.post(edit, self.data(self.monday + 2 * DAY))
        self.assertContains(response, "holder ferie", status_code=422)
        session.refresh_from_db()
        self.assertEqual(timezone.localdate(session.starts_at), self.monday + 7 * DAY)


class PastSessionAndNewMemberAvailabilityTests(WorkforceTestCase):
    def test_a_session_registered_after_the_fact_on_a_sick_day_needs_a_reason(self):
        day = timezone.localdate() - 2 * DAY
        danish = holidays.Denmark(years=[day.year - 1, day.year])
        while day.weekday() >= 5 or day in danish:
            day -= DAY
        scheduling.add_exception(
            actor=None, peer=self.other_peer, starts_on=day, kind=ExceptionKind.SICK
        )
        with self.assertRaisesMessage(ValidationError, "er syg"):
            make_session(self.group, at(day, 13))
        session = make_session(self.group, at(day, 13), override_reason="Deltog hjemmefra")
        self.assertEqual(session.override_reason, "Deltog hjemmefra")
        event = AuditEvent.objects.get(verb="supervision.session_added", object_id=session.pk)
        self.assertEqual(event.data["override"], ["away"])

    def test_a_new_member_on_holiday_at_a_coming_session_needs_a_reason(self):
        day = timezone.localdate(self.coming.starts_at)
        scheduling.add_exception(
            actor=None, peer=self.relative_peer, starts_on=day, kind=ExceptionKind.HOLIDAY
        )
        self.login(self.coordinator)
        url = reverse("workforce:group_edit", args=[self.group.pk])
        data = {
            "name": self.group.name,
            "provider_kind": self.group.provider_kind,
            "provider_name": self.group.provider_name,
            "supervisor_name": self.group.supervisor_name,
            "unit": str(self.unit.pk),
            "target_days": "28",
            "members": [str(p.pk) for p in (self.peer, self.other_peer, self.relative_peer)],
        }
        response = self.client.post(url, data)
        self.assertContains(response, f"{self.relative_peer.name} holder ferie", status_code=422)
        self.assertContains(response, 'name="override_reason"', status_code=422)
        self.assertNotIn(self.relative_peer, self.group.members.all())
        response = self.client.post(
            url, data | {"book_anyway": "on", "override_reason": "Kommer kun til de næste"}
        )
        self.assertRedirects(response, reverse("workforce:group_detail", args=[self.group.pk]))
        self.assertIn(self.relative_peer, self.group.members.all())
        self.coming.refresh_from_db()
        self.assertEqual(self.coming.override_reason, "Kommer kun til de næste")
        event = AuditEvent.objects.get(verb="supervision.group_changed")
        self.assertEqual(event.data["override"], ["away"])
        self.assertEqual(event.data["sessions_overridden"], [self.coming.pk])
        self.held.refresh_from_db()
        self.assertEqual(self.held.override_reason, "")
