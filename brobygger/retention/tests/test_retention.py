"""Retention: the dry run and the real run on aged data, holds, idempotence, bounds."""

from __future__ import annotations

import datetime
from io import StringIO

import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from brobygger.accounts.models import Role
from brobygger.admissions.models import Admission
from brobygger.audit.models import AccessLogEntry, AuditEvent
from brobygger.audit.sealing import seal
from brobygger.audit.services import log_access
from brobygger.audit.tests.test_audit import CheckpointDirMixin
from brobygger.audit.verification import verify_all
from brobygger.conversations.models import ConversationRecord
from brobygger.outcomes.models import Administration
from brobygger.people.models import Person
from brobygger.referrals.models import Course
from brobygger.retention import services
from brobygger.retention.demo import old_course
from brobygger.retention.models import LegalHold, RetentionPolicy, RetentionRun
from brobygger.retention.registry import BY_KEY, RECORD_TYPES
from brobygger.scheduling.models import Appointment
from brobygger.testing import TODAY, BaseTestCase, count_queries, make_person, make_user

SIX_YEARS = datetime.timedelta(days=6 * 365)


class AgedData(BaseTestCase):
    old: Person
    old_course: Course

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.old = make_person("Kirsten", unit=cls.unit, cpr="0202502345", phone="22334455")
        cls.old_course = old_course(
            person=cls.old, peer=cls.peer, unit=cls.unit, ended=TODAY - SIX_YEARS
        )

    def rows(self) -> tuple[int, int, int, int]:
        return (
            Course.objects.count(),
            Appointment.objects.count(),
            ConversationRecord.objects.count(),
            Admission.objects.count(),
        )


class DryAndRealRunTests(AgedData):
    def test_dry_run_counts_what_would_go_and_changes_nothing(self):
        before = self.rows()
        events = AuditEvent.objects.count()
        outcome = services.apply_retention(dry_run=True)
        self.assertTrue(outcome.dry_run)
        self.assertEqual(outcome.counts["peer_notes"], 3)
        self.assertEqual(outcome.counts["appointments"], 3)
        self.assertEqual(outcome.counts["admissions"], 1)
        self.assertEqual(outcome.counts["courses"], 1)
        self.assertEqual(outcome.counts["persons"], 1)
        self.assertEqual(self.rows(), before)
        self.assertEqual(AuditEvent.objects.count(), events)
        self.assertFalse(RetentionRun.objects.exists())
        self.assertEqual(Person.objects.get(pk=self.old.pk).given_name, "Kirsten")

    def test_real_run_deletes_anonymises_and_writes_one_event_per_type(self):
        dry = services.apply_retention(dry_run=True).counts
        outcome = services.apply_retention()
        self.assertEqual(outcome.counts, dry)
        self.assertFalse(Course.objects.filter(pk=self.old_course.pk).exists())
        self.assertFalse(Appointment.objects.filter(person=self.old).exists())
        old = Person.objects.get(pk=self.old.pk)
        self.assertEqual((old.given_name, old.family_name, old.cpr, old.phone), ("", "", None, ""))
        # The recent course and its person are untouched.
        self.assertTrue(Course.objects.filter(pk=self.alice_course.pk).exists())
        self.assertEqual(Person.objects.get(pk=self.alice.pk).cpr, "0101901234")
        events = AuditEvent.objects.filter(verb="retention.applied")
        self.assertEqual(events.count(), len(RECORD_TYPES))
        by_type = {e.data["record_type"]: e.data["count"] for e in events}
        self.assertEqual(by_type, outcome.counts)
        for e in events:
            self.assertNotIn("Kirsten", str(e.data))
        self.assertEqual(RetentionRun.objects.get().counts, outcome.counts)

    def test_a_second_run_deletes_nothing(self):
        services.apply_retention()
        again = services.apply_retention()
        self.assertEqual(sum(again.counts.values()), 0, again.counts)
        self.assertEqual(RetentionRun.objects.count(), 2)

    def test_the_clock_decides(self):
        Course.objects.filter(pk=self.old_course.pk).update(
            ended_on=TODAY - datetime.timedelta(days=4 * 365)
        )
        self.assertEqual(services.apply_retention(dry_run=True).counts["courses"], 0)
        with time_machine.travel(timezone.now() + datetime.timedelta(days=400)):
            counts = services.apply_retention().counts
        self.assertEqual(counts["courses"], 1)
        self.assertEqual(counts["peer_notes"], 3)

    def test_a_longer_period_for_notes_keeps_the_course_and_its_appointments(self):
        services.set_period(actor=self.admin, record_type="peer_notes", days=7 * 365)
        counts = services.apply_retention().counts
        self.assertEqual((counts["peer_notes"], counts["courses"], counts["persons"]), (0, 0, 0))
        self.assertEqual(counts["admissions"], 1)
        self.assertEqual(ConversationRecord.objects.filter(course=self.old_course).count(), 3)
        self.assertEqual(Appointment.objects.filter(course=self.old_course).count(), 3)

    def test_expired_questionnaire_link_loses_its_token_after_30_days(self):
        from brobygger.outcomes.models import InstrumentVersion

        version = InstrumentVersion.objects.first()  # installed by the outcomes migration
        assert version is not None
        moment = timezone.now()
        fresh, dead = (
            Administration.objects.create(
                course=course,
                version=version,
                timepoint="end",
                due_on=TODAY,
                token_hash=f"{n}" * 64,
                link_expires_at=moment - datetime.timedelta(days=days),
            )
            for n, days, course in ((1, 29, self.alice_course), (2, 40, self.bob_course()))
        )
        self.assertEqual(services.apply_retention().counts["questionnaire_links"], 1)
        fresh.refresh_from_db()
        dead.refresh_from_db()
        self.assertNotEqual(fresh.token_hash, "")
        self.assertEqual(dead.token_hash, "")

    def bob_course(self) -> Course:
        return Course.objects.get(person=self.bob)

    def test_command_prints_per_record_type(self):
        out = StringIO()
        call_command("apply_retention", "--dry-run", stdout=out)
        text = out.getvalue()
        self.assertRegex(text, r"peer_notes\s+3\s+delete")
        self.assertRegex(text, r"persons\s+1\s+anonymise")
        self.assertIn("(dry run)", text)
        self.assertTrue(Course.objects.filter(pk=self.old_course.pk).exists())
        call_command("apply_retention", stdout=StringIO())
        self.assertFalse(Course.objects.filter(pk=self.old_course.pk).exists())


class LegalHoldTests(AgedData):
    def test_a_hold_on_the_course_keeps_all_of_it(self):
        services.place_hold(actor=self.admin, course=self.old_course, reason="Klagesag")
        before = self.rows()
        counts = services.apply_retention().counts
        self.assertEqual(self.rows(), before)
        self.assertEqual(
            [counts[k] for k in ("peer_notes", "appointments", "courses", "persons")], [0] * 4
        )
        self.assertEqual(Person.objects.get(pk=self.old.pk).given_name, "Kirsten")

    def test_a_hold_on_the_person_keeps_their_courses(self):
        services.place_hold(actor=self.admin, person=self.old, reason="Erstatningssag")
        self.assertEqual(services.apply_retention().counts["courses"], 0)
        self.assertTrue(Course.objects.filter(pk=self.old_course.pk).exists())

    def test_a_lifted_hold_lets_it_go(self):
        hold = services.place_hold(actor=self.admin, course=self.old_course, reason="Klagesag")
        services.lift_hold(actor=self.admin, hold=hold, reason="Klagen er afgjort")
        self.assertEqual(services.apply_retention().counts["courses"], 1)
        verbs = list(
            AuditEvent.objects.filter(verb__startswith="retention.hold").values_list(
                "verb", flat=True
            )
        )
        self.assertEqual(sorted(verbs), ["retention.hold_lifted", "retention.hold_placed"])

    def test_hold_needs_a_reason_and_one_target(self):
        with self.assertRaises(ValidationError):
            services.place_hold(actor=self.admin, course=self.old_course, reason="  ")
        with self.assertRaises(ValidationError):
            services.place_hold(
                actor=self.admin, course=self.old_course, person=self.old, reason="x"
            )
        self.assertFalse(LegalHold.objects.exists())


class PolicyTests(AgedData):
    def test_period_outside_the_legal_bounds_is_refused(self):
        t = BY_KEY["peer_notes"]
        for days in (t.min_days - 1, t.max_days + 1):
            with self.assertRaises(ValidationError):
                services.set_period(actor=self.admin, record_type="peer_notes", days=days)
        self.assertFalse(RetentionPolicy.objects.exists())
        services.set_period(actor=self.admin, record_type="peer_notes", days=t.max_days)
        self.assertEqual(services.current_periods()["peer_notes"], t.max_days)
        event = AuditEvent.objects.get(verb="retention.period_changed")
        self.assertEqual(event.data["to_days"], t.max_days)

    def test_only_the_administrator_sees_the_page(self):
        url = reverse("retention:overview")
        for user in (self.coordinator, self.peer, self.evaluator):
            self.login(user)
            self.assertIn(self.client.get(url).status_code, (403, 404))
        self.login(self.admin)
        with count_queries() as queries:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertLessEqual(len(queries), 12)
        self.assertContains(response, str(BY_KEY["peer_notes"].label))

    def test_page_query_count_does_not_grow_with_holds(self):
        self.login(self.admin)
        services.place_hold(actor=self.admin, course=self.old_course, reason="a")
        url = reverse("retention:overview")
        with count_queries() as one:
            self.client.get(url)
        for n in range(5):
            services.place_hold(actor=self.admin, person=self.alice, reason=f"b{n}")
        with count_queries() as many:
            self.client.get(url)
        self.assertEqual(len(one), len(many))

    def test_bad_period_by_http_keeps_the_old_one(self):
        self.login(self.admin)
        response = self.client.post(
            reverse("retention:set_period"), {"record_type": "peer_notes", "days": "3"}
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "730", status_code=422)  # the lower bound, in the message
        for bad in ({"record_type": "nope", "days": "30"}, {"record_type": "x", "days": "x"}):
            self.assertEqual(
                self.client.post(reverse("retention:set_period"), bad).status_code, 422
            )
        self.assertFalse(RetentionPolicy.objects.exists())
        response = self.client.post(
            reverse("retention:set_period"), {"record_type": "applications", "days": "200"}
        )
        self.assertRedirects(response, reverse("retention:overview"))
        self.assertEqual(services.current_periods()["applications"], 200)

    def test_holds_by_http(self):
        self.login(self.admin)
        url = reverse("retention:place_hold")
        missing = self.client.post(url, {"course": "999999", "reason": "Klagesag"})
        self.assertEqual(missing.status_code, 422)
        both = self.client.post(url, {"course": "1", "person": "1", "reason": "Klagesag"})
        self.assertEqual(both.status_code, 422)
        huge = self.client.post(url, {"course": "9" * 40, "reason": "Klagesag"})
        self.assertEqual(huge.status_code, 422)
        self.assertFalse(LegalHold.objects.exists())
        ok = self.client.post(url, {"course": str(self.old_course.pk), "reason": "Klagesag"})
        self.assertRedirects(ok, reverse("retention:overview"))
        hold = LegalHold.objects.get()
        lift = reverse("retention:lift_hold", args=[hold.pk])
        self.assertEqual(self.client.post(lift, {"reason": ""}).status_code, 422)
        self.assertRedirects(
            self.client.post(lift, {"reason": "Afgjort"}), reverse("retention:overview")
        )
        again = self.client.post(lift, {"reason": "Afgjort igen"})
        self.assertEqual(again.status_code, 422)
        hold.refresh_from_db()
        self.assertEqual(hold.lift_reason, "Afgjort")


class AccessLogRetentionTests(CheckpointDirMixin, TestCase):
    # No cast: its rows, written today, would come before the old ones in the chain.
    def test_old_sealed_log_goes_and_verify_audit_stays_green(self):
        with time_machine.travel(timezone.now() - SIX_YEARS, tick=False):
            admin = make_user("admin", Role.ADMINISTRATOR)
            old = log_access(user=admin, action="view", purpose="administration")
            seal(wait=5)
        log_access(user=admin, action="view", purpose="administration")
        seal(wait=5)
        self.assertEqual(verify_all().problems, [])
        dry = services.apply_retention(dry_run=True).counts["access_log"]
        self.assertGreater(dry, 0)
        self.assertTrue(AccessLogEntry.objects.filter(seq=old.seq).exists())
        counts = services.apply_retention(actor=admin).counts
        self.assertEqual(counts["access_log"], dry)
        self.assertFalse(AccessLogEntry.objects.filter(seq=old.seq).exists())
        self.assertEqual(AccessLogEntry.objects.count(), 1)
        seal(wait=5)  # the run's own events
        self.assertEqual(verify_all().problems, [])
        self.assertEqual(services.apply_retention().counts["access_log"], 0)
