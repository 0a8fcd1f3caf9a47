"""Reads for the discharge guide and the notes."""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from brobygger.accounts import policy
from brobygger.people.models import Consent, ConsentKind, PersonKind, RelativeLink, SharedItem
from brobygger.referrals.models import Course, Phase
from brobygger.referrals.relatives import current_plan
from brobygger.scheduling.models import Appointment, AppointmentStatus

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


# The course page (referrals:course_detail, conversations/views.py).


def course_page(course: Course, *, user: Any) -> dict[str, Any]:
    """What a course page shows (referrals:course_detail): its conversations and the
    discharge guide with the course. Relatives only where the patient consented to sharing."""

    consents = list(
        Consent.objects.filter(person_id=course.person_id)
        .select_related("recipient")
        .order_by("-given_at")
    )
    # The same rule as the person page: the patient's consent to share names the relative
    # (accounts/policy.py). A withdrawn consent no longer names them, except to the
    # coordinator, who records consents.
    shown_recipients = {
        c.recipient_id
        for c in consents
        if c.recipient_id is not None and (c.withdrawn_at is None or policy.is_coordinator(user))
    }
    links = RelativeLink.objects.visible_to(user)
    relatives = list(links.filter(patient_id=course.person_id).select_related("relative"))
    shared_patients: list[dict[str, Any]] = []
    plan = None
    if course.person.kind == "relative":
        plan = current_plan(course)
        shared_patients = _shared_with_relative(course, links)
    # Whether each conversation has its note, in the same query: the page's last 20 only.
    appointments = list(
        Appointment.objects.filter(course=course)
        .only("id", "starts_at", "mode", "status")
        .annotate(noted=Exists(ConversationRecord.objects.filter(appointment=OuterRef("pk"))))
        .order_by("-starts_at")[:20]
    )
    noted = {a.pk for a in appointments if getattr(a, "noted", False)}
    return {
        "consents": consents,
        "shown_recipients": shown_recipients,
        "relatives": relatives,
        "appointments": appointments,
        "noted": noted,
        "progress": guide_progress(course),
        "now": timezone.now(),
        "shared_patients": shared_patients,
        "relative_plan": plan,
        "phase_choices": Phase.choices,
    }


def _shared_with_relative(course: Course, links: Any) -> list[dict[str, Any]]:
    """What each patient let this relative's peer know. A patient's information reaches
    the relative's peer only with the patient's current consent naming this relative, and
    only the items it names (Sundhedsloven §§ 40, 43): a withdrawal hides them at once."""
    granted = {
        c.person_id: c
        for c in Consent.objects.current().filter(
            kind=ConsentKind.SHARE_WITH_RELATIVES, recipient=course.person
        )
    }
    shared = []
    for link in links.filter(relative=course.person, patient_id__in=granted).select_related(
        "patient"
    ):
        consent = granted[link.patient_id]
        items = set(consent.shared_items)
        patient_course = (
            Course.objects.filter(person_id=link.patient_id, ended_on__isnull=True)
            .order_by("-started_on", "id")
            .first()
        )
        entry: dict[str, Any] = {
            "patient": link.patient,
            "relationship": link.get_relationship_display(),
            "scope": consent.scope,
            "items": items,
            "phase": "",
            "appointments": [],
            "progress": None,
        }
        if patient_course is not None and SharedItem.PHASE in items:
            entry["phase"] = patient_course.get_phase_display()
        if patient_course is not None and SharedItem.APPOINTMENTS in items:
            entry["appointments"] = list(
                Appointment.objects.filter(
                    course=patient_course,
                    status=AppointmentStatus.BOOKED,
                    starts_at__gte=timezone.now(),
                ).order_by("starts_at")[:5]
            )
        if patient_course is not None and SharedItem.GUIDE in items:
            entry["progress"] = guide_progress(patient_course)
        shared.append(entry)
    return shared
