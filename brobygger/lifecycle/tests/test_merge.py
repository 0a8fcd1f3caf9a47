"""Issue 17 item 2: merging two records of one person moves everything, loses nothing."""

from __future__ import annotations

import datetime

from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from brobygger.admissions import services as admission_services
from brobygger.admissions.models import Admission
from brobygger.agenda.models import Busy, person_party
from brobygger.audit.looks import shown
from brobygger.audit.models import AccessLogEntry, AuditEvent, Purpose
from brobygger.conversations import services as conversation_services
from brobygger.conversations.models import ConversationRecord
from brobygger.groups import services as group_services
from brobygger.groups.models import Attendance, Enrolment, EnrolmentStatus
from brobygger.lifecycle import services as lifecycle
from brobygger.outcomes.models import Administration, Answer, Timepoint
from brobygger.outcomes.services import save_answers, sync_schedule
from brobygger.people.models import ConsentKind, MergedPerson, Person
from brobygger.referrals import services
from brobygger.referrals.models import Course, Referral, ReferralSource
from brobygger.scheduling.models import Appointment, Mode
from brobygger.testing import BaseTestCase


class MergeMovesEverythingTests(BaseTestCase):
    """A duplicate of Alice with a whole history of its own, on the other peer's caseload."""

    def setUp(self) -> None:
        self.referral = services.create_referral(
            actor=self.clinician,
            source=ReferralSource.CLINICIAN,
            unit=self.unit,
            consent_source="verbal",
            consents=(ConsentKind.CONTACT, ConsentKind.QUESTIONNAIRES, ConsentKind.STORE_NOTES),
            person_fields={
                "kind": "patient",
                "given_name": "Alice",
                "family_name": "Andersen",
                "phone": "20304050",
                "birth_date": self.alice.birth_date,
            },
        )
        self.assertEqual(self.referral.possible_duplicate, self.alice)
        self.duplicate = self.referral.person
        # delete() clears the instance's pk; the id is kept here to look for it afterwards.
        self.duplicate_id = self.duplicate.pk
        self.course = lifecycle.start_course(
            actor=None,
            person=self.duplicate,
            peer=self.other_peer,
            started_on=timezone.localdate() - datetime.timedelta(days=20),
        )
        now = timezone.now()
        held = Appointment.objects.create(
            course=self.course,
            peer=self.other_peer,
            person=self.duplicate,
            starts_at=now - datetime.timedelta(days=3, hours=1),
            ends_at=now - datetime.timedelta(days=3),
            mode=Mode.PHONE,
        )
        conversation_services.record_conversation(
            actor=self.other_peer.user,
            appointment=held,
            minutes=45,
            topics=[],
            chime=[],
            purpose="Hjemkomsten",
        )
        from brobygger.scheduling import services as scheduling_services

        scheduling_services.book(
            actor=self.coordinator,
            course=self.course,
            starts_at=now + datetime.timedelta(days=7),
            minutes=45,
            mode=Mode.PHONE,
        )
        self.group = group = group_services.create_group(
            actor=self.coordinator,
            title="Hverdagsliv",
            unit=self.unit,
            place="Grupperummet",
            capacity=5,
            facilitators=[self.peer],
        )
        start = now.replace(microsecond=0) - datetime.timedelta(days=1)
        session = group_services.add_session(
            actor=self.coordinator,
            group=group,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
            allow_past=True,
        )
        group_services.enrol(actor=self.coordinator, group=group, person=self.duplicate)
        group_services.record_attendance(
            actor=self.peer.user, session=session, statuses={self.duplicate_id: "present"}
        )
        sync_schedule(actor=None, course=self.course)
        administration = Administration.objects.get(course=self.course, timepoint=Timepoint.START)
        save_answers(
            administration=administration,
            answers={"lyttet": 4, "genkendelse": 4, "tryghed": 4, "haab": 4, "alene": 2},
            final=True,
            answered_by="with_peer",
            actor=self.other_peer.user,
        )
        admission_services.add_admission(
            actor=self.coordinator,
            course=self.course,
            admitted_on=timezone.localdate() - datetime.timedelta(days=15),
            discharged_on=timezone.localdate() - datetime.timedelta(days=5),
            unit=self.unit,
        )

    def held_by(self, person_id: int) -> dict[str, int]:
        return {
            "appointments": Appointment.objects.filter(person_id=person_id).count(),
            "records": ConversationRecord.objects.filter(course__person_id=person_id).count(),
            "enrolments": Enrolment.objects.filter(person_id=person_id).count(),
            "attendance": Attendance.objects.filter(person_id=person_id).count(),
            "administrations": Administration.objects.filter(course__person_id=person_id).count(),
            "answers": Answer.objects.filter(administration__course__person_id=person_id).count(),
            "admissions": Admission.objects.filter(course__person_id=person_id).count(),
            "courses": Course.objects.filter(person_id=person_id).count(),
            "referrals": Referral.objects.filter(person_id=person_id).count(),
        }

    def totals(self) -> list[int]:
        return [
            Appointment.objects.count(),
            ConversationRecord.objects.count(),
            Attendance.objects.count(),
            Answer.objects.count(),
            Admission.objects.count(),
        ]

    def test_every_health_record_of_the_duplicate_moves_to_the_kept_person(self):
        duplicate_had = self.held_by(self.duplicate_id)
        alice_had = self.held_by(self.alice.pk)
        self.assertEqual(
            {k: v > 0 for k, v in duplicate_had.items()}, dict.fromkeys(duplicate_had, True)
        )
        totals = self.totals()
        lifecycle.merge_persons(actor=self.coordinator, keep=self.alice, duplicate=self.duplicate)
        self.assertFalse(Person.objects.filter(pk=self.duplicate_id).exists())
        self.assertEqual(
            self.held_by(self.alice.pk),
            {k: alice_had[k] + duplicate_had[k] for k in alice_had},
        )
        self.assertEqual(self.totals(), totals)  # nothing deleted

    def test_the_merge_is_audited_with_both_ids_and_what_moved(self):
        lifecycle.merge_persons(actor=self.coordinator, keep=self.alice, duplicate=self.duplicate)
        event = AuditEvent.objects.get(verb="person.merged")
        self.assertEqual(event.person_id, self.alice.pk)
        self.assertEqual(event.data["kept_person_id"], self.alice.pk)
        self.assertEqual(event.data["merged_person_id"], self.duplicate_id)
        moved = event.data["moved"]
        self.assertEqual(moved["scheduling.Appointment.person"], 2)
        self.assertEqual(moved["groups.Attendance.person"], 1)
        self.assertEqual(moved["conversations.ConversationRecord.course"], 1)
        self.assertEqual(moved["admissions.Admission.course"], 1)
        self.assertEqual(MergedPerson.objects.get(merged_id=self.duplicate_id).into, self.alice)

    def test_the_coordinator_is_told_what_moved(self):
        self.login(self.coordinator)
        response = self.client.post(reverse("referrals:referral_merge", args=[self.referral.pk]))
        self.assertEqual(response.status_code, 302)
        (summary,) = [str(m) for m in get_messages(response.wsgi_request)]
        self.assertIn(self.alice.full_name, summary)
        self.assertIn(": 2", summary)  # the two appointments
        self.assertFalse(Person.objects.filter(pk=self.duplicate_id).exists())

    def test_the_report_for_the_kept_person_shows_looks_at_the_merged_record(self):
        # A look at the duplicate before anyone knew it was Alice, written at once.
        shown(user=self.clinician, purpose=Purpose.REFERRAL, person_id=self.duplicate_id)
        old = AccessLogEntry.objects.filter(person_id=self.duplicate_id).latest("seq")
        lifecycle.merge_persons(actor=self.coordinator, keep=self.alice, duplicate=self.duplicate)
        self.login(self.admin)
        response = self.client.get(reverse("audit:access_report", args=[self.alice.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertIn(old.seq, [entry.seq for entry in response.context["entries"]])

    def test_a_clash_refuses_the_merge_and_nothing_changes(self):
        # Both records with an active course with the same peer: one must be ended first.
        lifecycle.start_course(
            actor=None, person=self.duplicate, peer=self.peer, started_on=timezone.localdate()
        )
        before = self.held_by(self.duplicate_id)
        with self.assertRaises(ValidationError):
            lifecycle.merge_persons(
                actor=self.coordinator, keep=self.alice, duplicate=self.duplicate
            )
        self.assertEqual(self.held_by(self.duplicate_id), before)
        self.assertFalse(MergedPerson.objects.exists())

    def test_the_kept_person_is_busy_with_what_the_duplicate_was(self):
        duplicate_rows = Busy.objects.filter(party=person_party(self.duplicate_id)).count()
        self.assertGreater(duplicate_rows, 0)
        kept_before = Busy.objects.filter(party=person_party(self.alice.pk)).count()
        lifecycle.merge_persons(actor=self.coordinator, keep=self.alice, duplicate=self.duplicate)
        self.assertFalse(Busy.objects.filter(party=person_party(self.duplicate_id)).exists())
        self.assertEqual(
            Busy.objects.filter(party=person_party(self.alice.pk)).count(),
            kept_before + duplicate_rows,
        )
        # The duplicate's coming conversation now keeps the kept person busy.
        coming = Appointment.objects.get(person=self.alice, starts_at__gt=timezone.now())
        from brobygger.scheduling import services as scheduling_services

        with self.assertRaises(ValidationError) as refused:
            scheduling_services.book(
                actor=self.coordinator,
                course=self.alice_course,
                starts_at=coming.starts_at,
                minutes=30,
                mode=Mode.PHONE,
            )
        self.assertEqual(refused.exception.code, "double_booked")

    def test_a_coming_overlap_of_the_two_records_refuses_the_merge(self):
        coming = Appointment.objects.get(person=self.duplicate, starts_at__gt=timezone.now())
        from brobygger.scheduling import services as scheduling_services

        scheduling_services.book(
            actor=self.coordinator,
            course=self.alice_course,
            starts_at=coming.starts_at,
            minutes=30,
            mode=Mode.PHONE,
        )
        before = self.held_by(self.duplicate_id)
        with self.assertRaises(ValidationError) as refused:
            lifecycle.merge_persons(
                actor=self.coordinator, keep=self.alice, duplicate=self.duplicate
            )
        self.assertIn("Personen er optaget", refused.exception.messages[0])
        self.assertEqual(self.held_by(self.duplicate_id), before)
        self.assertFalse(MergedPerson.objects.exists())

    def test_a_consent_the_kept_person_withdrew_holds_for_what_the_duplicate_brings(self):
        # Found by the state machine (test_integrity.py): the duplicate's bookings, group
        # place and questionnaires outlived the kept person's withdrawal of contact.
        from brobygger.people.models import Consent

        contact = Consent.objects.get(person=self.alice, kind=ConsentKind.CONTACT)
        lifecycle.withdraw_consent(actor=self.coordinator, consent=contact)
        # The duplicate's own contact consent was never recorded (a consent given on
        # another record is not one given on this): only the withdrawal stands after.
        Consent.objects.filter(person=self.duplicate, kind=ConsentKind.CONTACT).delete()
        lifecycle.merge_persons(actor=self.coordinator, keep=self.alice, duplicate=self.duplicate)
        self.assertFalse(
            Appointment.objects.filter(
                person=self.alice, status="booked", starts_at__gt=timezone.now()
            ).exists()
        )
        self.assertFalse(Administration.objects.open().filter(course__person=self.alice).exists())
        self.assertFalse(
            Enrolment.objects.filter(
                person=self.alice, status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING]
            ).exists()
        )
        self.assertFalse(Course.objects.filter(person=self.alice, ended_on__isnull=True).exists())

    def test_two_enrolments_in_one_group_become_the_stronger_one(self):
        group_services.enrol(actor=self.coordinator, group=self.group, person=self.alice)
        group_services.leave(actor=self.coordinator, group=self.group, person=self.alice)
        lifecycle.merge_persons(actor=self.coordinator, keep=self.alice, duplicate=self.duplicate)
        enrolment = Enrolment.objects.get(group=self.group, person=self.alice)
        self.assertEqual(enrolment.status, EnrolmentStatus.ENROLLED)
        self.assertEqual(Attendance.objects.filter(person=self.alice).count(), 1)

    def test_consents_of_both_stay(self):
        consents = self.duplicate.consents.count() + self.alice.consents.count()
        self.assertGreater(self.duplicate.consents.count(), 0)
        lifecycle.merge_persons(actor=self.coordinator, keep=self.alice, duplicate=self.duplicate)
        self.assertEqual(self.alice.consents.count(), consents)
