"""Writing conversation notes, walking the discharge guide, bridge follow-ups."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brobygger.audit.services import record_event
from brobygger.lib.instances import kept_on_failure
from brobygger.lib.when import format_when
from brobygger.people import services as people_services
from brobygger.people.models import ConsentKind
from brobygger.people.signals import announce_day_change
from brobygger.referrals.models import Course
from brobygger.scheduling import services as scheduling
from brobygger.scheduling.models import Appointment, AppointmentStatus

from .models import (
    NOTE_FIELDS,
    Chime,
    ConversationRecord,
    CourseTopic,
    RecordVersion,
    Topic,
    TopicStatus,
)


def _check_note(course: Course, note: dict[str, str], chime: list[str]) -> None:
    unknown = set(note) - set(NOTE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown note fields: {sorted(unknown)}")
    if set(chime) - set(Chime.values):
        raise ValidationError({"chime": _("Unknown recovery process.")})
    written = any(text.strip() for text in note.values())
    if written and not people_services.has_current_consent(course.person, ConsentKind.STORE_NOTES):
        raise ValidationError(
            _(
                "The person has not agreed that notes are kept. Record the time and topics "
                "only, or record the consent first."
            ),
            code="no_note_consent",
        )


def _cover_topics(*, course: Course, topics: list[Topic], day: datetime.date) -> None:
    for topic in topics:
        entry, _created = CourseTopic.objects.get_or_create(course=course, topic=topic)
        changed = []
        if entry.status == TopicStatus.NOT_DISCUSSED:
            entry.status = TopicStatus.DISCUSSED
            changed.append("status")
        if entry.first_covered_on is None or entry.first_covered_on > day:
            entry.first_covered_on = day
            changed.append("first_covered_on")
        if changed:
            entry.save(update_fields=[*changed, "updated_at"])


def _check_month_open(appointment: Appointment) -> None:
    """A held conversation counts in the peer's timesheet with the note's minutes (else the
    booked length), on the local day it starts; an approved month is locked (the
    timesheets app words the refusal, people/signals.py)."""
    day = timezone.localtime(appointment.starts_at).date()
    announce_day_change(peer_id=appointment.peer_id, day=day)


def record_conversation(
    *,
    actor: Any,
    appointment: Appointment,
    minutes: int,
    topics: list[Topic],
    chime: list[str],
    **note: str,
) -> ConversationRecord:
    """The note of a conversation that took place; a booked one is marked held."""
    course = appointment.course
    if appointment.status in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW):
        raise ValidationError(_("The conversation did not take place."), code="status")
    if hasattr(appointment, "record"):
        raise ValidationError(_("This conversation already has a note."), code="exists")
    _check_note(course, note, chime)
    with transaction.atomic():
        # A booked one becomes held: `mark` checks the month. A held one changes from its
        # booked length to the note's minutes.
        if appointment.status == AppointmentStatus.HELD and minutes != appointment.minutes:
            _check_month_open(appointment)
        if appointment.status == AppointmentStatus.BOOKED:
            scheduling.mark(actor=actor, appointment=appointment, status=AppointmentStatus.HELD)
        record = ConversationRecord(
            appointment=appointment,
            course=course,
            minutes=minutes,
            chime=sorted(set(chime)),
            written_by=actor,
            **note,
        )
        record.full_clean(exclude=["appointment", "course", "written_by"])
        record.save()
        record.topics.set(topics)
        _cover_topics(
            course=course, topics=topics, day=timezone.localtime(appointment.starts_at).date()
        )
        record_event(
            actor=actor,
            verb="conversation.recorded",
            obj=record,
            person_id=course.person_id,
            data={"minutes": minutes, "topics": len(topics)},
        )
    return record


def update_record(
    *,
    actor: Any,
    record: ConversationRecord,
    minutes: int,
    topics: list[Topic],
    chime: list[str],
    **note: str,
) -> ConversationRecord:
    """Change a note; the earlier wording is kept as a version."""
    _check_note(record.course, note, chime)
    with kept_on_failure(record), transaction.atomic():
        appointment = record.appointment
        if appointment.status == AppointmentStatus.HELD and minutes != record.minutes:
            _check_month_open(appointment)
        RecordVersion.objects.create(
            record=record,
            version=record.version,
            data=record.note_data(),
            written_by=record.written_by,
            written_at=record.updated_at,
        )
        for name, value in note.items():
            setattr(record, name, value)
        record.minutes = minutes
        record.chime = sorted(set(chime))
        record.version += 1
        record.written_by = actor
        record.full_clean(exclude=["appointment", "course", "written_by"])
        record.save()
        record.topics.set(topics)
        _cover_topics(
            course=record.course,
            topics=topics,
            day=timezone.localtime(record.appointment.starts_at).date(),
        )
        record_event(
            actor=actor,
            verb="conversation.changed",
            obj=record,
            person_id=record.course.person_id,
            data={"version": record.version},
        )
    return record


def set_topic(
    *, actor: Any, course: Course, topic: Topic, status: str, follow_up: str = ""
) -> CourseTopic:
    if status not in TopicStatus.values:
        raise ValidationError({"status": _("Choose a status.")})
    with transaction.atomic():
        entry, _created = CourseTopic.objects.select_for_update().get_or_create(
            course=course, topic=topic
        )
        if entry.status == status and entry.follow_up == follow_up.strip():
            return entry
        entry.status = status
        entry.follow_up = follow_up.strip()[:300]
        if status in (TopicStatus.DISCUSSED, TopicStatus.DONE) and not entry.first_covered_on:
            entry.first_covered_on = timezone.localdate()
        entry.save()
        record_event(
            actor=actor,
            verb="guide.topic",
            obj=entry,
            person_id=course.person_id,
            data={"topic": topic.key, "status": status},
        )
    return entry


def book_followups(
    *, actor: Any, course: Course, moments: list[datetime.datetime], minutes: int = 30
) -> tuple[int, list[str]]:
    """Book the bridge follow-up calls after discharge; each through the booking guard."""
    booked, problems = 0, []
    for moment in moments:
        try:
            scheduling.book(
                actor=actor,
                course=course,
                starts_at=moment,
                minutes=minutes,
                mode="phone",
                allow_over_contract=False,
            )
        except ValidationError as error:
            when = format_when(moment, "short_day_month_time")
            problems.append(f"{when}: {' '.join(error.messages)}")
        else:
            booked += 1
    return booked, problems


def save_topic(*, actor: Any, topic: Topic) -> Topic:
    with transaction.atomic():
        topic.full_clean()
        topic.save()
        record_event(actor=actor, verb="guide.topic_saved", obj=topic, data={"key": topic.key})
    return topic


def carry_over_guide(*, actor: Any, source: Course, target: Course) -> int:
    """The discharge guide goes on where it stood when the person goes on with a new peer
    in `target` (matching.services.hand_over_course); returns how many topics were copied.

    Each topic's status, first date and what the person wants followed up is copied, so
    the new peer does not start over. The source keeps its rows as they were (history); a
    topic the target already has is left as the target has it.
    """
    if source.person_id != target.person_id:
        raise ValueError("The guide carries over only between courses of the same person.")
    with transaction.atomic():
        present = set(CourseTopic.objects.filter(course=target).values_list("topic_id", flat=True))
        copies = [
            CourseTopic(
                course=target,
                topic_id=entry.topic_id,
                status=entry.status,
                follow_up=entry.follow_up,
                first_covered_on=entry.first_covered_on,
            )
            for entry in CourseTopic.objects.filter(course=source).order_by("pk")
            if entry.topic_id not in present
        ]
        CourseTopic.objects.bulk_create(copies)
        if copies:
            record_event(
                actor=actor,
                verb="guide.carried_over",
                obj=target,
                person_id=target.person_id,
                data={"from_course": source.pk, "count": len(copies)},
            )
    return len(copies)
