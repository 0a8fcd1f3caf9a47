"""A failed transaction leaves the objects a service changed as they were (lib/instances)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from brobygger.lib.dates import local_datetime
from brobygger.lib.instances import kept_on_failure
from brobygger.scheduling import services as scheduling
from brobygger.scheduling.models import AppointmentStatus
from brobygger.testing import TODAY, BaseTestCase, make_course, make_person


class KeptOnFailureTests(BaseTestCase):
    def test_a_failure_puts_the_fields_back_and_forgets_related_objects(self):
        course = self.alice_course
        self.assertEqual(course.person.given_name, "Alice")  # cached
        with self.assertRaises(ValidationError), kept_on_failure(course), transaction.atomic():
            course.ended_on = TODAY
            course.end_reason = "completed"
            course.closing_summary = "Farvel"
            course.save(update_fields=["ended_on", "end_reason", "closing_summary"])
            course.person.given_name = "Ændret"
            raise ValidationError("Nej")
        self.assertIsNone(course.ended_on)
        self.assertEqual((course.end_reason, course.closing_summary), ("", ""))
        self.assertEqual(course.person.given_name, "Alice")  # read again, not the changed one
        course.refresh_from_db()
        self.assertIsNone(course.ended_on)

    def test_success_keeps_the_changes(self):
        course = self.alice_course
        with kept_on_failure(course, None):
            course.closing_summary = "Godt"
        self.assertEqual(course.closing_summary, "Godt")

    def test_a_refused_uncancel_leaves_the_callers_appointment_cancelled(self):
        starts = local_datetime(TODAY + datetime.timedelta(days=3), datetime.time(9))
        slot: dict[str, Any] = {"starts_at": starts, "minutes": 45, "mode": "phone"}
        first = scheduling.book(actor=self.peer.user, course=self.alice_course, **slot)
        scheduling.cancel(actor=self.peer.user, appointment=first, by="person", reason="Syg")
        other = make_course(make_person("Dan", unit=self.unit), self.peer)
        scheduling.book(actor=self.peer.user, course=other, **slot)
        sequence = first.sequence
        with self.assertRaises(ValidationError):  # the peer is busy then now
            scheduling.uncancel(actor=self.peer.user, appointment=first)
        # Not refreshed: the object the caller holds says what the row says.
        self.assertEqual((first.status, first.sequence), (AppointmentStatus.CANCELLED, sequence))
