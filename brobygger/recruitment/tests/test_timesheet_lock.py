"""Issue 17 item 4: a peer's panel time counts in their timesheet, so an interview cannot
be booked into, or taken out of, a panel peer's approved month."""

import datetime

from django.core.exceptions import ValidationError

from brobygger.recruitment import interviews
from brobygger.recruitment.models import Interview, InterviewStatus
from brobygger.timesheets.tests.helpers import TimesheetTestCase

from .helpers import at, make_application, make_interview, make_posting

D = datetime.date


class InterviewLockTests(TimesheetTestCase):
    def setUp(self):
        self.application = make_application(make_posting(self.unit))

    def test_an_interview_cannot_be_booked_into_a_panel_peers_approved_month(self):
        self.approved(2026, 4)
        with self.assertRaises(ValidationError) as caught:
            make_interview(
                self.application,
                panel=[self.coordinator, self.peer],
                starts_at=at(D(2026, 4, 14), 10),
            )
        self.assertEqual(caught.exception.code, "locked")
        self.assertFalse(Interview.objects.exists())

    def test_an_ended_interview_cannot_be_cancelled_in_the_approved_month(self):
        interview = make_interview(
            self.application, panel=[self.coordinator, self.peer], starts_at=at(D(2026, 4, 14), 10)
        )
        self.approved(2026, 4)
        with self.assertRaises(ValidationError) as caught:
            interviews.cancel_interview(actor=self.coordinator, interview=interview)
        self.assertEqual(caught.exception.code, "locked")
        interview.refresh_from_db()
        self.assertEqual(interview.status, InterviewStatus.BOOKED)

    def test_a_panel_without_that_peer_is_not_locked(self):
        self.approved(2026, 4)
        interview = make_interview(
            self.application,
            panel=[self.coordinator, self.other_peer],
            starts_at=at(D(2026, 4, 14), 10),
        )
        interviews.cancel_interview(actor=self.coordinator, interview=interview)
        interview.refresh_from_db()
        self.assertEqual(interview.status, InterviewStatus.CANCELLED)
