"""The demo's year of questionnaire answers (and admissions): realistic, complete, consistent.

One demo is built for the whole class (it takes a while); the admissions made by the
same build are checked here too rather than building it a second time.
"""

from __future__ import annotations

import datetime
import itertools
from collections import defaultdict
from statistics import mean

from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone

from brobygger.admissions.models import Admission, AdmissionImport, AdmissionSource
from brobygger.audit.models import AccessLogEntry, AuditEvent
from brobygger.audit.services import verify_chain
from brobygger.outcomes.models import Administration, AdministrationStatus, AnsweredBy, Score
from brobygger.people.models import Consent, ConsentKind
from brobygger.referrals.models import Course, EndReason
from brobygger.testing import TODAY


def series_start(course: Course) -> datetime.date:
    """When the person's questionnaires began: a course that took over from a peer who left
    carries on its predecessor's (referrals.services.hand_over_course)."""
    start = course.started_on
    while True:
        before = (
            Course.objects.filter(
                person_id=course.person_id, end_reason=EndReason.PEER_LEFT, ended_on=start
            )
            .order_by("started_on")
            .first()
        )
        if before is None or before.started_on >= start:
            return start
        start = before.started_on


class DemoAnswersTests(TestCase):
    due: list[Administration]
    consenting: set[int]

    @classmethod
    def setUpTestData(cls) -> None:
        call_command("load_demo", "--seed", "5", verbosity=0)
        cls.due = list(
            Administration.objects.filter(due_on__lte=TODAY).select_related(
                "course", "score", "version"
            )
        )
        cls.consenting = set(
            Consent.objects.current()
            .filter(kind=ConsentKind.QUESTIONNAIRES)
            .values_list("person_id", flat=True)
        )

    def by_status(self, status: str) -> list[Administration]:
        return [a for a in self.due if a.status == status]

    def test_most_due_questionnaires_of_consenting_people_are_answered(self):
        asked = [a for a in self.due if a.course.person_id in self.consenting]
        answered = [a for a in asked if a.status == AdministrationStatus.COMPLETED]
        self.assertGreater(len(asked), 100)
        share = len(answered) / len(asked)
        self.assertTrue(0.6 <= share <= 0.9, share)
        ways = {a.answered_by for a in answered}
        self.assertEqual(ways, {AnsweredBy.WITH_PEER, AnsweredBy.PERSON_LINK})

    def test_missing_data_of_every_kind(self):
        self.assertTrue(self.by_status(AdministrationStatus.DECLINED))
        self.assertTrue(self.by_status(AdministrationStatus.PARTIAL))
        self.assertTrue(self.by_status(AdministrationStatus.SENT))  # a link, never answered
        overdue = [
            a
            for a in self.by_status(AdministrationStatus.DUE)
            if a.due_on < TODAY - datetime.timedelta(days=30)
        ]
        self.assertTrue(overdue)
        skipped = [
            a for a in self.by_status(AdministrationStatus.COMPLETED) if a.score and a.score.missing
        ]
        self.assertTrue(skipped)
        self.assertTrue(any(a.score and a.score.prorated for a in skipped))
        self.assertTrue(any(a.score and a.score.total is None for a in skipped))

    def test_nobody_without_consent_answered_anything(self):
        touched = [
            a
            for a in self.due
            if a.status not in (AdministrationStatus.DUE, AdministrationStatus.EXPIRED)
            and a.course.person_id not in self.consenting
        ]
        # Consent withdrawn after answering is the only way; the demo withdraws before.
        # Withdrawal stops what was not answered (lifecycle.ending): expired, not answered.
        self.assertEqual(touched, [])

    def test_every_answered_questionnaire_has_a_score_dated_when_it_was_answered(self):
        answered = self.by_status(AdministrationStatus.COMPLETED)
        starts: dict[int, datetime.date] = {}
        for administration in answered:
            score = administration.score
            self.assertIsNotNone(score, administration.pk)
            assert score is not None and administration.completed_at is not None
            answered_on = timezone.localdate(administration.completed_at)
            self.assertEqual(score.administered_on, answered_on)
            self.assertEqual(score.course_id, administration.course_id)
            self.assertGreaterEqual(answered_on, administration.due_on)
            course = administration.course
            if course.pk not in starts:
                starts[course.pk] = series_start(course)
            self.assertGreaterEqual(answered_on, starts[course.pk])
            self.assertLessEqual(answered_on, TODAY)
            if administration.answered_by == AnsweredBy.PERSON_LINK:
                assert administration.link_expires_at is not None
                self.assertGreater(administration.link_expires_at, administration.completed_at)
        # Answers were spread over the year, not stamped on the day the demo was built.
        days = {s.administered_on for s in Score.objects.all()}
        self.assertGreater(len(days), 60)
        self.assertLess(min(days), TODAY - datetime.timedelta(days=300))

    def test_scores_improve_modestly_on_average_and_some_get_worse(self):
        totals: dict[int, dict[str, float]] = defaultdict(dict)
        for a in self.by_status(AdministrationStatus.COMPLETED):
            if a.score and a.score.total is not None:
                totals[a.course_id][a.timepoint] = a.score.total
        changes = [
            later - points["start"]
            for points in totals.values()
            if "start" in points
            for timepoint, later in points.items()
            if timepoint != "start"
        ]
        self.assertGreater(len(changes), 30)
        average = mean(changes)
        # A modest gain on the 1-5 scale, not a miracle.
        self.assertTrue(0.05 < average < 1.0, average)
        self.assertTrue(any(change < 0 for change in changes))

    def test_a_person_whose_peer_left_keeps_one_series_on_the_new_course(self):
        handovers = AuditEvent.objects.filter(verb="course.handed_over")
        self.assertTrue(handovers.exists())
        left = [event.data["from_course"] for event in handovers]
        self.assertEqual(
            set(Course.objects.filter(pk__in=left).values_list("end_reason", flat=True)),
            {EndReason.PEER_LEFT},
        )
        self.assertFalse(Administration.objects.filter(course__in=left).exists())
        self.assertFalse(Score.objects.filter(course__in=left).exists())
        for event in handovers:
            starts = Administration.objects.filter(course_id=event.object_id, timepoint="start")
            self.assertEqual(starts.count(), 1, event.object_id)
        moved = AuditEvent.objects.filter(verb="questionnaire.moved")
        self.assertEqual(moved.count(), handovers.count())
        self.assertTrue(all(set(e.data) == {"from_course", "count", "scores"} for e in moved))
        self.assertTrue(any(e.data["scores"] for e in moved))

    def test_admissions_for_a_realistic_share_with_readmissions(self):
        admissions = list(Admission.objects.select_related("course__person"))
        patient_courses = {a.course_id for a in admissions}
        self.assertGreater(len(patient_courses), 60)
        self.assertEqual(
            {a.source for a in admissions}, {AdmissionSource.IMPORTED, AdmissionSource.ENTERED}
        )
        by_course: dict[int, list[Admission]] = defaultdict(list)
        for a in admissions:
            by_course[a.course_id].append(a)
        gaps = []
        for rows in by_course.values():
            rows.sort(key=lambda a: a.admitted_on)
            for first, second in itertools.pairwise(rows):
                assert first.discharged_on is not None
                gaps.append((second.admitted_on - first.discharged_on).days)
                bed_days = second.bed_days
                if bed_days is not None:
                    self.assertTrue(3 <= bed_days <= 60, bed_days)
        self.assertTrue(any(gap <= 30 for gap in gaps))
        self.assertTrue(any(30 < gap <= 90 for gap in gaps))
        self.assertTrue(all(gap > 0 for gap in gaps))
        [record] = AdmissionImport.objects.all()
        self.assertEqual(record.created, Admission.objects.filter(source="imported").count())
        self.assertEqual(
            AccessLogEntry.objects.filter(object_type="admissions.admissionimport").count(), 1
        )

    def test_the_audit_chains_are_intact(self):
        self.assertEqual(verify_chain(AuditEvent), [])
        self.assertEqual(verify_chain(AccessLogEntry), [])
        self.assertGreater(AuditEvent.objects.filter(verb="questionnaire.completed").count(), 100)
