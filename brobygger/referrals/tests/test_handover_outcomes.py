"""A handover is a change of peer, not of support: questionnaires and the guide go on."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from django.forms import ChoiceField
from django.urls import reverse

from brobygger.audit.models import AuditEvent
from brobygger.conversations.models import CourseTopic, Topic, TopicStatus
from brobygger.conversations.services import carry_over_guide, set_topic
from brobygger.lifecycle import services as lifecycle
from brobygger.matching import services as matching_services
from brobygger.outcomes.models import Administration, AdministrationStatus, AnsweredBy, Score
from brobygger.outcomes.schedule import NOT_AN_END, planned
from brobygger.outcomes.services import (
    decline,
    issue_link,
    move_series,
    save_answers,
    sync_schedule,
)
from brobygger.outcomes.tests.helpers import give_questionnaire_consent
from brobygger.people.models import PeerKind, PersonKind
from brobygger.referrals.models import Course, EndReason, SupportModel
from brobygger.reports.effects import outcomes
from brobygger.reports.scope import Scope
from brobygger.testing import TODAY, BaseTestCase, make_course, make_peer, make_person

ANSWERS = {"lyttet": 4, "genkendelse": 4, "tryghed": 4, "haab": 4, "naeste-skridt": 4, "alene": 2}


def timepoints(course: Course) -> list[str]:
    return sorted(Administration.objects.filter(course=course).values_list("timepoint", flat=True))


class HandoverOutcomesTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        give_questionnaire_consent(cls.alice)

    def hand_over(self, course: Course | None = None, peer=None) -> Course:
        return matching_services.hand_over_course(
            actor=self.coordinator,
            course=course or self.alice_course,
            peer=peer or self.other_peer,
            handed_over_on=TODAY,
        )

    def start(self, course: Course | None = None) -> Administration:
        return Administration.objects.get(course=course or self.alice_course, timepoint="start")

    def answer(self, administration: Administration, **overrides: int) -> Administration:
        return save_answers(
            administration=administration,
            answers={**ANSWERS, **overrides},
            final=True,
            answered_by=AnsweredBy.WITH_PEER,
            actor=self.peer.user,
        )

    def test_the_answered_start_moves_with_its_score_and_is_not_asked_again(self):
        start = self.answer(self.start())
        score = start.score
        assert score is not None
        successor = self.hand_over()
        self.assertEqual(timepoints(self.alice_course), [])
        self.assertFalse(Score.objects.filter(course=self.alice_course).exists())
        moved = Administration.objects.get(course=successor, timepoint="start")
        self.assertEqual(moved.pk, start.pk)
        self.assertEqual(moved.status, AdministrationStatus.COMPLETED)
        self.assertEqual(moved.score_id, score.pk)
        self.assertEqual(moved.answers.count(), len(ANSWERS))
        self.assertEqual(Score.objects.get(pk=score.pk).course_id, successor.pk)
        self.assertEqual(timepoints(successor), ["start"])
        # The start was planned once, when the first course started; never for the successor.
        planned_events = AuditEvent.objects.filter(
            verb="questionnaire.planned", person_id=self.alice.pk
        )
        self.assertEqual(planned_events.count(), 1)
        event = AuditEvent.objects.get(verb="questionnaire.moved")
        self.assertEqual((event.object_id, event.person_id), (successor.pk, self.alice.pk))
        self.assertEqual(event.data, {"from_course": self.alice_course.pk, "count": 1, "scores": 1})

    def test_open_and_declined_move_too_and_only_what_is_missing_is_planned(self):
        discharged = TODAY - datetime.timedelta(days=3)
        lifecycle.update_course(
            actor=self.coordinator, course=self.alice_course, discharged_on=discharged
        )
        self.answer(self.start())
        decline(
            administration=Administration.objects.get(
                course=self.alice_course, timepoint="discharge"
            ),
            actor=self.peer.user,
        )
        # As if the follow-up had never been planned (an instrument installed late, say).
        Administration.objects.filter(course=self.alice_course, timepoint="after_3_months").delete()
        successor = self.hand_over()
        self.assertEqual(timepoints(self.alice_course), [])
        rows = {a.timepoint: a for a in Administration.objects.filter(course=successor)}
        self.assertEqual(set(rows), {"start", "discharge", "after_3_months"})
        self.assertEqual(rows["start"].status, AdministrationStatus.COMPLETED)
        self.assertEqual(rows["discharge"].status, AdministrationStatus.DECLINED)
        self.assertEqual(rows["after_3_months"].status, AdministrationStatus.DUE)
        self.assertEqual(rows["after_3_months"].due_on, discharged + datetime.timedelta(days=90))
        self.assertEqual(
            Administration.objects.filter(course__person=self.alice).count(), len(rows)
        )
        event = AuditEvent.objects.get(verb="questionnaire.moved")
        self.assertEqual(event.data, {"from_course": self.alice_course.pk, "count": 2, "scores": 1})
        planned_anew = AuditEvent.objects.filter(
            verb="questionnaire.planned", object_id=rows["after_3_months"].pk
        )
        self.assertEqual(planned_anew.count(), 1)
        # Synced again, the old course plans nothing: its series went on in the successor.
        self.alice_course.refresh_from_db()
        self.assertEqual(sync_schedule(actor=None, course=self.alice_course), [])

    def test_a_link_sent_before_the_handover_still_works(self):
        start = self.start()
        token = issue_link(actor=self.peer.user, administration=start)
        successor = self.hand_over()
        data = {f"item-{key}": str(value) for key, value in ANSWERS.items()}
        response = self.client.post(
            reverse("outcomes:answer", args=[token]), {**data, "action": "send"}
        )
        self.assertEqual(response.status_code, 200)
        start.refresh_from_db()
        self.assertEqual((start.course_id, start.status), (successor.pk, "completed"))
        assert start.score is not None
        self.assertEqual(start.score.course_id, successor.pk)
        # The new peer now has it on their course's questionnaire page; the old one does not.
        self.login(self.other_peer)
        page = self.client.get(reverse("outcomes:course", args=[successor.pk]))
        self.assertEqual(page.status_code, 200)
        self.login(self.peer)
        self.assertEqual(
            self.client.get(reverse("outcomes:course", args=[successor.pk])).status_code, 404
        )

    def test_a_relative_course_handed_over_plans_no_end(self):
        relative = make_person("Rikke", kind=PersonKind.RELATIVE, unit=self.unit)
        give_questionnaire_consent(relative)
        course = make_course(relative, self.relative_peer)
        self.assertEqual(course.support_model, SupportModel.RELATIVE)
        new_peer = make_peer("relpeer2", kind=PeerKind.RELATIVE_PEER, units=(self.unit,))
        successor = self.hand_over(course, new_peer)
        course.refresh_from_db()
        self.assertEqual((course.ended_on, course.end_reason), (TODAY, EndReason.PEER_LEFT))
        self.assertEqual(timepoints(course), [])
        self.assertEqual(timepoints(successor), ["start"])
        # When the support itself ends, the person is asked at the end, once.
        lifecycle.end_course(
            actor=self.coordinator, course=successor, ended_on=TODAY, reason=EndReason.COMPLETED
        )
        self.assertEqual(timepoints(successor), ["end", "start"])
        self.assertEqual(
            Administration.objects.filter(course__person=relative, timepoint="end").count(), 1
        )

    def test_the_schedule_has_no_end_when_the_peer_left(self):
        self.assertEqual(NOT_AN_END, {EndReason.PEER_LEFT})
        day, later = datetime.date(2026, 3, 1), datetime.date(2026, 6, 1)
        course = SimpleNamespace(
            support_model="group", started_on=day, discharged_on=None, ended_on=later
        )
        self.assertEqual(planned(course), [("start", day), ("end", later)])
        course.end_reason = EndReason.PEER_LEFT
        self.assertEqual(planned(course), [])
        course.end_reason = EndReason.PERSON_ENDED
        self.assertEqual(planned(course), [("start", day), ("end", later)])

    def test_the_guide_goes_on_with_the_new_peer_and_stays_on_the_old_course(self):
        crisis = Topic.objects.get(key="kriseplan")
        medicine = Topic.objects.get(key="medicin")
        set_topic(
            actor=self.peer.user,
            course=self.alice_course,
            topic=crisis,
            status=TopicStatus.DONE,
            follow_up="Dele planen med søsteren",
        )
        set_topic(
            actor=self.peer.user,
            course=self.alice_course,
            topic=medicine,
            status=TopicStatus.NEEDS_STAFF,
        )
        before = {
            e.topic_id: (e.status, e.follow_up, e.first_covered_on)
            for e in CourseTopic.objects.filter(course=self.alice_course)
        }
        successor = self.hand_over()
        after = {
            e.topic_id: (e.status, e.follow_up, e.first_covered_on)
            for e in CourseTopic.objects.filter(course=successor)
        }
        self.assertEqual(after, before)
        self.assertEqual(after[crisis.pk], ("done", "Dele planen med søsteren", TODAY))
        self.assertEqual(CourseTopic.objects.filter(course=self.alice_course).count(), 2)
        event = AuditEvent.objects.get(verb="guide.carried_over")
        self.assertEqual((event.object_id, event.person_id), (successor.pk, self.alice.pk))
        self.assertEqual(event.data, {"from_course": self.alice_course.pk, "count": 2})
        self.login(self.other_peer)
        page = self.client.get(reverse("conversations:guide", args=[successor.pk]))
        self.assertContains(page, "Dele planen med søsteren")

    def test_what_the_target_already_has_stays_as_the_target_has_it(self):
        crisis = Topic.objects.get(key="kriseplan")
        set_topic(actor=None, course=self.alice_course, topic=crisis, status=TopicStatus.DISCUSSED)
        lifecycle.end_course(
            actor=None, course=self.alice_course, ended_on=TODAY, reason=EndReason.OTHER
        )
        target = lifecycle.start_course(
            actor=None, person=self.alice, peer=self.other_peer, started_on=TODAY
        )
        set_topic(actor=None, course=target, topic=crisis, status=TopicStatus.NOT_RELEVANT)
        self.assertEqual(carry_over_guide(actor=None, source=self.alice_course, target=target), 0)
        self.assertEqual(
            CourseTopic.objects.get(course=target, topic=crisis).status, TopicStatus.NOT_RELEVANT
        )
        # The target planned its own start: the source's stays where it is, score and all.
        self.answer(self.start())
        self.assertEqual(move_series(actor=None, source=self.alice_course, target=target), 0)
        self.assertEqual(timepoints(self.alice_course), ["start"])
        self.assertEqual(Score.objects.filter(course=self.alice_course).count(), 1)
        self.assertFalse(AuditEvent.objects.filter(verb="questionnaire.moved").exists())
        bob_course = Course.objects.get(person=self.bob)
        with self.assertRaises(ValueError):
            move_series(actor=None, source=self.alice_course, target=bob_course)
        with self.assertRaises(ValueError):
            carry_over_guide(actor=None, source=self.alice_course, target=bob_course)

    def test_the_change_from_start_to_follow_up_is_paired_across_the_handover(self):
        started = self.alice_course.started_on
        self.answer(self.start(), lyttet=2)
        Score.objects.update(administered_on=started)
        lifecycle.update_course(
            actor=self.coordinator,
            course=self.alice_course,
            discharged_on=TODAY - datetime.timedelta(days=5),
        )
        successor = self.hand_over()
        self.answer(Administration.objects.get(course=successor, timepoint="discharge"), lyttet=5)
        scope = Scope(
            date_from=started,
            date_to=TODAY,
            today=TODAY,
            models=(SupportModel.INDIVIDUAL,),
            unit_ids=None,
            include_no_unit=True,
            unit_label="",
        )
        result = outcomes(scope)
        assert result is not None
        individual = result.by_model[SupportModel.INDIVIDUAL]
        # Alice counts once, on the successor (Bob has answered nothing).
        self.assertEqual((individual.with_baseline, individual.change.n), (1, 1))
        assert individual.mean_first is not None and individual.mean_latest is not None
        self.assertGreater(individual.mean_latest, individual.mean_first)


class HandoverAdmissionTests(BaseTestCase):
    def test_admissions_move_so_readmissions_stay_within_one_course(self):
        from brobygger.admissions.models import Admission
        from brobygger.admissions.services import add_admission

        first = add_admission(
            actor=self.coordinator,
            course=self.alice_course,
            admitted_on=TODAY - datetime.timedelta(days=40),
            discharged_on=TODAY - datetime.timedelta(days=30),
        )
        successor = matching_services.hand_over_course(
            actor=self.coordinator,
            course=self.alice_course,
            peer=self.other_peer,
            handed_over_on=TODAY,
        )
        first.refresh_from_db()
        self.assertEqual(first.course_id, successor.pk)
        self.assertFalse(Admission.objects.filter(course=self.alice_course).exists())
        event = AuditEvent.objects.get(verb="admission.moved")
        self.assertEqual(event.data, {"from_course": self.alice_course.pk, "count": 1})
        self.assertEqual(event.object_id, successor.pk)


class EndCourseFormTests(BaseTestCase):
    def test_the_peer_left_is_not_a_reason_to_choose_by_hand(self):
        from brobygger.referrals.forms import EndCourseForm

        form = EndCourseForm({"ended_on": TODAY.isoformat(), "reason": EndReason.PEER_LEFT})
        self.assertFalse(form.is_valid())
        self.assertIn("reason", form.errors)
        reason = form.fields["reason"]
        assert isinstance(reason, ChoiceField)
        self.assertNotIn(EndReason.PEER_LEFT, [key for key, _label in reason.choices])  # type: ignore[union-attr,misc]
        self.assertTrue(
            EndCourseForm({"ended_on": TODAY.isoformat(), "reason": EndReason.OTHER}).is_valid()
        )
