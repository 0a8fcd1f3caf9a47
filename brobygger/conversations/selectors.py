"""Reads for the discharge guide and the notes."""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from brobygger.people.models import PersonKind
from brobygger.referrals.models import Course

from .models import Audience, ConversationRecord, CourseTopic, GuidePhase, Topic, TopicStatus

# Bridge follow-ups after discharge, days after the discharge date (DOMAIN.md §2).
DEFAULT_BRIDGE_DAYS = (2, 7, 14, 28, 90)


def topics_for(course: Course) -> QuerySet[Topic]:
    audience = Audience.RELATIVE if course.person.kind == PersonKind.RELATIVE else Audience.PATIENT
    return Topic.objects.filter(audience=audience, active=True).order_by("order", "pk")


def guide(course: Course) -> list[dict[str, Any]]:
    """The topics by phase, each with the course's status and follow-up."""
    entries = {e.topic_id: e for e in CourseTopic.objects.filter(course=course)}
    phases: dict[str, dict[str, Any]] = {}
    for topic in topics_for(course):
        phase = phases.setdefault(
            topic.phase, {"phase": GuidePhase(topic.phase).label, "key": topic.phase, "rows": []}
        )
        entry = entries.get(topic.pk)
        phase["rows"].append(
            {
                "topic": topic,
                "status": entry.status if entry else TopicStatus.NOT_DISCUSSED,
                "status_label": (
                    entry.get_status_display() if entry else TopicStatus.NOT_DISCUSSED.label
                ),
                "follow_up": entry.follow_up if entry else "",
                "first_covered_on": entry.first_covered_on if entry else None,
            }
        )
    return list(phases.values())


def guide_progress(course: Course) -> dict[str, int]:
    counts = Counter(CourseTopic.objects.filter(course=course).values_list("status", flat=True))
    total = topics_for(course).count()
    covered = counts[TopicStatus.DISCUSSED] + counts[TopicStatus.DONE]
    return {"total": total, "covered": covered, "needs_staff": counts[TopicStatus.NEEDS_STAFF]}


def records(course: Course) -> QuerySet[ConversationRecord]:
    return (
        ConversationRecord.objects.filter(course=course)
        .select_related("appointment", "written_by")
        .prefetch_related(Prefetch("topics", queryset=Topic.objects.order_by("order")))
        .order_by("-appointment__starts_at")
    )


def bridge_proposals(course: Course) -> list[dict[str, Any]]:
    """For each follow-up day after discharge: the peer's first free time that day or after."""
    from brobygger.scheduling.selectors import free_slots

    if course.discharged_on is None:
        return []
    days = getattr(settings, "BRIDGE_FOLLOWUP_DAYS", DEFAULT_BRIDGE_DAYS)
    today = timezone.localdate()
    proposals = []
    taken: set[datetime.datetime] = set()
    for offset in days:
        target = course.discharged_on + datetime.timedelta(days=offset)
        if target < today:
            continue
        slots = [
            s
            for s in free_slots(
                course.peer, course.person, start=target, days=7, minutes=30, limit=5
            )
            if s not in taken
        ]
        proposals.append({"offset": offset, "target": target, "slot": slots[0] if slots else None})
        if slots:
            taken.add(slots[0])
    return proposals


def export_person(person: Any) -> dict[str, list[dict[str, Any]]]:
    """The person's peer notes with every earlier wording, and the discharge-guide
    checklist of their courses (GDPR art. 15)."""
    from brobygger.lib.export import rows

    from .models import RecordVersion

    return {
        "conversations.ConversationRecord": rows(
            ConversationRecord.objects.filter(course__person=person)
            .select_related("appointment", "course", "written_by")
            .prefetch_related("topics")
            .order_by("appointment__starts_at", "pk")
        ),
        "conversations.RecordVersion": rows(
            RecordVersion.objects.filter(record__course__person=person)
            .select_related("record", "written_by")
            .order_by("record", "version")
        ),
        "conversations.CourseTopic": rows(
            CourseTopic.objects.filter(course__person=person).select_related("course", "topic")
        ),
    }
