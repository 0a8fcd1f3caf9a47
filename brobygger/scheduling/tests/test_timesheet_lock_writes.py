"""Issue 17 item 4: a month can be approved on its last day, so the rest of that day is
inside a locked month. Booking, moving or uncancelling a conversation into it is refused
with the lock's message, and nothing changes; moving out and cancelling are not (they
change no hours, and are how such a booking is cleared)."""

import datetime

import time_machine
from django.core.exceptions import ValidationError
from django.utils import translation

from brobygger.scheduling import services
from brobygger.scheduling.models import Appointment, AppointmentStatus
from brobygger.timesheets.tests.helpers import TimesheetTestCase, at

D = datetime.date
LAST_DAY = D(2026, 11, 30)


class LastDayOfAnApprovedMonthTests(TimesheetTestCase):
    def setUp(self):
        self.clock = time_machine.travel(at(LAST_DAY, 9), tick=False)
        self.clock.start()
        self.addCleanup(self.clock.stop)

    def book(self, start: datetime.datetime) -> Appointment:
        return services.book(
            actor=self.coordinator,
            course=self.dorte_course,
            starts_at=start,
            minutes=45,
            mode="in_person",
        )

    def assert_locked(self, caught) -> None:
        self.assertEqual(caught.exception.code, "locked")

    def test_booking_into_the_approved_month_is_refused(self):
        self.approved(2026, 11)
        with translation.override("da"), self.assertRaises(ValidationError) as caught:
            self.book(at(LAST_DAY, 14))
        self.assert_locked(caught)
        self.assertIn("November 2026 er godkendt og låst", caught.exception.messages[0])
        self.assertFalse(Appointment.objects.filter(starts_at=at(LAST_DAY, 14)).exists())

    def test_booking_in_the_next_month_is_allowed(self):
        self.approved(2026, 11)
        appointment = self.book(at(D(2026, 12, 1), 10))
        self.assertEqual(appointment.status, AppointmentStatus.BOOKED)

    def test_another_peers_approved_month_does_not_lock_this_peer(self):
        self.approved(2026, 11, peer=self.other_peer)
        self.assertEqual(self.book(at(LAST_DAY, 14)).status, AppointmentStatus.BOOKED)

    def test_moving_into_the_approved_month_is_refused(self):
        appointment = self.book(at(D(2026, 12, 1), 10))
        self.approved(2026, 11)
        with self.assertRaises(ValidationError) as caught:
            services.reschedule(
                actor=self.coordinator,
                appointment=appointment,
                starts_at=at(LAST_DAY, 14),
                minutes=45,
            )
        self.assert_locked(caught)
        appointment.refresh_from_db()
        self.assertEqual(appointment.starts_at, at(D(2026, 12, 1), 10))

    def test_moving_out_of_the_approved_month_is_allowed(self):
        # A booking left on the approved last day can only be cleared: moved or cancelled.
        appointment = self.book(at(LAST_DAY, 14))
        self.approved(2026, 11)
        services.reschedule(
            actor=self.coordinator,
            appointment=appointment,
            starts_at=at(D(2026, 12, 1), 10),
            minutes=45,
        )
        appointment.refresh_from_db()
        self.assertEqual(appointment.starts_at, at(D(2026, 12, 1), 10))

    def test_cancelling_is_allowed_in_the_approved_month(self):
        # It changes no hours, and ending a course or a consent must always cancel.
        appointment = self.book(at(LAST_DAY, 14))
        self.approved(2026, 11)
        services.cancel(actor=self.coordinator, appointment=appointment, by="peer", reason="Syg")
        appointment.refresh_from_db()
        self.assertEqual(appointment.status, AppointmentStatus.CANCELLED)

    def test_uncancelling_in_the_approved_month_is_refused(self):
        appointment = self.book(at(LAST_DAY, 14))
        services.cancel(actor=self.coordinator, appointment=appointment, by="peer", reason="Syg")
        self.approved(2026, 11)
        with self.assertRaises(ValidationError) as caught:
            services.uncancel(actor=self.coordinator, appointment=appointment)
        self.assert_locked(caught)
        appointment.refresh_from_db()
        self.assertEqual(appointment.status, AppointmentStatus.CANCELLED)

    def test_all_of_it_works_while_the_month_is_only_confirmed(self):
        self.confirmed(2026, 11)
        appointment = self.book(at(LAST_DAY, 14))
        services.reschedule(
            actor=self.coordinator, appointment=appointment, starts_at=at(LAST_DAY, 15), minutes=45
        )
        services.cancel(actor=self.coordinator, appointment=appointment, by="peer", reason="Syg")
        services.uncancel(actor=self.coordinator, appointment=appointment)
        appointment.refresh_from_db()
        self.assertEqual(
            (appointment.status, appointment.starts_at),
            (AppointmentStatus.BOOKED, at(LAST_DAY, 15)),
        )
