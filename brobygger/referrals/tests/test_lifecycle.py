import datetime
import itertools
from typing import Any

import time_machine
from django.core.exceptions import ValidationError

from brobygger.audit.models import AuditEvent
from brobygger.lib.dates import local_datetime
from brobygger.lifecycle import services as lifecycle
from brobygger.people.models import Consent, ConsentKind, Person
from brobygger.people.services import record_consent
from brobygger.referrals import services
from brobygger.referrals.models import Course, Referral, ReferralSource, ReferralStatus
from brobygger.testing import TODAY, BaseTestCase, make_person

S = ReferralStatus


class Builders(BaseTestCase):
    def make_referral(self, person: Person | None = None, **overrides) -> Referral:
        kwargs: dict[str, Any] = {
            "actor": self.clinician,
            "source": ReferralSource.CLINICIAN,
            "unit": self.unit,
            "consent_source": "verbal",
            "person_fields": {
                "kind": "patient",
                "given_name": "Eva",
                "family_name": "Lund",
                "phone": "30405060",
            },
        }
        if person is not None:
            kwargs.pop("person_fields")
            kwargs["person"] = person
        kwargs.update(overrides)
        return services.create_referral(**kwargs)

    def move(self, referral: Referral, *path: str) -> Referral:
        for status in path:
            reason = "grund" if status in services.REASON_REQUIRED else ""
            peer = self.peer if status == S.MATCHED else None
            services.transition(
                actor=self.coordinator, referral=referral, to=status, reason=reason, peer=peer
            )
        return referral


class LocalDateTests(Builders):
    def test_an_inpatient_referred_just_after_midnight_is_admitted_that_day(self):
        # 00:30 on New Year's Day in Copenhagen is still 31 December in UTC.
        new_year = datetime.date(TODAY.year + 1, 1, 1)
        received = local_datetime(new_year, datetime.time(0, 30))
        with time_machine.travel(received, tick=False):
            referral = self.make_referral(treatment_setting="inpatient", received_at=received)
            self.move(referral, S.TRIAGED)
            referral = Referral.objects.get(pk=referral.pk)  # received_at read back in UTC
            course = lifecycle.assign_peer(
                actor=self.coordinator, referral=referral, peer=self.peer
            )
        self.assertEqual((course.started_on, course.admitted_on), (new_year, new_year))


class LifecycleTests(Builders):
    def test_the_happy_path_to_closed(self):
        referral = self.make_referral()
        self.assertEqual(referral.status, S.NEW)
        self.move(referral, S.TRIAGED)
        course = lifecycle.assign_peer(actor=self.coordinator, referral=referral, peer=self.peer)
        referral.refresh_from_db()
        self.assertEqual(
            (referral.status, course.peer, course.referral), (S.ACTIVE, self.peer, referral)
        )
        lifecycle.end_course(
            actor=self.coordinator, course=course, ended_on=course.started_on, reason="completed"
        )
        referral.refresh_from_db()
        self.assertEqual(referral.status, S.CLOSED)

    def test_every_transition_outside_the_table_is_refused(self):
        for start, target in itertools.product(S.values, S.values):
            allowed = target in services.TRANSITIONS[start]
            if allowed:
                continue
            referral = self.make_referral(
                person_fields={
                    "kind": "patient",
                    "given_name": f"P{start}{target}",
                    "family_name": "X",
                    "phone": "11223344",
                }
            )
            Referral.objects.filter(pk=referral.pk).update(status=start)
            referral.refresh_from_db()
            with self.subTest(start=start, target=target), self.assertRaises(ValidationError):
                services.transition(
                    actor=self.coordinator, referral=referral, to=target, reason="x", peer=self.peer
                )

    def test_closing_statuses_need_a_reason(self):
        referral = self.make_referral()
        with self.assertRaises(ValidationError) as info:
            services.transition(actor=self.coordinator, referral=referral, to=S.DECLINED)
        self.assertIn("reason", info.exception.message_dict)
        services.transition(
            actor=self.coordinator,
            referral=referral,
            to=S.DECLINED,
            reason="Ønsker kommunal støtte",
        )
        self.assertEqual(referral.status_reason, "Ønsker kommunal støtte")

    def test_each_transition_is_an_audit_event(self):
        referral = self.make_referral()
        self.move(referral, S.TRIAGED, S.MATCHED, S.TRIAGED, S.NO_CONTACT)
        moves = [
            e.data
            for e in AuditEvent.objects.filter(
                verb="referral.status", object_id=referral.pk
            ).order_by("seq")
        ]
        self.assertEqual([m["to"] for m in moves], ["triaged", "matched", "triaged", "no_contact"])

    def test_peer_declining_returns_the_referral_to_the_queue(self):
        referral = self.make_referral()
        self.move(referral, S.TRIAGED, S.MATCHED)
        self.assertEqual(referral.peer, self.peer)
        self.move(referral, S.TRIAGED)
        self.assertIsNone(referral.peer)

    def test_relative_peer_cannot_take_a_patient(self):
        referral = self.move(self.make_referral(), S.TRIAGED)
        with self.assertRaises(ValidationError):
            lifecycle.assign_peer(
                actor=self.coordinator, referral=referral, peer=self.relative_peer
            )

    def test_nothing_without_consent_to_be_contacted(self):
        with self.assertRaises(ValidationError):
            self.make_referral(consents=())
        self.assertFalse(Person.objects.filter(given_name="Eva").exists())


class ConsentTests(Builders):
    def test_withdrawal_stops_all_contact_everywhere(self):
        referral = self.move(self.make_referral(), S.TRIAGED)
        course = lifecycle.assign_peer(actor=self.coordinator, referral=referral, peer=self.peer)
        second = self.make_referral(person=referral.person)
        consent = Consent.objects.get(person=referral.person, kind=ConsentKind.CONTACT)
        lifecycle.withdraw_consent(actor=self.coordinator, consent=consent, note="Ønsker det ikke")
        course.refresh_from_db()
        second.refresh_from_db()
        self.assertEqual(course.end_reason, "consent_withdrawn")
        self.assertEqual(second.status, S.WITHDRAWN)
        # Later steps honour it: the person cannot be matched again.
        Referral.objects.filter(pk=second.pk).update(status=S.TRIAGED)
        second.refresh_from_db()
        with self.assertRaises(ValidationError):
            lifecycle.assign_peer(actor=self.coordinator, referral=second, peer=self.other_peer)

    def test_sharing_with_relatives_names_the_recipient(self):
        with self.assertRaises(ValidationError):
            record_consent(
                actor=self.coordinator,
                person=self.alice,
                kind=ConsentKind.SHARE_WITH_RELATIVES,
                source="verbal",
            )


class DuplicateTests(Builders):
    def test_same_cpr_reuses_the_person(self):
        referral = self.make_referral(
            person_fields={
                "kind": "patient",
                "given_name": "Alice",
                "family_name": "Andersen",
                "cpr": "0101901234",
                "phone": "20304050",
            }
        )
        self.assertEqual(referral.person, self.alice)
        self.assertEqual(Person.objects.filter(cpr="0101901234").count(), 1)

    def test_same_name_birth_date_and_phone_is_flagged_and_can_be_merged(self):
        import datetime

        first = make_person(
            "Eva", unit=self.unit, phone="30405060", birth_date=datetime.date(1980, 5, 1)
        )
        first.family_name = "Lund"
        first.save(update_fields=["family_name"])
        referral = self.make_referral(
            person_fields={
                "kind": "patient",
                "given_name": "eva",
                "family_name": "LUND",
                "phone": "30405060",
                "birth_date": datetime.date(1980, 5, 1),
            }
        )
        self.assertEqual(referral.possible_duplicate, first)
        duplicate = referral.person
        lifecycle.merge_persons(actor=self.coordinator, keep=first, duplicate=duplicate)
        referral.refresh_from_db()
        self.assertEqual(referral.person, first)
        self.assertIsNone(referral.possible_duplicate)
        self.assertFalse(Person.objects.filter(pk=duplicate.pk).exists())
        self.assertTrue(Consent.objects.filter(person=first, kind="contact").exists())

    def test_different_cpr_numbers_are_never_merged(self):
        other = make_person("Alice", unit=self.unit, cpr="0202801234")
        with self.assertRaises(ValidationError):
            lifecycle.merge_persons(actor=self.coordinator, keep=self.alice, duplicate=other)


class CourseTests(Builders):
    def test_a_person_can_have_courses_over_time(self):
        course = Course.objects.get(person=self.alice)
        lifecycle.end_course(
            actor=self.peer.user, course=course, ended_on=course.started_on, reason="completed"
        )
        again = lifecycle.start_course(
            actor=self.coordinator, person=self.alice, peer=self.peer, started_on=course.started_on
        )
        self.assertEqual(Course.objects.filter(person=self.alice).count(), 2)
        self.assertTrue(again.is_active)

    def test_discharge_before_admission_is_refused(self):
        import datetime

        with self.assertRaises(ValidationError):
            lifecycle.update_course(
                actor=self.peer.user,
                course=self.alice_course,
                admitted_on=datetime.date(2026, 5, 2),
                discharged_on=datetime.date(2026, 5, 1),
            )
