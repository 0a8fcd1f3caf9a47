"""Schedules: created as courses move through their phases; due and overdue lists; links sent."""

from __future__ import annotations

import datetime

from django.utils import timezone

from brobygger.audit.models import AuditEvent
from brobygger.lifecycle import services as lifecycle
from brobygger.notifications import messaging
from brobygger.outcomes import reminders
from brobygger.outcomes.models import Administration, AdministrationStatus
from brobygger.outcomes.schedule import MAIN_INSTRUMENT_KEYS, SCHEDULES
from brobygger.outcomes.selectors import due_for
from brobygger.outcomes.services import sync_schedule
from brobygger.people.models import Consent, ConsentKind
from brobygger.testing import TODAY, count_queries, make_course, make_person

from .helpers import OutcomesTestCase, give_questionnaire_consent


def timepoints(course) -> dict[str, datetime.date]:
    return dict(Administration.objects.filter(course=course).values_list("timepoint", "due_on"))


class SyncScheduleTests(OutcomesTestCase):
    def test_the_main_instrument_is_the_first_installed_key(self):
        self.assertEqual(MAIN_INSTRUMENT_KEYS[0], "qpr-15")
        sync_schedule(actor=None, course=self.alice_course)
        keys = set(
            Administration.objects.values_list("version__instrument__key", flat=True).distinct()
        )
        self.assertEqual(keys, {"oplevelse-af-peerstoette"})

    def test_a_started_course_has_only_the_start_questionnaire(self):
        # Starting the course planned it already (referrals.services calls sync_schedule).
        self.assertEqual(timepoints(self.alice_course), {"start": self.alice_course.started_on})
        created = sync_schedule(actor=self.coordinator, course=self.alice_course)
        self.assertEqual(len(created), 0)
        self.assertEqual(
            AuditEvent.objects.filter(
                verb="questionnaire.planned", person_id=self.alice.pk
            ).count(),
            1,
        )

    def test_schedule_is_idempotent_across_phases(self):
        course = self.alice_course
        sync_schedule(actor=None, course=course)
        sync_schedule(actor=None, course=course)
        self.assertEqual(len(timepoints(course)), 1)
        discharged = TODAY - datetime.timedelta(days=2)
        lifecycle.update_course(
            actor=None, course=course, phase="discharged", discharged_on=discharged
        )
        sync_schedule(actor=None, course=course)
        sync_schedule(actor=None, course=course)
        self.assertEqual(
            timepoints(course),
            {
                "start": course.started_on,
                "discharge": discharged,
                "after_3_months": discharged + datetime.timedelta(days=90),
            },
        )
        lifecycle.end_course(actor=None, course=course, ended_on=TODAY, reason="completed")
        self.assertEqual(sync_schedule(actor=None, course=course), [])
        self.assertEqual(Administration.objects.filter(course=course).count(), 3)

    def test_relative_and_group_courses_are_asked_at_start_and_end(self):
        self.assertEqual(SCHEDULES["relative"], SCHEDULES["group"])
        course = self.alice_course
        lifecycle.update_course(actor=None, course=course, support_model="group")
        sync_schedule(actor=None, course=course)
        lifecycle.end_course(actor=None, course=course, ended_on=TODAY, reason="completed")
        sync_schedule(actor=None, course=course)
        self.assertEqual(timepoints(course), {"start": course.started_on, "end": TODAY})

    def test_an_answered_questionnaire_is_never_replanned(self):
        administration = self.start_administration()
        Administration.objects.filter(pk=administration.pk).update(
            status=AdministrationStatus.DECLINED
        )
        self.assertEqual(sync_schedule(actor=None, course=self.alice_course), [])


class DueListTests(OutcomesTestCase):
    def setUp(self) -> None:
        # Only Alice's questionnaires: Bob's course was planned when it started.
        Administration.objects.exclude(course=self.alice_course).delete()
        # Alice's start questionnaire was due ten days ago: overdue.
        self.overdue = self.start_administration()
        # A discharge next week: due.
        lifecycle.update_course(
            actor=None,
            course=self.alice_course,
            discharged_on=TODAY + datetime.timedelta(days=5),
        )
        sync_schedule(actor=None, course=self.alice_course)
        self.due = Administration.objects.get(course=self.alice_course, timepoint="discharge")

    def test_peer_sees_own_due_and_overdue(self):
        lists = due_for(self.peer.user, today=TODAY)
        self.assertEqual(lists.overdue, [self.overdue])
        self.assertEqual(lists.due, [self.due])
        # 3 months after discharge is beyond the week ahead.
        self.assertEqual(len(lists), 2)
        self.assertEqual(len(due_for(self.other_peer.user, today=TODAY)), 0)

    def test_answered_and_declined_leave_the_lists(self):
        Administration.objects.filter(pk=self.overdue.pk).update(
            status=AdministrationStatus.DECLINED
        )
        lists = due_for(self.peer.user, today=TODAY)
        self.assertEqual((lists.overdue, lists.due), ([], [self.due]))

    def test_coordinator_sees_own_units_only(self):
        self.assertEqual(len(due_for(self.coordinator, today=TODAY)), 2)
        self.assertEqual(len(due_for(self.other_coordinator, today=TODAY)), 0)

    def test_lists_take_one_query_whatever_their_length(self):
        for name in ("Dora", "Erik", "Frida"):
            person = make_person(name, unit=self.unit)
            give_questionnaire_consent(person)
            sync_schedule(actor=None, course=make_course(person, self.peer))
        for lists_for, user in (
            (due_for, self.peer.user),
            (due_for, self.coordinator),
        ):
            with count_queries() as queries:
                lists = lists_for(user, today=TODAY)
                for row in [*lists.overdue, *lists.due]:
                    str(row.course.person.full_name)
                    str(row.course.peer.user.display_name)
                    str(row.version.instrument.name())
                    bool(row.has_consent)  # type: ignore[attr-defined]
            self.assertEqual(len(lists), 5)
            # Coordinator's visible_to reads the units in a subquery: still one query.
            self.assertEqual(len(queries.captured_queries), 1, user)


class LinkReminderTests(OutcomesTestCase):
    def setUp(self) -> None:
        messaging.sms_outbox.clear()
        self.administration = self.start_administration()

    def send(self) -> int:
        with self.settings(BROBYGGER_SMS_BACKEND=messaging.LOCMEM_SMS_BACKEND):
            return self.committed(
                reminders.send_due_links, base_url="https://brobygger.example", today=TODAY
            )

    def test_a_due_questionnaire_is_sent_once_as_a_bare_link(self):
        self.assertEqual(self.send(), 1)
        self.assertEqual(self.send(), 0)
        [message] = messaging.sms_outbox
        self.assertEqual(message.to, "20304050")
        self.assertIn("https://brobygger.example/svar/", message.text)
        self.assertNotIn("Alice", message.text)
        self.administration.refresh_from_db()
        self.assertEqual(self.administration.status, AdministrationStatus.SENT)
        self.assertEqual(len(self.administration.token_hash), 64)
        self.assertNotIn(self.administration.token_hash, message.text)

    def test_a_link_that_could_not_be_sent_is_due_again_for_the_next_run(self):
        broken = "brobygger.scheduling.tests.test_reminders.BrokenSMSBackend"
        with (
            self.settings(BROBYGGER_SMS_BACKEND=broken),
            self.assertLogs("brobygger.outcomes.reminders", "ERROR") as logs,
        ):
            self.committed(
                reminders.send_due_links, base_url="https://brobygger.example", today=TODAY
            )
        self.assertNotIn("20304050", "\n".join(logs.output))
        self.administration.refresh_from_db()
        self.assertEqual(self.administration.status, AdministrationStatus.DUE)
        self.assertEqual(self.administration.token_hash, "")
        self.assertTrue(AuditEvent.objects.filter(verb="questionnaire.link_not_sent").exists())
        self.assertEqual(self.send(), 1)
        self.assertEqual(len(messaging.sms_outbox), 1)

    def test_nothing_is_sent_without_questionnaire_consent(self):
        Consent.objects.filter(person=self.alice, kind=ConsentKind.QUESTIONNAIRES).update(
            withdrawn_at=timezone.now()
        )
        self.assertEqual(self.send(), 0)
        self.assertEqual(messaging.sms_outbox, [])
        self.administration.refresh_from_db()
        self.assertEqual(self.administration.status, AdministrationStatus.DUE)
