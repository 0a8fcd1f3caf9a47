"""The invariants of issue 17, checked after every step of random sequences of the
services: book, enrol in a group, withdraw (and give) consent, close a course, merge
persons, hand a course over, record a death, a move or a restriction (and lift it), hold
a conversation, answer a questionnaire, take attendance. docs/integrity.md lists them.

A Hypothesis rule-based state machine. Each example runs inside a savepoint of the test's
transaction and is rolled back at its end, so the examples start from the same world on
SQLite and PostgreSQL alike; the clock is the suite's frozen one.
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from brobygger.conversations import services as conversation_services
from brobygger.conversations.models import ConversationRecord
from brobygger.groups import services as group_services
from brobygger.groups.models import (
    Attendance,
    AttendanceStatus,
    Enrolment,
    EnrolmentStatus,
    GroupSession,
    RecoveryGroup,
)
from brobygger.lifecycle import ending
from brobygger.lifecycle import services as lifecycle
from brobygger.matching import services as matching_services
from brobygger.outcomes.models import Administration, AdministrationStatus, Answer, AnsweredBy
from brobygger.outcomes.services import save_answers
from brobygger.people import services as people_services
from brobygger.people.models import (
    Consent,
    ConsentKind,
    ConsentSource,
    PeerWorker,
    Person,
    ProcessingStop,
    StopKind,
)
from brobygger.referrals.models import Course, EndReason
from brobygger.scheduling import services as scheduling_services
from brobygger.scheduling.models import Appointment, AppointmentStatus, Mode
from brobygger.scheduling.reminders import due_appointments
from brobygger.testing import TODAY, BaseTestCase, make_course, make_person

EXAMPLES = 25
STEPS = 15

who = st.integers(min_value=0, max_value=3)
peer_no = st.integers(min_value=0, max_value=2)


def _overlaps(spans: list[tuple[datetime.datetime, datetime.datetime, str]]) -> list[str]:
    spans = sorted(spans)
    return [
        f"{a[2]} overlaps {b[2]}"
        for a, b in itertools.pairwise(spans)
        if b[0] < a[1]  # half-open ranges: back to back is fine
    ]


class Lifecycle(RuleBasedStateMachine):
    """The world (persons, peers, courses, a group) comes from the test class."""

    case: ClassVar[Any]

    def __init__(self) -> None:
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        case = self.case
        self.actor = case.coordinator
        self.peers: list[PeerWorker] = [case.peer, case.other_peer, case.third_peer]
        self.person_ids: list[int] = [p.pk for p in case.patients]
        self.group: RecoveryGroup = case.group
        self.high: dict[str, int] = {}

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # -- helpers ---------------------------------------------------------------------------

    def person(self, n: int) -> Person | None:
        alive = list(Person.objects.filter(pk__in=self.person_ids).order_by("pk"))
        return alive[n % len(alive)] if alive else None

    def course(self, n: int) -> Course | None:
        person = self.person(n)
        if person is None:
            return None
        return Course.objects.filter(person=person, ended_on__isnull=True).order_by("pk").first()

    def attempt(self, action: Any, **kwargs: Any) -> Any:
        """A refusal (ValidationError) is an answer, not a failure; it must change nothing."""
        try:
            with transaction.atomic():
                return action(actor=self.actor, **kwargs)
        except ValidationError:
            return None

    def moment(self, hours: int) -> datetime.datetime:
        return (timezone.now() + datetime.timedelta(hours=hours)).replace(
            minute=0, second=0, microsecond=0
        )

    # -- rules -----------------------------------------------------------------------------

    @initialize(hours=st.integers(min_value=1, max_value=24 * 6))
    def something_ahead_for_everyone(self, hours: int) -> None:
        """Each sequence starts with a conversation booked on every active course and a
        group place, so every ending has something to end."""
        for n in range(len(self.person_ids)):
            self.book(n, hours + 3 * n, 60)
            self.enrol(n)

    @rule(
        n=who,
        hours=st.integers(min_value=1, max_value=24 * 21),
        minutes=st.sampled_from([45, 60, 120]),
    )
    def book(self, n: int, hours: int, minutes: int) -> None:
        course = self.course(n)
        if course is not None:
            self.attempt(
                scheduling_services.book,
                course=course,
                starts_at=self.moment(hours),
                minutes=minutes,
                mode=Mode.PHONE,
                allow_over_contract=True,
            )

    @rule(n=who, hours=st.integers(min_value=2, max_value=24 * 8))
    def hold_a_past_conversation(self, n: int, hours: int) -> None:
        course = self.course(n)
        if course is None:
            return
        appointment = self.attempt(
            scheduling_services.record_past,
            course=course,
            starts_at=self.moment(-hours),
            minutes=45,
            mode=Mode.IN_PERSON,
        )
        if appointment is not None:
            self.attempt(
                conversation_services.record_conversation,
                appointment=appointment,
                minutes=45,
                topics=[],
                chime=[],
            )

    @rule(n=who)
    def enrol(self, n: int) -> None:
        person = self.person(n)
        if person is not None:
            self.attempt(group_services.enrol, group=self.group, person=person)

    @rule(n=who)
    def take_attendance(self, n: int) -> None:
        person = self.person(n)
        session = GroupSession.objects.filter(group=self.group, starts_at__lt=timezone.now())
        first = session.active().order_by("starts_at").first()
        if person is not None and first is not None:
            enrolled = Enrolment.objects.filter(
                group=self.group, person=person, status=EnrolmentStatus.ENROLLED
            ).exists()
            if enrolled:
                self.attempt(
                    group_services.record_attendance,
                    session=first,
                    statuses={person.pk: AttendanceStatus.PRESENT},
                )

    @rule(n=who, kind=st.sampled_from([ConsentKind.CONTACT, ConsentKind.QUESTIONNAIRES]))
    def withdraw_consent(self, n: int, kind: str) -> None:
        person = self.person(n)
        consent = Consent.objects.current().filter(person=person, kind=kind).first()
        if consent is not None:
            self.attempt(lifecycle.withdraw_consent, consent=consent)

    @rule(n=who, kind=st.sampled_from([ConsentKind.CONTACT, ConsentKind.QUESTIONNAIRES]))
    def give_consent(self, n: int, kind: str) -> None:
        person = self.person(n)
        if person is not None:
            self.attempt(
                people_services.record_consent,
                person=person,
                kind=kind,
                source=ConsentSource.VERBAL,
            )

    @rule(n=who, p=peer_no)
    def start_course(self, n: int, p: int) -> None:
        person = self.person(n)
        if person is not None:
            self.attempt(
                lifecycle.start_course, person=person, peer=self.peers[p], started_on=TODAY
            )

    @rule(
        n=who,
        days=st.integers(min_value=0, max_value=10),
        reason=st.sampled_from([EndReason.COMPLETED, EndReason.PERSON_ENDED, EndReason.OTHER]),
    )
    def close_course(self, n: int, days: int, reason: str) -> None:
        course = self.course(n)
        if course is not None:
            self.attempt(
                lifecycle.end_course,
                course=course,
                ended_on=TODAY + datetime.timedelta(days=days),
                reason=reason,
            )

    @rule(n=who, p=peer_no)
    def hand_over(self, n: int, p: int) -> None:
        course = self.course(n)
        if course is not None:
            self.attempt(
                matching_services.hand_over_course,
                course=course,
                peer=self.peers[p],
                handed_over_on=TODAY,
            )

    @rule(keep=who, other=who)
    def merge(self, keep: int, other: int) -> None:
        a, b = self.person(keep), self.person(other)
        if a is not None and b is not None and a.pk != b.pk:
            self.attempt(lifecycle.merge_persons, keep=a, duplicate=b)

    @rule(n=who, kind=st.sampled_from(StopKind.values))
    def stop(self, n: int, kind: str) -> None:
        person = self.person(n)
        if person is not None:
            self.attempt(lifecycle.record_stop, person=person, kind=kind, on=TODAY, reason="x")

    @rule(n=who)
    def lift(self, n: int) -> None:
        person = self.person(n)
        stop = ProcessingStop.objects.current().filter(person=person).exclude(kind="died").first()
        if stop is not None:
            self.attempt(lifecycle.lift_stop, stop=stop, reason="y")

    @rule(n=who, final=st.booleans())
    def answer(self, n: int, final: bool) -> None:
        person = self.person(n)
        administration = (
            Administration.objects.open()
            .filter(course__person=person)
            .select_related("version")
            .order_by("pk")
            .first()
        )
        if administration is not None:
            first_item = administration.version.items[0]["key"]
            self.attempt(
                save_answers,
                administration=administration,
                answers={first_item: 2},
                final=final,
                answered_by=AnsweredBy.WITH_PEER,
            )

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def no_overlaps(self) -> None:
        problems: list[str] = []
        appointments = list(
            Appointment.objects.active().values_list(
                "person_id", "peer_id", "starts_at", "ends_at", "pk"
            )
        )
        sessions = list(
            GroupSession.objects.active()
            .filter(group=self.group)
            .values_list("starts_at", "ends_at", "pk")
        )
        enrolled = set(
            Enrolment.objects.filter(group=self.group, status=EnrolmentStatus.ENROLLED).values_list(
                "person_id", flat=True
            )
        )
        facilitators = set(self.group.facilitators.values_list("pk", flat=True))
        now = timezone.now()
        for person_id in {a[0] for a in appointments} | enrolled:
            spans = [(a[2], a[3], f"appointment {a[4]}") for a in appointments if a[0] == person_id]
            if person_id in enrolled:
                spans += [(s[0], s[1], f"session {s[2]}") for s in sessions if s[1] > now]
            problems += [f"person {person_id}: {p}" for p in _overlaps(spans)]
        for peer_id in {a[1] for a in appointments} | facilitators:
            spans = [(a[2], a[3], f"appointment {a[4]}") for a in appointments if a[1] == peer_id]
            if peer_id in facilitators:
                spans += [(s[0], s[1], f"session {s[2]}") for s in sessions]
            problems += [f"peer {peer_id}: {p}" for p in _overlaps(spans)]
        assert not problems, problems

    @invariant()
    def nothing_ahead_of_an_ended_course(self) -> None:
        now = timezone.now()
        for course in Course.objects.filter(ended_on__isnull=False):
            assert course.ended_on is not None
            cutoff = now if course.ended_on <= TODAY else ending._after(course.ended_on)
            booked = Appointment.objects.filter(
                course=course, status=AppointmentStatus.BOOKED, starts_at__gte=cutoff
            )
            assert not booked.exists(), f"course {course.pk} ended, still booked: {list(booked)}"
            still = Administration.objects.open().filter(course=course)
            if course.end_reason in ending.ALL_QUESTIONNAIRES_STOP:
                assert not still.exists(), f"course {course.pk}: questionnaires go on"
            elif course.end_reason != EndReason.PEER_LEFT:
                late = [a for a in still if a.due_on > course.ended_on]
                allowed = {"end", "after_3_months"}
                assert all(a.timepoint in allowed for a in late), f"course {course.pk}: {late}"

    @staticmethod
    def withdrew(person: Person, kind: str) -> bool:
        consents = Consent.objects.filter(person=person, kind=kind)
        return (
            consents.filter(withdrawn_at__isnull=False).exists()
            and not consents.filter(withdrawn_at__isnull=True).exists()
        )

    @invariant()
    def nothing_ahead_without_consent_or_after_a_stop(self) -> None:
        now = timezone.now()
        for person in Person.objects.filter(pk__in=self.person_ids):
            # Withdrawn (and not given again); a consent never given is the setup's affair.
            contact = not people_services.withdrew_consent(person, ConsentKind.CONTACT)
            withdrew_questionnaires = people_services.withdrew_consent(
                person, ConsentKind.QUESTIONNAIRES
            )
            stop = people_services.current_stop(person)
            booked = Appointment.objects.filter(
                person=person, status=AppointmentStatus.BOOKED, starts_at__gt=now
            ).exists()
            places = Enrolment.objects.filter(
                person=person, status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING]
            ).exists()
            open_q = Administration.objects.open().filter(course__person=person)
            label = f"person {person.pk} (contact={contact}, stop={stop and stop.kind})"
            if not contact or stop is not None:
                assert not booked, f"{label}: a future conversation is booked"
                assert not places, f"{label}: holds a group place"
                reminders = [a.person_id for a in due_appointments(now)]
                assert person.pk not in reminders, f"{label}: a reminder is due"
            if (
                not contact
                or withdrew_questionnaires
                or (stop and stop.kind != StopKind.RESTRICTED)
            ):
                assert not open_q.exists(), f"{label}: a questionnaire is pending"
            if stop is not None and stop.kind == StopKind.RESTRICTED:
                assert not open_q.exclude(status=AdministrationStatus.DUE).exists(), (
                    f"{label}: a questionnaire link is live"
                )
            if stop is not None and stop.kind != StopKind.RESTRICTED:
                assert not Course.objects.filter(person=person, ended_on__isnull=True).exists()

    @invariant()
    def no_health_record_lost(self) -> None:
        counts = {
            "appointments": Appointment.objects.count(),
            "conversation records": ConversationRecord.objects.count(),
            "attendance": Attendance.objects.count(),
            "questionnaire answers": Answer.objects.count(),
            # A partly answered one may be stopped (its answers stay); a completed one stays.
            "completed questionnaires": Administration.objects.filter(
                status=AdministrationStatus.COMPLETED
            ).count(),
        }
        for name, count in counts.items():
            assert count >= self.high.get(name, 0), f"{name} dropped: {count}"
            self.high[name] = count


class IntegrityTests(BaseTestCase):
    patients: list[Person]
    third_peer: PeerWorker
    group: RecoveryGroup

    @classmethod
    def setUpTestData(cls) -> None:
        from brobygger.outcomes.tests.helpers import give_questionnaire_consent
        from brobygger.testing import make_peer

        super().setUpTestData()
        cls.third_peer = make_peer("thirdpeer", units=(cls.unit,))
        dave = make_person("Dave", unit=cls.unit)
        erik = make_person("Erik", unit=cls.unit)
        make_course(dave, cls.other_peer)
        cls.patients = [cls.alice, dave, erik, cls.bob]
        for person in cls.patients:
            give_questionnaire_consent(person)
        cls.group = group_services.create_group(
            actor=cls.coordinator,
            title="Recovery-gruppen",
            place="Mødelokale 2",
            capacity=2,
            facilitators=[cls.third_peer],
            unit=cls.unit,
        )
        group_services.add_weekly_sessions(
            actor=cls.coordinator,
            group=cls.group,
            first_day=TODAY - datetime.timedelta(days=7),
            start_time=datetime.time(13, 0),
            minutes=120,
            weeks=4,
            allow_past=True,
        )

    def test_the_invariants_hold_after_every_step(self) -> None:
        Lifecycle.case = self
        run_state_machine_as_test(
            Lifecycle,
            settings=settings(
                max_examples=EXAMPLES,
                stateful_step_count=STEPS,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
