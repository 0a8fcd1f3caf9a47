"""The one access policy (accounts/policy.py), through HTTP: a peer and an ended course.

A peer keeps reading an ended course's records for PEER_READ_AFTER_END_DAYS days after
the end, then every page of that course and person is a 404 and no list names the
person. The end dates are taken from the policy's own cutoff, so the tests hold on any
day the suite runs (the cutoff is the first end date still readable).
"""

from __future__ import annotations

import datetime

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from brobygger.accounts import policy
from brobygger.conversations import services as conversation_services
from brobygger.lib.dates import local_datetime
from brobygger.lifecycle import services as lifecycle
from brobygger.outcomes.models import Administration
from brobygger.outcomes.reminders import due_counts
from brobygger.outcomes.services import sync_schedule
from brobygger.people import services as people_services
from brobygger.people.models import ConsentKind, ConsentSource, Person
from brobygger.referrals.models import Course
from brobygger.scheduling import feeds
from brobygger.scheduling import services as scheduling_services
from brobygger.scheduling.models import Appointment
from brobygger.testing import TODAY, BaseTestCase, make_person

DAYS = 14
ONE_DAY = datetime.timedelta(days=1)


@override_settings(PEER_READ_AFTER_END_DAYS=DAYS)
class EndedCourseTests(BaseTestCase):
    dora: Person
    course: Course
    appointment: Appointment
    administration: Administration

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.dora = make_person("Dora", unit=cls.unit, cpr="0302851234", phone="29876543")
        for kind in (ConsentKind.STORE_NOTES, ConsentKind.QUESTIONNAIRES):
            people_services.record_consent(
                actor=None, person=cls.dora, kind=kind, source=ConsentSource.VERBAL
            )
        cls.course = lifecycle.start_course(
            actor=None,
            person=cls.dora,
            peer=cls.peer,
            started_on=TODAY - datetime.timedelta(days=200),
        )
        sync_schedule(actor=None, course=cls.course)
        cls.administration = Administration.objects.filter(course=cls.course).first()  # type: ignore[assignment]
        with override_settings(PEER_READ_AFTER_END_DAYS=DAYS):
            held_on = policy.read_after_end_cutoff() - datetime.timedelta(days=5)
        cls.appointment = scheduling_services.record_past(
            actor=cls.peer.user,
            course=cls.course,
            starts_at=local_datetime(held_on, datetime.time(10)),
            minutes=45,
            mode="in_person",
            place_kind="ward",
        )
        conversation_services.record_conversation(
            actor=cls.peer.user,
            appointment=cls.appointment,
            minutes=45,
            topics=[],
            chime=[],
            purpose="Tale om hjemkomsten",
        )
        feeds.create_feed(actor=cls.peer.user, peer=cls.peer)

    def end(self, *, readable: bool) -> None:
        """End the course on the last day still readable, or the day before it."""
        cutoff = policy.read_after_end_cutoff()
        lifecycle.end_course(
            actor=None,
            course=self.course,
            ended_on=cutoff if readable else cutoff - ONE_DAY,
            reason="completed",
            summary="Dora har fået mod på hverdagen",
        )

    NAMELESS = ("answer with the peer", "questionnaire link")

    def assert_readable(self, what: str, url: str) -> None:
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        if what not in self.NAMELESS:
            self.assertContains(response, "Dora")

    def record_pages(self) -> list[tuple[str, str]]:
        """Every page of the course and its person that a peer can open (GET)."""
        course, appointment = self.course.pk, self.appointment.pk
        administration = self.administration.pk
        return [
            ("course page", reverse("referrals:course_detail", args=[course])),
            ("discharge guide", reverse("conversations:guide", args=[course])),
            ("printout", reverse("conversations:printout", args=[course])),
            ("questionnaires", reverse("outcomes:course", args=[course])),
            ("scores over time", reverse("outcomes:trend", args=[course])),
            ("conversation", reverse("scheduling:appointment", args=[appointment])),
            ("conversation note", reverse("conversations:record", args=[appointment])),
            # These two show no name, only the questionnaire.
            ("answer with the peer", reverse("outcomes:answer_with_peer", args=[administration])),
            ("questionnaire link", reverse("outcomes:create_link", args=[administration])),
            ("person page", reverse("people:person_detail", args=[self.dora.pk])),
        ]

    def closed_pages(self) -> list[tuple[str, str, str]]:
        """Pages an ended course refuses whatever the read period (writes)."""
        course = self.course.pk
        return [
            ("GET", "book a conversation", reverse("scheduling:book", args=[course])),
            ("GET", "bridge follow-ups", reverse("conversations:bridge", args=[course])),
            ("POST", "change the course", reverse("referrals:course_detail", args=[course])),
            ("POST", "change the guide", reverse("conversations:guide", args=[course])),
            (
                "POST",
                "reveal the CPR number",
                reverse("people:person_reveal_cpr", args=[self.dora.pk]),
            ),
        ]

    def list_pages(self) -> list[tuple[str, str]]:
        held_on = timezone.localdate(self.appointment.starts_at).isoformat()
        # Only the token's hash is stored: a new feed hands the token over once.
        _feed, token = feeds.create_feed(actor=self.peer.user, peer=self.peer)
        return [
            ("due questionnaires", reverse("outcomes:due")),
            ("my week", reverse("scheduling:my_week") + f"?uge={held_on}"),
            ("home", reverse("desk:home")),
            ("calendar feed", reverse("scheduling:calendar_feed", args=[token])),
        ]

    def test_after_the_read_period_every_page_is_gone_and_no_list_names_the_person(self):
        self.end(readable=False)
        self.login(self.peer)
        pages = self.record_pages()
        closed = self.closed_pages()
        lists = self.list_pages()
        self.assertEqual(len(pages) + len(closed) + len(lists), 19)
        for what, url in pages:
            with self.subTest(page=what):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 404)
                self.assertNotContains(response, "Dora", status_code=404)
        for method, what, url in closed:
            with self.subTest(page=what):
                response = self.client.generic(method, url)
                self.assertEqual(response.status_code, 404)
        for what, url in lists:
            with self.subTest(page=what):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertNotContains(response, "Dora")
                self.assertNotContains(response, "29876543")
        # The week still counts the conversation's time, without saying whom it was with.
        week = self.client.get(lists[1][1])
        self.assertContains(week, "En samtale i et afsluttet forløb")

    def test_within_the_read_period_the_peer_still_reads_everything(self):
        self.end(readable=True)
        self.login(self.peer)
        for what, url in self.record_pages():
            with self.subTest(page=what):
                self.assert_readable(what, url)
        self.assertContains(self.client.get(self.list_pages()[0][1]), "Dora")
        self.assertContains(self.client.get(self.list_pages()[1][1]), "Dora")
        printout = self.client.get(reverse("conversations:printout", args=[self.course.pk]))
        self.assertContains(printout, "Dora har fået mod på hverdagen")
        for method, what, url in self.closed_pages():
            with self.subTest(page=what):
                self.assertEqual(self.client.generic(method, url).status_code, 404)

    def test_the_coordinator_keeps_the_course_after_the_read_period(self):
        self.end(readable=False)
        self.login(self.coordinator)
        for what, url in self.record_pages():
            with self.subTest(page=what):
                self.assert_readable(what, url)

    def test_the_peers_daily_email_counts_only_the_courses_the_peer_may_read(self):
        today = timezone.localdate()
        self.end(readable=True)
        self.assertEqual(due_counts(today)[self.peer.user.pk].overdue, 1)
        Course.objects.filter(pk=self.course.pk).update(
            ended_on=policy.read_after_end_cutoff(today) - ONE_DAY
        )
        self.assertNotIn(self.peer.user.pk, due_counts(today))
