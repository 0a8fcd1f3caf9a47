"""Scheduling pages write one access-log entry naming the persons they show, and a
refusal writes none (Sundhedsloven § 42a)."""

from __future__ import annotations

import datetime

from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from brobygger.accounts import policy
from brobygger.audit.models import AccessLogEntry
from brobygger.lib.dates import local_datetime, week_start
from brobygger.lifecycle import services as lifecycle
from brobygger.lifecycle.services import withdraw_consent
from brobygger.notifications import messaging
from brobygger.people import services as people_services
from brobygger.people.models import Consent, ConsentKind
from brobygger.referrals.models import Course
from brobygger.scheduling import feeds, services
from brobygger.scheduling.models import (
    Appointment,
    AvailabilityException,
    ExceptionKind,
    Mode,
)
from brobygger.scheduling.reminders import send_due_reminders
from brobygger.testing import TODAY, BaseTestCase, make_course, make_person

NEXT_MONDAY = week_start(TODAY) + datetime.timedelta(days=7)
ONE_DAY = datetime.timedelta(days=1)


def record_past(case: BaseTestCase, course: Course, starts_at: datetime.datetime) -> Appointment:
    return services.record_past(
        actor=case.peer.user, course=course, starts_at=starts_at, minutes=45, mode=Mode.PHONE
    )


class SchedulingAccessLogTests(BaseTestCase):
    def setUp(self) -> None:
        self.seq = self.last_seq()

    def entries_since_last_look(self) -> list[AccessLogEntry]:
        entries = self.new_entries(self.seq)
        self.seq = self.last_seq()
        return entries

    def book(self, course: Course, day: datetime.date, hour: int) -> Appointment:
        return services.book(
            actor=self.coordinator,
            course=course,
            starts_at=local_datetime(day, datetime.time(hour)),
            minutes=45,
            mode=Mode.PHONE,
        )

    def test_my_week_names_the_persons_of_the_conversations_it_shows(self):
        dan = make_person("Dan", unit=self.unit)
        self.book(self.alice_course, NEXT_MONDAY, 10)
        self.book(make_course(dan, self.peer), NEXT_MONDAY + datetime.timedelta(days=2), 13)
        # Bob is on the other peer's caseload, booked the same week: not named here.
        people_services.record_consent(
            actor=self.coordinator, person=self.bob, kind=ConsentKind.CONTACT, source="verbal"
        )
        self.book(Course.objects.get(person=self.bob), NEXT_MONDAY, 10)
        self.login(self.peer)
        self.entries_since_last_look()
        response = self.client.get(reverse("scheduling:my_week"), {"uge": NEXT_MONDAY.isoformat()})
        self.assertContains(response, self.alice.full_name)
        self.assertContains(response, dan.full_name)
        self.assertNotContains(response, self.bob.full_name)
        [entry] = self.entries_since_last_look()
        self.assertEqual(entry.persons, {self.alice.pk, dan.pk})
        self.assertEqual(
            (entry.user, entry.action, entry.purpose), (self.peer.user, "view", "support")
        )

    @override_settings(PEER_READ_AFTER_END_DAYS=14)
    def test_my_week_does_not_name_a_person_whose_course_the_peer_may_no_longer_read(self):
        cutoff = policy.read_after_end_cutoff()
        held_on = cutoff - datetime.timedelta(days=5)
        dora, eva = make_person("Dora", unit=self.unit), make_person("Eva", unit=self.unit)
        for hour, person, ended_on in ((9, dora, cutoff - ONE_DAY), (11, eva, cutoff)):
            course = lifecycle.start_course(
                actor=None, person=person, peer=self.peer, started_on=held_on - ONE_DAY * 30
            )
            record_past(self, course, local_datetime(held_on, datetime.time(hour)))
            lifecycle.end_course(actor=None, course=course, ended_on=ended_on, reason="completed")
        self.login(self.peer)
        self.entries_since_last_look()
        week = self.client.get(reverse("scheduling:my_week"), {"uge": held_on.isoformat()})
        self.assertContains(week, "En samtale i et afsluttet forløb")  # Dora's, nameless
        self.assertNotContains(week, dora.full_name)
        self.assertContains(week, eva.full_name)  # still within the read period
        [entry] = self.entries_since_last_look()
        self.assertEqual(entry.persons, {eva.pk})

    def test_an_empty_week_and_the_planning_page_name_nobody(self):
        self.book(self.alice_course, NEXT_MONDAY, 10)
        self.login(self.peer)
        self.entries_since_last_look()
        week_after = NEXT_MONDAY + datetime.timedelta(days=7)
        self.client.get(reverse("scheduling:my_week"), {"uge": week_after.isoformat()})
        self.assertEqual(self.entries_since_last_look(), [])
        self.login(self.coordinator)
        self.entries_since_last_look()
        response = self.client.get(reverse("scheduling:planning"), {"uge": NEXT_MONDAY.isoformat()})
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, self.alice.full_name)  # peers' hours only
        self.assertEqual(self.entries_since_last_look(), [])

    def test_appointment_page_is_one_view_and_a_cancellation_one_change(self):
        appointment = self.book(self.alice_course, NEXT_MONDAY, 10)
        url = reverse("scheduling:appointment", args=[appointment.pk])
        self.login(self.peer)
        self.entries_since_last_look()
        self.assertContains(self.client.get(url), self.alice.full_name)
        [view] = self.entries_since_last_look()
        self.assertEqual((view.action, view.persons), ("view", {self.alice.pk}))
        response = self.client.post(url, {"action": "cancel", "by": "peer", "reason": "Syg"})
        self.assertRedirects(response, url, fetch_redirect_response=False)
        [change] = self.entries_since_last_look()
        self.assertEqual((change.action, change.persons), ("change", {self.alice.pk}))

    def test_refused_appointment_requests_write_nothing(self):
        appointment = self.book(self.alice_course, NEXT_MONDAY, 10)
        url = reverse("scheduling:appointment", args=[appointment.pk])
        self.login(self.other_peer)  # Alice is not on their caseload
        self.entries_since_last_look()
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.post(url, {"action": "held"}).status_code, 404)
        self.assertEqual(self.entries_since_last_look(), [])
        self.login(self.peer)
        self.entries_since_last_look()
        # The service refuses: the conversation is not cancelled. Nothing changed.
        response = self.client.post(url, {"action": "uncancel"})
        self.assertRedirects(response, url, fetch_redirect_response=False)
        self.assertEqual(self.entries_since_last_look(), [])

    def test_booking_is_one_change_and_a_refused_post_writes_nothing(self):
        url = reverse("scheduling:book", args=[self.alice_course.pk])
        form = {"date": NEXT_MONDAY.isoformat(), "time": "10:00", "minutes": 45, "mode": "phone"}
        self.login(self.other_peer)
        self.entries_since_last_look()
        self.assertEqual(self.client.post(url, form).status_code, 404)
        self.assertEqual(self.entries_since_last_look(), [])
        self.login(self.peer)
        self.entries_since_last_look()
        self.assertEqual(self.client.post(url, form).status_code, 302)
        [entry] = self.entries_since_last_look()
        self.assertEqual((entry.action, entry.persons), ("change", {self.alice.pk}))

    def test_a_booking_refused_with_a_message_is_a_view_of_the_form_again(self):
        # Bob has not agreed to be contacted: the form comes back with the reason.
        bob_course = Course.objects.get(person=self.bob)
        url = reverse("scheduling:book", args=[bob_course.pk])
        form = {"date": NEXT_MONDAY.isoformat(), "time": "10:00", "minutes": 45, "mode": "phone"}
        self.login(self.coordinator)
        self.entries_since_last_look()
        response = self.client.post(url, form)
        self.assertEqual(response.status_code, 422)
        [entry] = self.entries_since_last_look()
        self.assertEqual((entry.action, entry.persons), ("view", {self.bob.pk}))
        self.assertFalse(Appointment.objects.filter(course=bob_course).exists())

    def test_only_the_peer_or_their_coordinator_removes_a_day_off_and_it_names_nobody(self):
        day_off = services.add_exception(
            actor=self.peer.user, peer=self.peer, starts_on=NEXT_MONDAY, kind=ExceptionKind.HOLIDAY
        )
        url = reverse("scheduling:delete_exception", args=[day_off.pk])
        self.login(self.other_peer)
        self.entries_since_last_look()
        self.assertEqual(self.client.post(url).status_code, 404)
        self.assertTrue(AvailabilityException.objects.filter(pk=day_off.pk).exists())
        self.login(self.coordinator)
        self.assertEqual(self.client.post(url).status_code, 302)
        self.assertFalse(AvailabilityException.objects.filter(pk=day_off.pk).exists())
        self.assertEqual(
            self.entries_since_last_look(), []
        )  # a peer's own time is no person's data

    @override_settings(ROOT_URLCONF="brobygger.scheduling.tests.feed_urls")
    def test_the_calendar_feed_names_nobody_so_a_fetch_writes_nothing(self):
        self.book(self.alice_course, NEXT_MONDAY, 10)
        _feed, token = feeds.create_feed(actor=self.peer.user, peer=self.peer)
        self.entries_since_last_look()
        response = self.client.get(reverse("scheduling:calendar_feed", args=[token]))
        self.assertEqual(response.status_code, 200)
        for word in (self.alice.given_name, self.alice.family_name, "0101901234"):
            self.assertNotIn(word.encode(), response.content)
        self.assertEqual(self.entries_since_last_look(), [])


@override_settings(BROBYGGER_SMS_BACKEND="brobygger.notifications.messaging.LocmemSMSBackend")
class ReminderAccessLogTests(BaseTestCase):
    def setUp(self) -> None:
        messaging.sms_outbox.clear()

    def test_each_person_reminded_is_named_once_by_the_job(self):
        dan = make_person("Dan", unit=self.unit, phone="30405060")
        soon = timezone.now() + datetime.timedelta(hours=3)
        for course in (self.alice_course, make_course(dan, self.peer)):
            services.book(
                actor=self.coordinator, course=course, starts_at=soon, minutes=30, mode=Mode.PHONE
            )
            soon += datetime.timedelta(hours=1)
        before = AccessLogEntry.objects.count()
        self.assertEqual(send_due_reminders(), 2)  # the peer has no e-mail: persons only
        self.assertEqual(send_due_reminders(), 0)
        entries = list(AccessLogEntry.objects.order_by("seq")[before:])
        self.assertEqual(sorted(e.person_id for e in entries), sorted([self.alice.pk, dan.pk]))
        self.assertTrue(all(e.user is None and e.action == "create" for e in entries))
        self.assertTrue(all(e.purpose == "support" for e in entries))
        self.assertEqual(len(mail.outbox), 0)

    def test_no_reminder_sent_means_no_entry(self):
        consent = Consent.objects.current().get(person=self.alice, kind=ConsentKind.CONTACT)
        services.book(
            actor=self.coordinator,
            course=self.alice_course,
            starts_at=timezone.now() + datetime.timedelta(hours=3),
            minutes=30,
            mode=Mode.PHONE,
        )
        withdraw_consent(actor=self.coordinator, consent=consent)
        before = AccessLogEntry.objects.count()
        self.assertEqual(send_due_reminders(), 0)
        self.assertEqual(AccessLogEntry.objects.count(), before)
