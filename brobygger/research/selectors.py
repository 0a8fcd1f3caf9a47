"""Reads for the research export: a fixed number of queries whatever the number of rows.

Only the columns the export needs are read (`values()`), so names, CPR numbers,
addresses, contact details and free text never even leave the database.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from brobygger.admissions.models import Admission
from brobygger.conversations.models import ConversationRecord, CourseTopic, TopicStatus
from brobygger.groups.models import Attendance, AttendanceStatus
from brobygger.outcomes.models import Administration, Instrument
from brobygger.referrals.models import Course
from brobygger.scheduling.models import Appointment, AppointmentStatus, Mode

from .models import ResearchExport

COVERED = (TopicStatus.DISCUSSED, TopicStatus.DONE)


@dataclass
class CourseFacts:
    """One course as the export sees it: codes, dates and counts, nothing else."""

    pk: int
    person_id: int
    person_kind: str
    gender: str
    birth_date: datetime.date | None
    unit_kind: str
    unit_name: str
    support_model: str
    phase: str
    end_reason: str
    started_on: datetime.date
    admitted_on: datetime.date | None
    discharged_on: datetime.date | None
    follow_up_until: datetime.date | None
    ended_on: datetime.date | None
    conversations: int = 0
    phone_conversations: int = 0
    minutes: int = 0
    topics_covered: int = 0
    group_sessions: int = 0
    admissions: int = 0
    bed_days: int = 0


@dataclass
class AdministrationFacts:
    pk: int
    course_id: int
    person_id: int
    instrument: str
    version: int
    timepoint: str
    due_on: datetime.date
    answered_on: datetime.date | None
    status: str
    answered_by: str
    total: float | None
    subscales: dict[str, float | None]
    answered: int
    skipped: int
    prorated: bool
    no_score_reason: str


def export_courses(
    *, started_from: datetime.date, started_to: datetime.date, support_models: Sequence[str]
) -> QuerySet[Course]:
    courses = Course.objects.filter(started_on__gte=started_from, started_on__lte=started_to)
    if support_models:
        courses = courses.filter(support_model__in=list(support_models))
    return courses


def course_facts(courses: QuerySet[Course]) -> list[CourseFacts]:
    """The courses with their counts: six queries in all."""
    rows = courses.order_by().values(
        "pk",
        "person_id",
        "person__kind",
        "person__gender",
        "person__birth_date",
        "unit__kind",
        "unit__name",
        "support_model",
        "phase",
        "end_reason",
        "started_on",
        "admitted_on",
        "discharged_on",
        "follow_up_until",
        "ended_on",
    )
    facts = {
        row["pk"]: CourseFacts(
            pk=row["pk"],
            person_id=row["person_id"],
            person_kind=row["person__kind"],
            gender=row["person__gender"],
            birth_date=row["person__birth_date"],
            unit_kind=row["unit__kind"] or "",
            unit_name=row["unit__name"] or "",
            support_model=row["support_model"],
            phase=row["phase"],
            end_reason=row["end_reason"],
            started_on=row["started_on"],
            admitted_on=row["admitted_on"],
            discharged_on=row["discharged_on"],
            follow_up_until=row["follow_up_until"],
            ended_on=row["ended_on"],
        )
        for row in rows
    }
    if not facts:
        return []
    ids = courses.order_by().values("pk")
    held = (
        Appointment.objects.filter(course__in=ids, status=AppointmentStatus.HELD)
        .order_by()
        .values("course_id")
        .annotate(n=Count("pk"), phone=Count("pk", filter=Q(mode=Mode.PHONE)))
    )
    for row in held:
        facts[row["course_id"]].conversations = row["n"]
        facts[row["course_id"]].phone_conversations = row["phone"]
    minutes = (
        ConversationRecord.objects.filter(course__in=ids)
        .order_by()
        .values("course_id")
        .annotate(minutes=Sum("minutes"))
    )
    for row in minutes:
        facts[row["course_id"]].minutes = row["minutes"] or 0
    topics = (
        CourseTopic.objects.filter(course__in=ids, status__in=COVERED)
        .order_by()
        .values("course_id")
        .annotate(n=Count("pk"))
    )
    for row in topics:
        facts[row["course_id"]].topics_covered = row["n"]
    for course_id, admitted, discharged in (
        Admission.objects.filter(course__in=ids)
        .order_by("admitted_on")
        .values_list("course_id", "admitted_on", "discharged_on")
    ):
        course = facts[course_id]
        course.admissions += 1
        if discharged is not None:
            course.bed_days += (discharged - admitted).days
    _count_group_sessions(facts, ids)
    return list(facts.values())


def _count_group_sessions(facts: dict[int, CourseFacts], ids: QuerySet[Any]) -> None:
    """Group sessions the person was present at while the course ran (start to end)."""
    by_person: dict[int, list[CourseFacts]] = defaultdict(list)
    for course in facts.values():
        by_person[course.person_id].append(course)
    attended = (
        Attendance.objects.filter(
            person__courses__in=ids, status=AttendanceStatus.PRESENT, session__cancelled=False
        )
        .order_by()
        .values_list("person_id", "session__starts_at")
        .distinct()
    )
    for person_id, starts_at in attended:
        day = timezone.localdate(starts_at)
        for course in by_person.get(person_id, []):
            if course.started_on <= day and (course.ended_on is None or day <= course.ended_on):
                course.group_sessions += 1


def administration_facts(
    courses: QuerySet[Course], *, instrument: Instrument | None
) -> list[AdministrationFacts]:
    """The questionnaires of the courses, with scores and counts: one query.

    Item answers are counted, never read: no single answer leaves the database.
    """
    administrations = Administration.objects.filter(course__in=courses.order_by().values("pk"))
    if instrument is not None:
        administrations = administrations.filter(version__instrument=instrument)
    rows = (
        administrations.order_by()
        .annotate(
            answered_items=Count("answers", filter=Q(answers__value__isnull=False)),
            skipped_items=Count("answers", filter=Q(answers__value__isnull=True)),
        )
        .values(
            "pk",
            "course_id",
            "course__person_id",
            "version__instrument__key",
            "version__version",
            "timepoint",
            "due_on",
            "completed_at",
            "status",
            "answered_by",
            "score__total",
            "score__subscales",
            "score__answered",
            "score__missing",
            "score__prorated",
            "score__reason",
            "answered_items",
            "skipped_items",
        )
    )
    return [
        AdministrationFacts(
            pk=row["pk"],
            course_id=row["course_id"],
            person_id=row["course__person_id"],
            instrument=row["version__instrument__key"],
            version=row["version__version"],
            timepoint=row["timepoint"],
            due_on=row["due_on"],
            answered_on=timezone.localdate(row["completed_at"]) if row["completed_at"] else None,
            status=row["status"],
            answered_by=row["answered_by"],
            total=row["score__total"],
            subscales=dict(row["score__subscales"] or {}),
            # The score's own counts once scored; until then what has been saved so far.
            answered=(
                row["score__answered"]
                if row["score__answered"] is not None
                else row["answered_items"]
            ),
            skipped=(
                row["score__missing"] if row["score__missing"] is not None else row["skipped_items"]
            ),
            prorated=bool(row["score__prorated"]),
            no_score_reason=row["score__reason"] or "",
        )
        for row in rows
    ]


def instruments() -> QuerySet[Instrument]:
    return Instrument.objects.order_by("key")


def exports_of(user: Any) -> QuerySet[ResearchExport]:
    return (
        ResearchExport.objects.created_by(user)
        .without_files()
        .select_related("instrument")
        .order_by("-created_at", "-id")
    )
