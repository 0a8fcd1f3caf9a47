"""Activity: conversations by kind and minutes, group attendance, the discharge guide's
topics and the recovery processes (CHIME) noted. One query per block."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from brobygger.conversations.models import (
    Audience,
    Chime,
    ConversationRecord,
    CourseTopic,
    Topic,
    TopicStatus,
)
from brobygger.groups.models import AttendanceStatus, GroupSession
from brobygger.referrals.models import SupportModel
from brobygger.scheduling.models import Appointment, AppointmentStatus, Mode, PlaceKind

from .reach import ALL, Recipients
from .scope import Scope

COVERED = (TopicStatus.DISCUSSED, TopicStatus.DONE)

# The kinds of conversation a report counts: where an in-person meeting took place, or how.
KINDS: list[tuple[str, Any]] = [
    ("ward", _("In person on the ward")),
    ("clinic", _("In person at the clinic")),
    ("elsewhere", _("In person somewhere else")),
    ("phone", _("Phone")),
    ("video", _("Video")),
]


def kind_of(mode: str, place_kind: str) -> str:
    if mode == Mode.PHONE:
        return "phone"
    if mode == Mode.VIDEO:
        return "video"
    if place_kind == PlaceKind.WARD:
        return "ward"
    if place_kind == PlaceKind.CLINIC:
        return "clinic"
    return "elsewhere"


@dataclass
class Conversations:
    # (kind, support model) -> held conversations / minutes
    held: dict[tuple[str, str], int] = field(default_factory=dict)
    minutes: dict[tuple[str, str], int] = field(default_factory=dict)
    no_show: dict[str, int] = field(default_factory=dict)

    def held_total(self, model: str = ALL) -> int:
        return sum(n for (_k, m), n in self.held.items() if model in (ALL, m))

    def minutes_total(self, model: str = ALL) -> int:
        return sum(n for (_k, m), n in self.minutes.items() if model in (ALL, m))

    def by_kind(self) -> list[dict[str, Any]]:
        return [
            {
                "key": key,
                "label": str(label),
                "held": sum(n for (k, _m), n in self.held.items() if k == key),
                "minutes": sum(n for (k, _m), n in self.minutes.items() if k == key),
            }
            for key, label in KINDS
        ]


def _minutes(value: datetime.timedelta | int | None) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime.timedelta):
        return int(value.total_seconds() // 60)
    return int(value)


def conversations(scope: Scope) -> Conversations:
    """Held conversations in the period by kind and support model, with their minutes: the
    minutes the peer noted, or the booked length where no note was written."""
    held = Q(status=AppointmentStatus.HELD)
    rows = (
        Appointment.objects.filter(
            scope.unit_q("course__unit"),
            status__in=[AppointmentStatus.HELD, AppointmentStatus.NO_SHOW],
            starts_at__gte=scope.start,
            starts_at__lt=scope.end,
            course__support_model__in=scope.models,
        )
        .order_by()
        .values_list("course__support_model", "mode", "place_kind")
        .annotate(
            n=Count("pk", filter=held),
            no_show=Count("pk", filter=Q(status=AppointmentStatus.NO_SHOW)),
            noted=Sum("record__minutes", filter=held),
            booked=Sum(
                ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField()),
                filter=held & Q(record__isnull=True),
            ),
        )
    )
    result = Conversations()
    for model, mode, place_kind, n, no_show, noted, booked in rows:
        key = (kind_of(mode, place_kind), model)
        result.held[key] = result.held.get(key, 0) + n
        result.minutes[key] = result.minutes.get(key, 0) + _minutes(noted) + _minutes(booked)
        result.no_show[model] = result.no_show.get(model, 0) + no_show
    return result


@dataclass
class Groups:
    sessions: int
    groups: int
    participants: int
    present: int
    absent: int
    excused: int

    @property
    def recorded(self) -> int:
        return self.present + self.absent + self.excused

    @property
    def rate(self) -> float | None:
        return 100.0 * self.present / self.recorded if self.recorded else None


def groups(scope: Scope) -> Groups | None:
    """Recovery-group sessions held in the period and the attendance recorded at them.

    Only with the group model among the chosen ones: groups are that model's activity.
    """
    if SupportModel.GROUP not in scope.models:
        return None
    now = timezone.now()
    row = GroupSession.objects.filter(
        scope.unit_q("group__unit"),
        cancelled=False,
        starts_at__gte=scope.start,
        starts_at__lt=min(scope.end, now),
    ).aggregate(
        sessions=Count("pk", distinct=True),
        groups=Count("group", distinct=True),
        participants=Count(
            "attendance__person",
            distinct=True,
            filter=Q(attendance__status=AttendanceStatus.PRESENT),
        ),
        present=Count("attendance", filter=Q(attendance__status=AttendanceStatus.PRESENT)),
        absent=Count("attendance", filter=Q(attendance__status=AttendanceStatus.ABSENT)),
        excused=Count("attendance", filter=Q(attendance__status=AttendanceStatus.EXCUSED)),
    )
    return Groups(**{k: v or 0 for k, v in row.items()})


@dataclass
class TopicRow:
    key: str
    title: str
    audience: str
    covered: int
    not_relevant: int
    needs_staff: int
    eligible: int

    @property
    def coverage(self) -> float | None:
        return 100.0 * self.covered / self.eligible if self.eligible else None


@dataclass
class Guide:
    topics: list[TopicRow]
    # support model -> topics covered (discussed or done) over all its courses
    covered_by_model: dict[str, int]


def guide(scope: Scope, recipients: dict[str, Recipients]) -> Guide:
    """How many courses in the period have discussed or done each topic of the discharge
    guide (relatives' topics over relatives' courses), from one grouped query and the
    topic list."""
    topics = list(Topic.objects.filter(active=True).order_by("audience", "order", "pk"))
    rows = (
        CourseTopic.objects.filter(course__in=scope.courses())
        .order_by()
        .values_list("topic_id", "course__support_model")
        .annotate(
            covered=Count("pk", filter=Q(status__in=COVERED)),
            not_relevant=Count("pk", filter=Q(status=TopicStatus.NOT_RELEVANT)),
            needs_staff=Count("pk", filter=Q(status=TopicStatus.NEEDS_STAFF)),
        )
    )
    counts: dict[int, list[int]] = {}
    by_model: dict[str, int] = {m: 0 for m in scope.models}
    for topic_id, model, covered, not_relevant, needs_staff in rows:
        entry = counts.setdefault(topic_id, [0, 0, 0])
        entry[0] += covered
        entry[1] += not_relevant
        entry[2] += needs_staff
        by_model[model] = by_model.get(model, 0) + covered
    everyone = recipients[ALL]
    result = []
    for topic in topics:
        covered, not_relevant, needs_staff = counts.get(topic.pk, [0, 0, 0])
        courses = (
            everyone.relative_courses
            if topic.audience == Audience.RELATIVE
            else everyone.patient_courses
        )
        result.append(
            TopicRow(
                key=topic.key,
                title=topic.title,
                audience=topic.audience,
                covered=covered,
                not_relevant=not_relevant,
                needs_staff=needs_staff,
                eligible=max(courses - not_relevant, 0),
            )
        )
    return Guide(topics=result, covered_by_model=by_model)


@dataclass
class ChimeCounts:
    # (process, support model) -> notes coded with it
    counts: dict[tuple[str, str], int]
    notes: dict[str, int]
    coded: dict[str, int]


def chime(scope: Scope) -> ChimeCounts:
    """Notes of conversations held in the period, and how many were coded with each of the
    five recovery processes (a note may carry several), by support model. Grouped by the
    model in the database: each note is tested once per process, not once per process
    and model."""
    aggregates: dict[str, Any] = {
        "notes": Count("pk"),
        "coded": Count("pk", filter=~Q(chime=[])),
    }
    for process in Chime.values:
        # The list is stored as JSON text: the quoted code matches the element only.
        aggregates[process] = Count("pk", filter=Q(chime__icontains=f'"{process}"'))
    rows = (
        ConversationRecord.objects.filter(
            scope.unit_q("course__unit"),
            appointment__starts_at__gte=scope.start,
            appointment__starts_at__lt=scope.end,
            course__support_model__in=scope.models,
        )
        .order_by()
        .values("course__support_model")
        .annotate(**aggregates)
    )
    by_model: dict[str, dict[str, int]] = {row["course__support_model"]: row for row in rows}
    empty: dict[str, int] = {}
    return ChimeCounts(
        counts={
            (p, m): by_model.get(m, empty).get(p, 0) for p in Chime.values for m in scope.models
        },
        notes={m: by_model.get(m, empty).get("notes", 0) for m in scope.models},
        coded={m: by_model.get(m, empty).get("coded", 0) for m in scope.models},
    )
