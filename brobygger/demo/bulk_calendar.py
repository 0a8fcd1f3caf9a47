"""Bulk writers for the demo's calendar and notes (see bulk.py for the idea): past
conversations, bookings and cancellations checked for clashes in memory, and the notes
and discharge-guide topics of held conversations."""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from brobygger.agenda.models import Busy, Kind, Source, peer_party, person_party
from brobygger.audit.services import append_many, new_event
from brobygger.conversations.models import (
    NOTE_FIELDS,
    Chime,
    ConversationRecord,
    CourseTopic,
    Topic,
    TopicStatus,
)
from brobygger.lib.rows import insert_rows, update_rows
from brobygger.people.models import (
    Consent,
    ConsentKind,
)
from brobygger.referrals.models import (
    Course,
)
from brobygger.scheduling.models import Appointment, AppointmentStatus
from brobygger.scheduling.services import MAX_MINUTES, MIN_MINUTES


class Calendar:
    """`scheduling.services.record_past`, `book` and `cancel` for a calendar built before
    any group session, job interview or timesheet exists (so nothing but another
    conversation of the same peer or person can clash): the checks in memory, then the
    appointments and their audit events in a few INSERTs (`save`)."""

    def __init__(self) -> None:
        from brobygger.groups.models import GroupSession
        from brobygger.recruitment.models import Interview
        from brobygger.timesheets.models import Timesheet

        if GroupSession.objects.exists() or Interview.objects.exists():
            raise RuntimeError("Build the calendar before groups and interviews.")
        if Timesheet.objects.exists():
            raise RuntimeError("Build the calendar before the timesheets.")
        self.now = timezone.now()
        self.contact = set(
            Consent.objects.current()
            .filter(kind=ConsentKind.CONTACT)
            .values_list("person_id", flat=True)
        )
        self.busy: dict[tuple[str, int, int], list[Appointment]] = {}
        for appointment in Appointment.objects.active():
            self._take(appointment)
        self.made: list[tuple[Appointment, Any, str, dict[str, Any]]] = []

    def _keys(self, appointment: Appointment) -> tuple[tuple[str, int, int], ...]:
        # By the day it starts: a conversation lasts under a day, so an overlapping one
        # starts the day before, the same day or the day after.
        day = appointment.starts_at.toordinal()
        return (("peer", appointment.peer_id, day), ("person", appointment.person_id, day))

    def _take(self, appointment: Appointment) -> None:
        for key in self._keys(appointment):
            self.busy.setdefault(key, []).append(appointment)

    def free_at(self, course: Course, starts_at: datetime.datetime, minutes: int) -> bool:
        """Whether the course's peer and person are both free then: `_free` without
        making an Appointment (the demo tries many times before one fits)."""
        probe = SimpleNamespace(
            peer_id=course.peer_id,
            person_id=course.person_id,
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(minutes=minutes),
        )
        return self._free(probe)  # type: ignore[arg-type]

    def _free(self, appointment: Appointment) -> bool:
        """`_guarded_save`'s check: no active conversation of the peer or person overlaps
        (half-open ranges)."""
        for who, pk, day in self._keys(appointment):
            for near in (day - 1, day, day + 1):
                for other in self.busy.get((who, pk, near), ()):
                    if (
                        other.status != AppointmentStatus.CANCELLED
                        and other.starts_at < appointment.ends_at
                        and other.ends_at > appointment.starts_at
                    ):
                        return False
        return True

    def _new(
        self, course: Course, starts_at: datetime.datetime, minutes: int, **fields: Any
    ) -> Appointment:
        return Appointment(
            course=course,
            peer=course.peer,
            person=course.person,
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(minutes=minutes),
            **fields,
        )

    def record_past(
        self,
        *,
        actor: Any,
        course: Course,
        starts_at: datetime.datetime,
        minutes: int,
        mode: str,
        status: str,
        place_kind: str = "",
    ) -> Appointment | None:
        """None where the service would refuse (the demo skips that time)."""
        if (
            status not in (AppointmentStatus.HELD, AppointmentStatus.NO_SHOW)
            or not MIN_MINUTES <= minutes <= MAX_MINUTES
            or starts_at > self.now
            or timezone.localdate(starts_at) < course.started_on
        ):
            return None
        appointment = self._new(
            course, starts_at, minutes, mode=mode, place_kind=place_kind, status=status
        )
        if not self._free(appointment):
            return None
        self._take(appointment)
        data = {"minutes": minutes, "status": status}
        self.made.append((appointment, actor, "appointment.recorded", data))
        return appointment

    def book(
        self,
        *,
        actor: Any,
        course: Course,
        starts_at: datetime.datetime,
        minutes: int,
        mode: str,
        place_kind: str = "",
    ) -> Appointment | None:
        """`book` with "book anyway" ticked (no contract check); None where it refuses."""
        if (
            course.ended_on is not None
            or course.person_id not in self.contact
            or not MIN_MINUTES <= minutes <= MAX_MINUTES
            or starts_at < self.now - datetime.timedelta(minutes=5)
        ):
            return None
        appointment = self._new(course, starts_at, minutes, mode=mode, place_kind=place_kind)
        try:
            # The one constraint (ends after it starts) holds by the minutes checked above;
            # validating it would cost a query and two savepoints per conversation.
            appointment.full_clean(
                exclude=["course", "peer", "person"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError:
            return None
        if not self._free(appointment):
            return None
        self._take(appointment)
        self.made.append(
            (appointment, actor, "appointment.booked", {"minutes": minutes, "mode": mode})
        )
        return appointment

    def cancel(self, *, actor: Any, appointment: Appointment, by: str, reason: str) -> None:
        if appointment.status != AppointmentStatus.BOOKED or not reason.strip():
            raise ValueError("Only a booked conversation, with a reason, can be cancelled.")
        appointment.status = AppointmentStatus.CANCELLED
        appointment.cancelled_by = by
        appointment.cancel_reason = reason.strip()[:300]
        appointment.sequence += 1
        self.made.append((appointment, actor, "appointment.cancelled", {"by": by}))

    def save(self) -> None:
        """The appointments (as they stand after any cancellation) and their events."""
        appointments = list({id(a): a for a, _actor, _verb, _data in self.made}.values())
        insert_rows(appointments)
        # The one agenda (agenda.services): what `_guarded_save` writes, in bulk. `_free`
        # kept the conversations apart, so no two rows overlap for a peer or a person.
        insert_rows(
            [
                Busy(
                    party=party,
                    starts_at=a.starts_at,
                    ends_at=a.ends_at,
                    kind=Kind.CONVERSATION,
                    source=Source.APPOINTMENT,
                    source_id=a.pk,
                )
                for a in appointments
                if a.status != AppointmentStatus.CANCELLED
                for party in (peer_party(a.peer_id), person_party(a.person_id))
            ]
        )
        append_many(
            [
                new_event(actor=actor, verb=verb, obj=a, person_id=a.person_id, data=data)
                for a, actor, verb, data in self.made
            ]
        )


class Notes:
    """`conversations.services.record_conversation` for held conversations and
    `set_topic`, before any timesheet exists: the records, their topics, the course's
    discharge-guide entries and the audit events in a few INSERTs (`save`)."""

    def __init__(self) -> None:
        from brobygger.timesheets.models import Timesheet

        if Timesheet.objects.exists():
            raise RuntimeError("Write the demo's notes before the timesheets.")
        self.keeps_notes = set(
            Consent.objects.current()
            .filter(kind=ConsentKind.STORE_NOTES)
            .values_list("person_id", flat=True)
        )
        self.guide = {(e.course_id, e.topic_id): e for e in CourseTopic.objects.all()}
        self.records: list[tuple[ConversationRecord, list[Topic]]] = []
        self.events: list[tuple[models.Model, Any, str, int, dict[str, Any]]] = []

    def record_conversation(
        self,
        *,
        actor: Any,
        appointment: Appointment,
        minutes: int,
        topics: list[Topic],
        chime: list[str],
        **note: str,
    ) -> ConversationRecord:
        course = appointment.course
        if appointment.status != AppointmentStatus.HELD:
            raise ValueError("The demo writes notes of held conversations only.")
        if set(note) - set(NOTE_FIELDS) or set(chime) - set(Chime.values):
            raise TypeError("Unknown note fields or recovery processes.")
        if any(text.strip() for text in note.values()) and (
            course.person_id not in self.keeps_notes
        ):
            raise ValueError("The person has not agreed that notes are kept.")
        record = ConversationRecord(
            appointment=appointment,
            course=course,
            minutes=minutes,
            chime=sorted(set(chime)),
            written_by=actor,
            **note,
        )
        record.full_clean(
            exclude=["appointment", "course", "written_by"],
            validate_unique=False,
            validate_constraints=False,
        )
        self.records.append((record, topics))
        day = timezone.localtime(appointment.starts_at).date()
        for topic in topics:  # _cover_topics
            entry = self._entry(course, topic)
            if entry.status == TopicStatus.NOT_DISCUSSED:
                entry.status = TopicStatus.DISCUSSED
            if entry.first_covered_on is None or entry.first_covered_on > day:
                entry.first_covered_on = day
        data = {"minutes": minutes, "topics": len(topics)}
        self.events.append((record, actor, "conversation.recorded", course.person_id, data))
        return record

    def _entry(self, course: Course, topic: Topic) -> CourseTopic:
        key = (course.pk, topic.pk)
        if key not in self.guide:
            self.guide[key] = CourseTopic(course=course, topic=topic)
        return self.guide[key]

    def set_topic(
        self, *, actor: Any, course: Course, topic: Topic, status: str, follow_up: str = ""
    ) -> None:
        if status not in TopicStatus.values:
            raise ValueError(f"Unknown topic status {status!r}")
        entry = self._entry(course, topic)
        if entry.status == status and entry.follow_up == follow_up.strip():
            return
        entry.status = status
        entry.follow_up = follow_up.strip()[:300]
        if status in (TopicStatus.DISCUSSED, TopicStatus.DONE) and not entry.first_covered_on:
            entry.first_covered_on = timezone.localdate()
        data = {"topic": topic.key, "status": status}
        self.events.append((entry, actor, "guide.topic", course.person_id, data))

    def save(self) -> None:
        records = [record for record, _topics in self.records]
        insert_rows(records)
        through = ConversationRecord.topics.through
        through.objects.bulk_create(
            [
                through(conversationrecord=record, topic=topic)
                for record, topics in self.records
                for topic in topics
            ],
            batch_size=2000,
        )
        entries = list(self.guide.values())
        old = [e for e in entries if e.pk is not None]  # before the new ones get their ids
        insert_rows([e for e in entries if e.pk is None])
        if old:
            update_rows(old, ["status", "follow_up", "first_covered_on"])
        append_many(
            [
                new_event(actor=actor, verb=verb, obj=obj, person_id=person_id, data=data)
                for obj, actor, verb, person_id, data in self.events
            ]
        )
