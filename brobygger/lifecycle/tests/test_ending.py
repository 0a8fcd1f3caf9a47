"""Ending is one operation (issue 17 item 1): what depends on a consent or a course stops
with it, in one transaction, and the confirm page says what will stop before it does."""

from __future__ import annotations

import datetime

import icalendar
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from brobygger.accounts.models import User
from brobygger.audit.models import AccessLogEntry, AuditEvent
from brobygger.groups import services as group_services
from brobygger.groups.models import Enrolment, EnrolmentStatus
from brobygger.lib.dates import week_start
from brobygger.lifecycle import ending
from brobygger.lifecycle import services as lifecycle
from brobygger.matching import services as matching_services
from brobygger.notifications import messaging
from brobygger.outcomes.models import Administration, AdministrationStatus, Timepoint
from brobygger.outcomes.services import issue_link, link_is_usable
from brobygger.outcomes.tests.helpers import give_questionnaire_consent
from brobygger.people.models import Consent, ConsentKind
from brobygger.referrals.models import Course, EndReason
from brobygger.scheduling import feeds
from brobygger.scheduling import services as scheduling_services
from brobygger.scheduling.models import (
    Appointment,
    AppointmentStatus,
    CalendarFeed,
    Mode,
    Reminder,
)
from brobygger.scheduling.reminders import send_due_reminders
from brobygger.testing import TODAY, BaseTestCase

LOCMEM_SMS = "brobygger.notifications.messaging.LocmemSMSBackend"


@override_settings(BROBYGGER_SMS_BACKEND=LOCMEM_SMS)
class EndingTests(BaseTestCase):
    feed: CalendarFeed
    token: str

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        give_questionnaire_consent(cls.alice)
        User.objects.filter(pk=cls.peer.user_id).update(email="peer@example.dk")
        cls.feed, cls.token = feeds.create_feed(actor=cls.peer.user, peer=cls.peer)

    def setUp(self) -> None:
        messaging.sms_outbox.clear()

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
            place_kind="ward",
            place="Afsnit R1, stue 4",
        )

    def contact_consent(self) -> Consent:
        return Consent.objects.current().get(person=self.alice, kind=ConsentKind.CONTACT)

    def withdraw_contact_on_the_page(self) -> None:
        self.login(self.coordinator)
        url = reverse("referrals:consent_withdraw", args=[self.contact_consent().pk])
        response = self.client.post(url, {"note": "Ønsker ikke mere kontakt"})
        self.assertEqual(response.status_code, 302)

    def end_course_on_the_page(self) -> None:
        self.login(self.coordinator)
        url = reverse("referrals:course_detail", args=[self.alice_course.pk])
        response = self.client.post(
            url,
            {"action": "end", "ended_on": TODAY.isoformat(), "reason": EndReason.COMPLETED},
        )
        self.assertEqual(response.status_code, 302)

    def feed_status(self, appointment: Appointment) -> str:
        response = self.client.get(reverse("scheduling:calendar_feed", args=[self.token]))
        self.assertEqual(response.status_code, 200)
        events = icalendar.Calendar.from_ical(response.content).events
        [event] = [e for e in events if str(e["UID"]) == f"{appointment.uid}@brobygger"]
        return str(event["STATUS"])

    def week_of(self, appointment: Appointment) -> str:
        self.login(self.peer)
        monday = week_start(timezone.localdate(appointment.starts_at))
        response = self.client.get(reverse("scheduling:my_week"), {"uge": monday.isoformat()})
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def assert_ended_everywhere(self, appointment: Appointment, reason: str) -> None:
        appointment.refresh_from_db()
        self.assertEqual(appointment.status, AppointmentStatus.CANCELLED)
        self.assertEqual(appointment.cancel_reason, reason)
        self.assertTrue(
            AuditEvent.objects.filter(
                verb="appointment.cancelled", object_id=str(appointment.pk)
            ).exists()
        )
        # The reminder job finds nothing for the person, nor for the peer.
        self.assertEqual(send_due_reminders(), 0)
        self.assertEqual((messaging.sms_outbox, mail.outbox), ([], []))
        self.assertFalse(Reminder.objects.filter(appointment=appointment).exists())
        # The calendar app removes the event; the peer's week says it was cancelled, and why.
        self.assertEqual(self.feed_status(appointment), "CANCELLED")
        week = self.week_of(appointment)
        self.assertIn("Aflyst", week)
        self.assertIn(reason, week)

    def test_withdrawing_contact_consent_cancels_the_future_conversations(self):
        soon, later = self.book(hours=3), self.book(hours=50)
        self.assertEqual(self.feed_status(soon), "CONFIRMED")
        self.withdraw_contact_on_the_page()
        self.assert_ended_everywhere(soon, "Samtykket er trukket tilbage")
        later.refresh_from_db()
        self.assertEqual(later.status, AppointmentStatus.CANCELLED)
        self.assertEqual(later.cancelled_by, "person")

    def test_withdrawing_contact_consent_ends_group_places_and_questionnaires(self):
        group = group_services.create_group(
            actor=self.coordinator,
            title="Recovery-gruppen",
            place="Mødelokale 2",
            capacity=8,
            facilitators=[self.peer],
            unit=self.unit,
        )
        group_services.enrol(actor=self.coordinator, group=group, person=self.alice)
        start = Administration.objects.get(course=self.alice_course, timepoint=Timepoint.START)
        issue_link(actor=self.coordinator, administration=start)
        self.withdraw_contact_on_the_page()
        enrolment = Enrolment.objects.get(group=group, person=self.alice)
        self.assertEqual(enrolment.status, EnrolmentStatus.LEFT)
        start.refresh_from_db()
        self.assertEqual(start.status, AdministrationStatus.EXPIRED)
        self.assertFalse(link_is_usable(start))

    def test_withdrawing_questionnaire_consent_stops_only_the_questionnaires(self):
        appointment = self.book(hours=3)
        start = Administration.objects.get(course=self.alice_course, timepoint=Timepoint.START)
        consent = Consent.objects.current().get(person=self.alice, kind=ConsentKind.QUESTIONNAIRES)
        lifecycle.withdraw_consent(actor=self.coordinator, consent=consent)
        start.refresh_from_db()
        appointment.refresh_from_db()
        self.assertEqual(start.status, AdministrationStatus.EXPIRED)
        self.assertEqual(appointment.status, AppointmentStatus.BOOKED)

    def test_closing_a_course_cancels_its_future_conversations(self):
        soon = self.book(hours=3)
        self.assertEqual(self.feed_status(soon), "CONFIRMED")
        self.end_course_on_the_page()
        self.assert_ended_everywhere(soon, "Forløbet sluttede: Afsluttet som planlagt")

    def test_closing_a_course_stops_questionnaires_due_after_it_but_keeps_the_end_ones(self):
        lifecycle.update_course(
            actor=self.coordinator,
            course=self.alice_course,
            discharged_on=TODAY + datetime.timedelta(days=20),
        )
        discharge = Administration.objects.get(
            course=self.alice_course, timepoint=Timepoint.DISCHARGE
        )
        start = Administration.objects.get(course=self.alice_course, timepoint=Timepoint.START)
        self.end_course_on_the_page()
        discharge.refresh_from_db()
        start.refresh_from_db()
        self.assertEqual(discharge.status, AdministrationStatus.EXPIRED)
        # Due before the end: the person may still answer it.
        self.assertEqual(start.status, AdministrationStatus.DUE)

    def test_a_course_ending_later_keeps_the_conversations_until_then(self):
        soon, later = self.book(hours=3), self.book(hours=24 * 5)
        lifecycle.end_course(
            actor=self.coordinator,
            course=self.alice_course,
            ended_on=TODAY + datetime.timedelta(days=2),
            reason=EndReason.COMPLETED,
        )
        soon.refresh_from_db()
        later.refresh_from_db()
        self.assertEqual(soon.status, AppointmentStatus.BOOKED)
        self.assertEqual(later.status, AppointmentStatus.CANCELLED)

    def test_a_handover_cancels_the_leaving_peers_conversations(self):
        appointment = self.book(hours=3)
        matching_services.hand_over_course(
            actor=self.coordinator,
            course=self.alice_course,
            peer=self.other_peer,
            handed_over_on=TODAY,
        )
        appointment.refresh_from_db()
        self.assertEqual(appointment.status, AppointmentStatus.CANCELLED)
        self.assertEqual(
            appointment.cancel_reason,
            "Peer-medarbejderen er stoppet. Den nye peer booker en ny tid.",
        )
        # The questionnaires go on in the new course: none stopped.
        self.assertFalse(
            Administration.objects.filter(
                course__person=self.alice, status=AdministrationStatus.EXPIRED
            ).exists()
        )

    def test_the_withdraw_page_lists_what_will_be_cancelled(self):
        appointment = self.book(hours=50)
        group = group_services.create_group(
            actor=self.coordinator,
            title="Recovery-gruppen",
            place="Mødelokale 2",
            capacity=8,
            facilitators=[self.peer],
            unit=self.unit,
        )
        group_services.enrol(actor=self.coordinator, group=group, person=self.alice)
        self.login(self.coordinator)
        url = reverse("referrals:consent_withdraw", args=[self.contact_consent().pk])
        response = self.client.get(url)
        self.assertContains(response, "Samtaler, der aflyses")
        self.assertContains(response, timezone.localtime(appointment.starts_at).strftime("%H.%M"))
        self.assertContains(response, "Recovery-gruppen")
        self.assertContains(response, "Spørgeskemaer, der ikke bliver sendt")
        # The page and the withdrawal use one function: what it lists is what ends.
        preview = ending.for_consent(self.contact_consent())
        self.assertEqual([a.pk for a in preview.appointments], [appointment.pk])
        self.assertEqual(appointment.status, AppointmentStatus.BOOKED)

    def test_the_change_page_lists_what_ending_it_today_cancels(self):
        appointment = self.book(hours=50)
        self.login(self.coordinator)
        response = self.client.get(reverse("referrals:course_change", args=[self.alice_course.pk]))
        self.assertContains(response, "Hvis forløbet slutter i dag som planlagt, stopper dette")
        self.assertContains(response, "Samtaler, der aflyses")
        self.assertContains(response, timezone.localtime(appointment.starts_at).strftime("%H.%M"))

    def test_the_change_page_says_when_nothing_depends_on_the_course(self):
        bob_course = Course.objects.get(person=self.bob)
        self.login(self.coordinator)
        response = self.client.get(reverse("referrals:course_change", args=[bob_course.pk]))
        self.assertContains(
            response, "Ingen bookede samtaler, gruppepladser eller spørgeskemaer afhænger af det."
        )
        self.assertNotContains(response, "Samtaler, der aflyses")

    def test_the_withdraw_page_writes_one_entry_naming_the_person(self):
        self.book(hours=50)
        self.login(self.coordinator)
        url = reverse("referrals:consent_withdraw", args=[self.contact_consent().pk])
        before = AccessLogEntry.objects.count()
        self.client.get(url)
        [entry] = AccessLogEntry.objects.order_by("-seq")[: AccessLogEntry.objects.count() - before]
        self.assertEqual(entry.persons, {self.alice.pk})
