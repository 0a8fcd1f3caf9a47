"""Issue 17 item 4: attendance is reported with the hours the facilitators ran the session
for, so it cannot be recorded or changed in a facilitator's approved month."""

import datetime

from django.core.exceptions import ValidationError
from django.urls import reverse

from brobygger.groups import services
from brobygger.groups.models import Attendance
from brobygger.timesheets.tests.helpers import at

from .test_timesheet_lock import GroupLockTestCase

D = datetime.date


class AttendanceLockTests(GroupLockTestCase):
    def setUp(self):
        self.group = self.add_group()
        self.session = self.add_session(self.group, D(2026, 4, 14))
        services.enrol(actor=self.coordinator, group=self.group, person=self.alice)

    def record(self, status: str) -> list[Attendance]:
        return services.record_attendance(
            actor=self.peer.user, session=self.session, statuses={self.alice.pk: status}
        )

    def test_attendance_cannot_be_recorded_in_an_approved_month(self):
        self.approved(2026, 4)
        with self.assertRaises(ValidationError) as caught:
            self.record("present")
        self.assertEqual(caught.exception.code, "locked")
        self.assertFalse(Attendance.objects.filter(session=self.session).exists())

    def test_attendance_cannot_be_changed_in_an_approved_month(self):
        self.record("present")
        self.approved(2026, 4)
        with self.assertRaises(ValidationError):
            self.record("absent")
        self.assertEqual(Attendance.objects.get(session=self.session).status, "present")

    def test_the_same_attendance_sent_again_is_no_change(self):
        self.record("present")
        self.approved(2026, 4)
        self.assertEqual(self.record("present"), [])

    def test_any_facilitators_approved_month_locks_it(self):
        group = self.add_group([self.peer, self.other_peer])
        session = services.add_session(
            actor=self.coordinator,
            group=group,
            starts_at=at(D(2026, 4, 21), 13),
            ends_at=at(D(2026, 4, 21), 15),
            allow_past=True,
        )
        services.enrol(actor=self.coordinator, group=group, person=self.alice)
        self.approved(2026, 4, peer=self.other_peer)
        with self.assertRaises(ValidationError) as caught:
            services.record_attendance(
                actor=self.peer.user, session=session, statuses={self.alice.pk: "present"}
            )
        self.assertEqual(caught.exception.code, "locked")

    def test_attendance_is_recorded_in_an_open_month(self):
        self.approved(2026, 3)
        self.assertEqual(len(self.record("present")), 1)

    def test_the_session_page_shows_the_refusal(self):
        self.approved(2026, 4)
        self.login(self.peer)
        url = reverse("groups:session_detail", args=[self.session.pk])
        response = self.client.post(url, {"action": "attendance", f"p{self.alice.pk}": "present"})
        self.assertContains(response, "April 2026 er godkendt og låst", status_code=422)
        self.assertFalse(Attendance.objects.exists())
