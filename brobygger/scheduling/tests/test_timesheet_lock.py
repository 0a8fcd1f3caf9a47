"""A held conversation counts in the peer's timesheet: an approved month is locked."""

import datetime

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from brobygger.scheduling import services
from brobygger.scheduling.models import Appointment, AppointmentStatus
from brobygger.timesheets.tests.helpers import TimesheetTestCase, at

D = datetime.date
HELD, NO_SHOW = AppointmentStatus.HELD, AppointmentStatus.NO_SHOW


class MarkTests(TimesheetTestCase):
    def test_held_cannot_become_no_show_in_an_approved_month(self):
        appointment = self.held(at(D(2026, 4, 7), 10), 45)
        self.approved(2026, 4)
        with translation.override("da"), self.assertRaises(ValidationError) as caught:
            services.mark(actor=self.peer.user, appointment=appointment, status=NO_SHOW)
        self.assertEqual(caught.exception.code, "locked")
        self.assertIn("April 2026 er godkendt og låst", caught.exception.messages[0])
        appointment.refresh_from_db()
        self.assertEqual(appointment.status, HELD)

    def test_no_show_cannot_become_held_in_an_approved_month(self):
        appointment = self.held(at(D(2026, 4, 7), 10), 45, status=NO_SHOW)
        self.approved(2026, 4)
        with self.assertRaises(ValidationError) as caught:
            services.mark(actor=self.peer.user, appointment=appointment, status=HELD)
        self.assertEqual(caught.exception.code, "locked")
        appointment.refresh_from_db()
        self.assertEqual(appointment.status, NO_SHOW)

    def test_marking_again_without_changing_the_hours_is_allowed_in_an_approved_month(self):
        appointment = self.held(at(D(2026, 4, 7), 10), 45, status=NO_SHOW)
        self.approved(2026, 4)
        services.mark(actor=self.peer.user, appointment=appointment, status=NO_SHOW)
        appointment.refresh_from_db()
        self.assertEqual(appointment.status, NO_SHOW)

    def test_marking_works_in_an_open_month(self):
        appointment = self.held(at(D(2026, 5, 5), 10), 45)
        self.approved(2026, 4)
        services.mark(actor=self.peer.user, appointment=appointment, status=NO_SHOW)
        appointment.refresh_from_db()
        self.assertEqual(appointment.status, NO_SHOW)
        services.mark(actor=self.peer.user, appointment=appointment, status=HELD)
        appointment.refresh_from_db()
        self.assertEqual(appointment.status, HELD)

    def test_the_page_shows_the_refusal(self):
        appointment = self.held(at(D(2026, 4, 7), 10), 45)
        self.approved(2026, 4)
        self.login(self.peer)
        url = reverse("scheduling:appointment", args=[appointment.pk])
        response = self.client.post(url, {"action": NO_SHOW}, follow=True)
        self.assertRedirects(response, url)
        self.assertContains(response, "April 2026 er godkendt og låst")
        self.assertEqual(Appointment.objects.get(pk=appointment.pk).status, HELD)

    def test_another_peers_approved_month_does_not_lock_this_peer(self):
        appointment = self.held(at(D(2026, 4, 7), 10), 45)
        self.approved(2026, 4, peer=self.other_peer)
        services.mark(actor=self.peer.user, appointment=appointment, status=NO_SHOW)
        appointment.refresh_from_db()
        self.assertEqual(appointment.status, NO_SHOW)


class RecordPastTests(TimesheetTestCase):
    def test_a_held_conversation_cannot_be_added_to_an_approved_month(self):
        self.approved(2026, 4)
        with self.assertRaises(ValidationError) as caught:
            self.held(at(D(2026, 4, 14), 10), 30)
        self.assertEqual(caught.exception.code, "locked")
        self.assertFalse(Appointment.objects.filter(peer=self.peer).exists())

    def test_a_no_show_can_be_recorded_in_an_approved_month(self):
        self.approved(2026, 4)
        appointment = self.held(at(D(2026, 4, 14), 10), 30, status=NO_SHOW)
        self.assertEqual(Appointment.objects.get(pk=appointment.pk).status, NO_SHOW)

    def test_a_held_conversation_can_be_added_to_an_open_month(self):
        self.approved(2026, 4)
        appointment = self.held(at(D(2026, 5, 4), 10), 30)
        self.assertEqual(Appointment.objects.get(pk=appointment.pk).status, HELD)

    def test_the_month_is_the_local_month_the_conversation_starts_in(self):
        self.approved(2026, 4)
        # 00:30 on 1 May in Copenhagen is still 30 April in UTC: it belongs to May.
        may = self.held(at(D(2026, 5, 1), 0, 30), 60)
        self.assertEqual(may.starts_at.astimezone(datetime.UTC).date(), D(2026, 4, 30))
        # 23:30 on 30 April runs into May, but counts in April, where it starts.
        with self.assertRaises(ValidationError) as caught:
            self.held(at(D(2026, 4, 30), 23, 30), 60)
        self.assertEqual(caught.exception.code, "locked")
        self.assertEqual(list(Appointment.objects.filter(peer=self.peer)), [may])
