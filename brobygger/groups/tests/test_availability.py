"""Issue 19: every path that puts a facilitator in the agenda runs the one availability
check (scheduling.services.check_availability): a session registered after the fact, and
a new facilitator taking over the coming sessions. Away, a public holiday or outside the
hours asks for "Book anyway" with a reason, kept with the session and in the audit trail."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from brobygger.audit.models import AuditEvent
from brobygger.groups import services
from brobygger.groups.models import GroupSession
from brobygger.scheduling import services as scheduling
from brobygger.scheduling.models import ExceptionKind
from brobygger.testing import recent_working_day

from .helpers import GroupTestCase, at

DAY = datetime.timedelta(days=1)


class PastSessionChecksAvailabilityTests(GroupTestCase):
    def test_a_session_registered_on_a_facilitators_sick_day_needs_a_reason(self):
        day = recent_working_day()
        scheduling.add_exception(actor=None, peer=self.peer, starts_on=day, kind=ExceptionKind.SICK)
        fields: dict[str, Any] = {
            "actor": self.coordinator,
            "group": self.group,
            "starts_at": at(day, 10),
            "ends_at": at(day, 12),
            "allow_past": True,
        }
        before = GroupSession.objects.count()
        with self.assertRaisesMessage(ValidationError, "er syg") as caught:
            services.add_session(**fields)
        self.assertEqual(caught.exception.error_list[0].code, "outside_hours")
        self.assertEqual(GroupSession.objects.count(), before)
        session = services.add_session(**fields, override_reason="Holdt af en vikar for peer")
        self.assertEqual(session.override_reason, "Holdt af en vikar for peer")
        event = AuditEvent.objects.get(verb="group.session_added", object_id=session.pk)
        self.assertEqual(event.data["override"], ["away"])

    def test_a_session_registered_within_the_hours_needs_nothing(self):
        day = recent_working_day()
        scheduling.set_windows(
            actor=None,
            peer=self.peer,
            windows=[(day.weekday(), datetime.time(9), datetime.time(15))],
        )
        session = services.add_session(
            actor=self.coordinator,
            group=self.group,
            starts_at=at(day, 10),
            ends_at=at(day, 12),
            allow_past=True,
        )
        self.assertEqual(session.override_reason, "")
        event = AuditEvent.objects.get(verb="group.session_added", object_id=session.pk)
        self.assertNotIn("override", event.data)


class NewFacilitatorChecksAvailabilityTests(GroupTestCase):
    def setUp(self) -> None:
        day = timezone.localdate(self.coming.starts_at)
        scheduling.add_exception(
            actor=None, peer=self.other_peer, starts_on=day, kind=ExceptionKind.HOLIDAY
        )
        self.url = reverse("groups:group_edit", args=[self.group.pk])
        self.login(self.coordinator)

    def data(self, **extra: Any) -> dict[str, Any]:
        return {
            "title": self.group.title,
            "theme": self.group.theme,
            "unit": str(self.unit.pk),
            "place": self.group.place,
            "capacity": str(self.group.capacity),
            "facilitators": [str(self.other_peer.pk)],
            **extra,
        }

    def test_a_new_facilitator_on_holiday_at_a_coming_session_needs_a_reason(self):
        response = self.client.post(self.url, self.data())
        self.assertContains(response, f"{self.other_peer.name} holder ferie", status_code=422)
        self.assertContains(response, 'name="override_reason"', status_code=422)
        self.assertEqual(list(self.group.facilitators.all()), [self.peer])
        response = self.client.post(self.url, self.data(book_anyway="on"))
        self.assertContains(response, "Skriv hvorfor", status_code=422)
        response = self.client.post(
            self.url, self.data(book_anyway="on", override_reason="Peer kommer ind den dag")
        )
        self.assertRedirects(response, reverse("groups:group_detail", args=[self.group.pk]))
        self.assertEqual(list(self.group.facilitators.all()), [self.other_peer])
        self.coming.refresh_from_db()
        self.assertEqual(self.coming.override_reason, "Peer kommer ind den dag")
        self.assertEqual(list(self.coming.facilitators.all()), [self.other_peer])
        self.held.refresh_from_db()
        self.assertEqual(self.held.override_reason, "")  # a past session keeps who ran it
        event = AuditEvent.objects.get(verb="group.changed")
        self.assertEqual(event.data["override"], ["away"])
        self.assertEqual(event.data["sessions_overridden"], [self.coming.pk])

    def test_keeping_the_facilitators_asks_nothing(self):
        response = self.client.post(
            self.url, self.data(facilitators=[str(self.peer.pk)], title="Nyt navn")
        )
        self.assertRedirects(response, reverse("groups:group_detail", args=[self.group.pk]))
