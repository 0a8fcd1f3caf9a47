"""The note's minutes are the conversation's hours in the timesheet: an approved month is
locked, so a note there may change its words but not its minutes."""

import datetime

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from brobygger.conversations import services
from brobygger.conversations.models import ConversationRecord, RecordVersion
from brobygger.people.models import ConsentKind, ConsentSource
from brobygger.people.services import record_consent
from brobygger.scheduling import services as scheduling
from brobygger.scheduling.models import Appointment, AppointmentStatus
from brobygger.timesheets.tests.helpers import TimesheetTestCase, at

D = datetime.date


class RecordConversationTests(TimesheetTestCase):
    def record(self, appointment: Appointment, minutes: int, **kwargs) -> ConversationRecord:
        return services.record_conversation(
            actor=self.peer.user, appointment=appointment, minutes=minutes, topics=[], **kwargs
        )

    def test_other_minutes_for_a_held_conversation_are_refused_in_an_approved_month(self):
        appointment = self.held(at(D(2026, 4, 7), 10), 45)
        self.approved(2026, 4)
        with self.assertRaises(ValidationError) as caught:
            self.record(appointment, 70, chime=[])
        self.assertEqual(caught.exception.code, "locked")
        self.assertFalse(ConversationRecord.objects.filter(appointment=appointment).exists())

    def test_the_booked_length_as_minutes_is_allowed_in_an_approved_month(self):
        appointment = self.held(at(D(2026, 4, 7), 10), 45)
        self.approved(2026, 4)
        record = self.record(appointment, 45, chime=["hope"])
        self.assertEqual(ConversationRecord.objects.get(pk=record.pk).minutes, 45)

    def test_a_booked_conversation_is_not_made_held_in_an_approved_month(self):
        booked = scheduling.book(
            actor=self.peer.user,
            course=self.dorte_course,
            starts_at=timezone.now() + datetime.timedelta(days=3),
            minutes=45,
            mode="phone",
        )
        # A conversation booked for April and never marked: moved there in the database,
        # since the booking service only books times to come.
        start = at(D(2026, 4, 9), 10)
        Appointment.objects.filter(pk=booked.pk).update(
            starts_at=start, ends_at=start + datetime.timedelta(minutes=45)
        )
        booked.refresh_from_db()
        self.approved(2026, 4)
        with self.assertRaises(ValidationError) as caught:
            self.record(booked, 45, chime=[])
        self.assertEqual(caught.exception.code, "locked")
        booked.refresh_from_db()
        self.assertEqual(booked.status, AppointmentStatus.BOOKED)
        self.assertFalse(ConversationRecord.objects.filter(appointment=booked).exists())

    def test_recording_works_in_an_open_month(self):
        self.approved(2026, 4)
        appointment = self.held(at(D(2026, 5, 5), 10), 45)
        record = self.record(appointment, 70, chime=[])
        self.assertEqual(ConversationRecord.objects.get(pk=record.pk).minutes, 70)


class UpdateRecordTests(TimesheetTestCase):
    def setUp(self) -> None:
        self.appointment = self.held(at(D(2026, 4, 7), 10), 45)
        self.record = services.record_conversation(
            actor=self.peer.user, appointment=self.appointment, minutes=50, topics=[], chime=[]
        )

    def update(self, minutes: int, chime: list[str]) -> ConversationRecord:
        record = ConversationRecord.objects.get(pk=self.record.pk)
        return services.update_record(
            actor=self.peer.user, record=record, minutes=minutes, topics=[], chime=chime
        )

    def test_changing_the_minutes_is_refused_in_an_approved_month(self):
        self.approved(2026, 4)
        with self.assertRaises(ValidationError) as caught:
            self.update(60, ["hope"])
        self.assertEqual(caught.exception.code, "locked")
        record = ConversationRecord.objects.get(pk=self.record.pk)
        self.assertEqual((record.minutes, record.chime, record.version), (50, [], 1))
        self.assertFalse(RecordVersion.objects.filter(record=record).exists())

    def test_the_rest_of_the_note_can_change_in_an_approved_month(self):
        self.approved(2026, 4)
        self.update(50, ["hope"])
        record = ConversationRecord.objects.get(pk=self.record.pk)
        self.assertEqual((record.minutes, record.chime, record.version), (50, ["hope"], 2))

    def test_changing_the_minutes_works_in_an_open_month(self):
        self.update(60, [])
        self.assertEqual(ConversationRecord.objects.get(pk=self.record.pk).minutes, 60)

    def test_the_page_shows_the_refusal_and_keeps_what_was_typed(self):
        record_consent(
            actor=None,
            person=self.dorte_course.person,
            kind=ConsentKind.STORE_NOTES,
            source=ConsentSource.VERBAL,
        )
        self.approved(2026, 4)
        self.login(self.peer)
        url = reverse("conversations:record", args=[self.appointment.pk])
        response = self.client.post(
            url, {"minutes": "75", "next_steps": "Ringe til jobcentret", "chime": ["hope"]}
        )
        self.assertContains(response, "April 2026 er godkendt og låst", status_code=422)
        self.assertContains(response, "Ringe til jobcentret", status_code=422)
        self.assertContains(response, 'value="75"', status_code=422)
        self.assertEqual(ConversationRecord.objects.get(pk=self.record.pk).minutes, 50)
