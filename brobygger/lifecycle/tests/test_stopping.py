"""A death, a move away and a restriction of processing (issue 17 item 1, issue 18 item 5):
one mechanism (people.ProcessingStop) and one guard (people.services.ensure_may_start)."""

from __future__ import annotations

import datetime

from django.core import mail
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from brobygger.audit.models import AuditEvent
from brobygger.groups import services as group_services
from brobygger.groups.models import Enrolment, EnrolmentStatus, RecoveryGroup
from brobygger.lifecycle import services as lifecycle
from brobygger.matching import services as matching_services
from brobygger.notifications import messaging
from brobygger.outcomes import reminders as outcome_reminders
from brobygger.outcomes.models import Administration, AdministrationStatus, Timepoint
from brobygger.outcomes.services import issue_link, link_is_usable, sync_schedule
from brobygger.outcomes.tests.helpers import give_questionnaire_consent
from brobygger.people.models import ConsentSource, Person, ProcessingStop, StopKind
from brobygger.people.services import ensure_may_start
from brobygger.referrals import services
from brobygger.referrals.models import Course, EndReason, Referral, ReferralSource, ReferralStatus
from brobygger.scheduling import services as scheduling_services
from brobygger.scheduling.models import Appointment, AppointmentStatus, Mode
from brobygger.scheduling.reminders import send_due_reminders
from brobygger.testing import TODAY, BaseTestCase, make_person

LOCMEM_SMS = "brobygger.notifications.messaging.LocmemSMSBackend"


@override_settings(BROBYGGER_SMS_BACKEND=LOCMEM_SMS)
class StoppingTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        give_questionnaire_consent(cls.alice)

    def setUp(self) -> None:
        messaging.sms_outbox.clear()

    def book(self, *, hours: int, course: Course | None = None) -> Appointment:
        starts_at = (timezone.now() + datetime.timedelta(hours=hours)).replace(
            minute=0, second=0, microsecond=0
        )
        return scheduling_services.book(
            actor=self.coordinator,
            course=course or self.alice_course,
            starts_at=starts_at,
            minutes=60,
            mode=Mode.PHONE,
        )

    def group(self) -> RecoveryGroup:
        return group_services.create_group(
            actor=self.coordinator,
            title="Recovery-gruppen",
            place="Mødelokale 2",
            capacity=8,
            facilitators=[self.other_peer],
            unit=self.unit,
        )

    def referral(self) -> Referral:
        return services.create_referral(
            actor=self.coordinator,
            source=ReferralSource.COORDINATOR,
            person=self.alice,
            unit=self.unit,
            consent_source=ConsentSource.VERBAL,
        )

    def record(self, kind: str) -> ProcessingStop:
        return lifecycle.record_stop(
            actor=self.coordinator,
            person=self.alice,
            kind=kind,
            on=TODAY,
            reason="Oplyst af afsnit",
        )

    # -- death -------------------------------------------------------------------------

    def test_the_confirm_page_lists_what_a_death_will_cancel(self):
        appointment = self.book(hours=30)
        group_services.enrol(actor=self.coordinator, group=self.group(), person=self.alice)
        self.login(self.coordinator)
        url = reverse("referrals:person_died", args=[self.alice.pk])
        page = self.client.get(url).content.decode()
        self.assertIn("Registrér dødsfald", page)
        self.assertIn("Samtaler, der aflyses", page)
        self.assertIn(timezone.localtime(appointment.starts_at).strftime("%H.%M"), page)
        self.assertIn("Recovery-gruppen", page)
        self.assertIn("Forløb, der afsluttes", page)
        self.assertEqual(self.alice_course.peer.name in page, True)
        # Nothing changed by looking.
        appointment.refresh_from_db()
        self.assertEqual(appointment.status, AppointmentStatus.BOOKED)

    def test_recording_a_death_ends_everything_in_one_go(self):
        appointment = self.book(hours=3)
        group = self.group()
        group_services.enrol(actor=self.coordinator, group=group, person=self.alice)
        start = Administration.objects.get(course=self.alice_course, timepoint=Timepoint.START)
        issue_link(actor=self.coordinator, administration=start)
        other_course = lifecycle.start_course(
            actor=self.coordinator, person=self.alice, peer=self.other_peer, started_on=TODAY
        )
        referral = self.referral()
        self.login(self.coordinator)
        response = self.client.post(
            reverse("referrals:person_died", args=[self.alice.pk]),
            {"on": TODAY.isoformat(), "reason": "Oplyst af pårørende"},
        )
        self.assertRedirects(response, reverse("people:person_detail", args=[self.alice.pk]))
        appointment.refresh_from_db()
        self.assertEqual(appointment.status, AppointmentStatus.CANCELLED)
        self.assertEqual(appointment.cancel_reason, "Personen er afgået ved døden.")
        for course in (self.alice_course, other_course):
            course.refresh_from_db()
            self.assertEqual((course.ended_on, course.end_reason), (TODAY, EndReason.DIED))
        self.assertEqual(
            Enrolment.objects.get(group=group, person=self.alice).status, EnrolmentStatus.LEFT
        )
        start.refresh_from_db()
        self.assertFalse(link_is_usable(start))
        self.assertFalse(Administration.objects.open().filter(course__person=self.alice).exists())
        referral.refresh_from_db()
        self.assertEqual(referral.status, ReferralStatus.WITHDRAWN)
        self.assertTrue(AuditEvent.objects.filter(verb="person.stopped", person_id=self.alice.pk))
        # No reminder and no questionnaire message ever again.
        self.assertEqual(send_due_reminders(), 0)
        self.assertEqual(outcome_reminders.send_due_links(base_url="https://x.dk"), 0)
        self.assertEqual((messaging.sms_outbox, mail.outbox), ([], []))
        page = self.client.get(reverse("people:person_detail", args=[self.alice.pk]))
        self.assertContains(page, "Personen er afgået ved døden")

    def test_a_death_cannot_be_lifted_or_recorded_twice(self):
        stop = self.record(StopKind.DIED)
        with self.assertRaises(ValidationError):
            lifecycle.lift_stop(actor=self.coordinator, stop=stop, reason="Fejl")
        with self.assertRaises(ValidationError):
            self.record(StopKind.MOVED)

    def test_a_death_in_the_future_is_refused_with_a_message(self):
        self.login(self.coordinator)
        response = self.client.post(
            reverse("referrals:person_died", args=[self.alice.pk]),
            {"on": (TODAY + datetime.timedelta(days=1)).isoformat(), "reason": "x"},
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "Datoen kan ikke ligge i fremtiden", status_code=422)
        self.assertFalse(ProcessingStop.objects.exists())

    def test_only_a_coordinator_records_a_death(self):
        self.login(self.admin)
        url = reverse("referrals:person_died", args=[self.alice.pk])
        self.assertEqual(self.client.get(url).status_code, 404)
        self.login(self.other_coordinator)
        self.assertEqual(self.client.get(url).status_code, 404)

    # -- move ----------------------------------------------------------------------------

    def test_a_move_ends_the_courses_and_lifting_it_lets_work_start_again(self):
        self.record(StopKind.MOVED)
        self.alice_course.refresh_from_db()
        self.assertEqual(self.alice_course.end_reason, EndReason.MOVED)
        with self.assertRaisesMessage(ValidationError, "flyttet fra regionen"):
            lifecycle.start_course(
                actor=self.coordinator, person=self.alice, peer=self.peer, started_on=TODAY
            )
        self.login(self.coordinator)
        url = reverse("referrals:person_moved_lift", args=[self.alice.pk])
        self.assertEqual(self.client.get(url).status_code, 200)
        response = self.client.post(url, {"reason": "Flyttet tilbage"})
        self.assertEqual(response.status_code, 302)
        ensure_may_start(self.alice)
        lifecycle.start_course(
            actor=self.coordinator, person=self.alice, peer=self.peer, started_on=TODAY
        )

    # -- restriction ---------------------------------------------------------------------

    def test_a_restriction_freezes_but_keeps_the_course_and_planned_questionnaires(self):
        appointment = self.book(hours=30)
        start = Administration.objects.get(course=self.alice_course, timepoint=Timepoint.START)
        self.login(self.coordinator)
        url = reverse("referrals:person_restrict", args=[self.alice.pk])
        page = self.client.get(url)
        self.assertContains(page, "Samtaler, der aflyses")
        response = self.client.post(url, {"on": TODAY.isoformat(), "reason": "Anmodning art. 18"})
        self.assertEqual(response.status_code, 302)
        appointment.refresh_from_db()
        self.assertEqual(appointment.status, AppointmentStatus.CANCELLED)
        self.alice_course.refresh_from_db()
        self.assertIsNone(self.alice_course.ended_on)
        start.refresh_from_db()
        self.assertEqual(start.status, AdministrationStatus.DUE)
        # While restricted, the planned questionnaire is not sent.
        self.assertEqual(outcome_reminders.send_due_links(base_url="https://x.dk"), 0)
        person_page = self.client.get(reverse("people:person_detail", args=[self.alice.pk]))
        self.assertContains(person_page, "Behandlingen er begrænset")
        # Lifted: the questionnaire goes out, and a conversation can be booked again.
        lift = reverse("referrals:person_restrict_lift", args=[self.alice.pk])
        self.assertEqual(self.client.post(lift, {"reason": "Indsigelse afgjort"}).status_code, 302)
        self.assertEqual(outcome_reminders.send_due_links(base_url="https://x.dk"), 1)
        self.book(hours=40)
        self.assertTrue(AuditEvent.objects.filter(verb="person.stop_lifted").exists())

    def test_an_administrator_without_a_purpose_sees_no_person_here_either(self):
        self.login(self.admin)
        url = reverse("referrals:person_restrict", args=[self.alice.pk])
        # The page goes through the person policy: an administrator has no purpose to
        # look at a person's data, so a 404 (never a 500), and nothing is recorded.
        self.assertEqual(self.client.get(url).status_code, 404)
        response = self.client.post(url, {"on": TODAY.isoformat(), "reason": "Art. 18"})
        self.assertEqual(response.status_code, 404)
        self.assertFalse(ProcessingStop.objects.exists())

    def test_a_restriction_without_a_reason_loses_nothing(self):
        self.login(self.coordinator)
        url = reverse("referrals:person_restrict", args=[self.alice.pk])
        response = self.client.post(url, {"on": TODAY.isoformat(), "reason": "  "})
        self.assertEqual(response.status_code, 422)
        self.assertFalse(ProcessingStop.objects.exists())


class GuardTests(BaseTestCase):
    """Every path that starts something asks the one guard."""

    dave: Person

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        give_questionnaire_consent(cls.alice)
        cls.dave = make_person("Dave", unit=cls.unit)

    def restrict(self, person=None) -> None:
        lifecycle.record_stop(
            actor=self.coordinator,
            person=person or self.alice,
            kind=StopKind.RESTRICTED,
            on=TODAY,
            reason="Art. 18",
        )

    def assert_stopped(self):
        return self.assertRaisesMessage(ValidationError, "Behandlingen af personens oplysninger")

    def soon(self, hours: int = 30) -> datetime.datetime:
        return (timezone.now() + datetime.timedelta(hours=hours)).replace(
            minute=0, second=0, microsecond=0
        )

    def test_a_new_referral_for_a_stopped_person(self):
        self.restrict()
        with self.assert_stopped():
            services.create_referral(
                actor=self.coordinator,
                source=ReferralSource.COORDINATOR,
                person=self.alice,
                unit=self.unit,
                consent_source=ConsentSource.VERBAL,
            )

    def test_triage_and_matching(self):
        first, referral = (
            services.create_referral(
                actor=self.coordinator,
                source=ReferralSource.COORDINATOR,
                person=self.dave,
                unit=self.unit,
                consent_source=ConsentSource.VERBAL,
            )
            for _ in range(2)
        )
        services.transition(actor=self.coordinator, referral=referral, to=ReferralStatus.TRIAGED)
        self.restrict(self.dave)
        with self.assert_stopped():
            services.transition(actor=self.coordinator, referral=first, to=ReferralStatus.TRIAGED)
        with self.assert_stopped():
            matching_services.propose_match(
                actor=self.coordinator, referral=referral, peer=self.other_peer
            )
        saved, problems = matching_services.save_batch(
            actor=self.coordinator, pairs=[(referral, self.other_peer)]
        )
        self.assertEqual(saved, 0)
        self.assertIn("begrænset", problems[0])
        with self.assert_stopped():
            lifecycle.assign_peer(actor=self.coordinator, referral=referral, peer=self.other_peer)
        referral.refresh_from_db()
        self.assertEqual(referral.status, ReferralStatus.TRIAGED)

    def test_a_new_course_but_not_a_handover(self):
        self.restrict()
        with self.assert_stopped():
            lifecycle.start_course(
                actor=self.coordinator, person=self.alice, peer=self.other_peer, started_on=TODAY
            )
        # The peer leaves: the support goes on with a new peer, frozen as it was.
        successor = matching_services.hand_over_course(
            actor=self.coordinator,
            course=self.alice_course,
            peer=self.other_peer,
            handed_over_on=TODAY,
        )
        self.assertIsNone(successor.ended_on)

    def test_booking_moving_and_uncancelling(self):
        booked = scheduling_services.book(
            actor=self.coordinator,
            course=self.alice_course,
            starts_at=self.soon(),
            minutes=60,
            mode=Mode.PHONE,
        )
        self.restrict()
        booked.refresh_from_db()
        self.assertEqual(booked.status, AppointmentStatus.CANCELLED)
        with self.assert_stopped():
            scheduling_services.book(
                actor=self.coordinator,
                course=self.alice_course,
                starts_at=self.soon(50),
                minutes=60,
                mode=Mode.PHONE,
            )
        with self.assert_stopped():
            scheduling_services.uncancel(actor=self.coordinator, appointment=booked)

    def test_moving_a_booked_conversation(self):
        booked = scheduling_services.book(
            actor=self.coordinator,
            course=self.alice_course,
            starts_at=self.soon(),
            minutes=60,
            mode=Mode.PHONE,
        )
        # Recorded outside the service would leave it booked; the guard still holds.
        ProcessingStop.objects.create(
            person=self.alice,
            kind=StopKind.RESTRICTED,
            on=TODAY,
            reason="x",
            recorded_at=timezone.now(),
        )
        with self.assert_stopped():
            scheduling_services.reschedule(
                actor=self.coordinator, appointment=booked, starts_at=self.soon(60), minutes=60
            )
        # And the reminder job passes it by.
        self.assertEqual(send_due_reminders(now=booked.starts_at - datetime.timedelta(hours=2)), 0)

    def test_group_enrolment(self):
        group = group_services.create_group(
            actor=self.coordinator,
            title="Gruppe",
            place="Lokale 1",
            capacity=4,
            facilitators=[self.peer],
            unit=self.unit,
        )
        self.restrict()
        with self.assert_stopped():
            group_services.enrol(actor=self.coordinator, group=group, person=self.alice)

    def test_questionnaires_are_neither_planned_nor_linked(self):
        start = Administration.objects.get(course=self.alice_course, timepoint=Timepoint.START)
        self.restrict()
        with self.assert_stopped():
            issue_link(actor=self.coordinator, administration=start)
        lifecycle.update_course(
            actor=self.coordinator,
            course=self.alice_course,
            discharged_on=TODAY + datetime.timedelta(days=5),
        )
        self.assertEqual(sync_schedule(actor=None, course=self.alice_course), [])
        self.assertFalse(
            Administration.objects.filter(
                course=self.alice_course, timepoint=Timepoint.DISCHARGE
            ).exists()
        )
        self.assertFalse(outcome_reminders.send_link(start, base_url="https://x.dk"))
