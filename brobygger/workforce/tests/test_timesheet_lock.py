"""Issue 17 item 4: supervision attended and education count in a peer's timesheet, so
in an approved month they cannot be recorded or changed; outside it they can."""

import datetime
from decimal import Decimal

from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from brobygger.timesheets.tests.helpers import TimesheetTestCase
from brobygger.workforce import services
from brobygger.workforce.models import EducationRecord, SupervisionAttendance

from .helpers import at, make_group, make_record, make_session

D = datetime.date


class SupervisionLockTests(TimesheetTestCase):
    def setUp(self):
        self.group = make_group([self.peer, self.other_peer])
        self.session = make_session(self.group, at(D(2026, 4, 9), 13))

    def attend(self, **statuses: str) -> None:
        services.record_attendance(
            actor=self.coordinator,
            session=self.session,
            statuses={getattr(self, name).pk: status for name, status in statuses.items()},
        )

    def test_attendance_cannot_be_recorded_in_the_peers_approved_month(self):
        self.approved(2026, 4)
        with self.assertRaises(ValidationError) as caught:
            self.attend(peer="present")
        self.assertEqual(caught.exception.code, "locked")
        self.assertFalse(SupervisionAttendance.objects.exists())

    def test_another_peers_approved_month_does_not_stop_this_peers_attendance(self):
        self.approved(2026, 4, peer=self.other_peer)
        self.attend(peer="present")
        self.assertEqual(SupervisionAttendance.objects.get().peer_id, self.peer.pk)

    def test_changing_the_length_of_an_attended_session_is_refused(self):
        self.attend(peer="present")
        self.approved(2026, 4)
        with self.assertRaises(ValidationError) as caught:
            services.update_session(
                actor=self.coordinator,
                session=self.session,
                starts_at=self.session.starts_at,
                minutes=60,
                place=self.session.place,
                themes=self.session.themes,
            )
        self.assertEqual(caught.exception.code, "locked")
        self.session.refresh_from_db()
        self.assertEqual(self.session.minutes, 120)

    def test_the_place_of_an_attended_session_can_still_be_corrected(self):
        self.attend(peer="present")
        self.approved(2026, 4)
        services.update_session(
            actor=self.coordinator,
            session=self.session,
            starts_at=self.session.starts_at,
            minutes=120,
            place="Mødelokale 3",
            themes=self.session.themes,
        )
        self.session.refresh_from_db()
        self.assertEqual(self.session.place, "Mødelokale 3")


class EducationLockTests(TimesheetTestCase):
    def test_a_course_with_days_in_an_approved_month_cannot_be_added(self):
        self.approved(2026, 4)
        with self.assertRaises(ValidationError) as caught:
            make_record(self.peer, starts_on=D(2026, 3, 2), ends_on=D(2026, 5, 29))
        self.assertEqual(caught.exception.code, "locked")
        self.assertFalse(EducationRecord.objects.filter(peer=self.peer).exists())

    def test_a_planned_course_takes_no_time_and_is_not_refused(self):
        self.approved(2026, 4)
        make_record(self.peer, starts_on=D(2026, 4, 6), ends_on=D(2026, 4, 10), status="planned")
        self.assertTrue(EducationRecord.objects.filter(peer=self.peer).exists())

    def test_hours_and_dates_cannot_change_and_the_record_cannot_go_in_an_approved_month(self):
        record = make_record(self.peer, starts_on=D(2026, 4, 6), ends_on=D(2026, 4, 10))
        self.approved(2026, 4)
        for changes in (
            {"hours": Decimal(30)},
            {"ends_on": D(2026, 4, 9)},
            {"status": "dropped"},
        ):
            with self.subTest(changes=changes), self.assertRaises(ValidationError):
                services.update_education_record(actor=self.coordinator, record=record, **changes)
        with self.assertRaises(ValidationError):
            services.delete_education_record(actor=self.coordinator, record=record)
        record.refresh_from_db()
        self.assertEqual((record.hours, record.ends_on), (Decimal(72), D(2026, 4, 10)))

    def test_the_note_can_change_in_an_approved_month(self):
        record = make_record(self.peer, starts_on=D(2026, 4, 6), ends_on=D(2026, 4, 10))
        self.approved(2026, 4)
        services.update_education_record(actor=self.coordinator, record=record, note="Bestået")
        record.refresh_from_db()
        self.assertEqual(record.note, "Bestået")

    def test_a_course_outside_the_approved_month_is_free_to_change(self):
        record = make_record(self.peer, starts_on=D(2026, 5, 4), ends_on=D(2026, 5, 8))
        self.approved(2026, 4)
        services.update_education_record(actor=self.coordinator, record=record, hours=Decimal(30))
        record.refresh_from_db()
        self.assertEqual(record.hours, Decimal(30))

    def test_the_pages_show_the_refusal(self):
        record = make_record(self.peer, starts_on=D(2026, 4, 6), ends_on=D(2026, 4, 10))
        self.approved(2026, 4)
        self.login(self.coordinator)
        response = self.client.post(reverse("workforce:education_delete", args=[record.pk]))
        self.assertRedirects(
            response,
            reverse("workforce:peer_education", args=[self.peer.pk]),
            fetch_redirect_response=False,
        )
        (message,) = [str(m) for m in get_messages(response.wsgi_request)]
        self.assertIn("April 2026 er godkendt og låst", message)
        self.assertTrue(EducationRecord.objects.filter(pk=record.pk).exists())
