"""What the workforce services write for the demo's education and supervision, in bulk.

`create_education_record`, `create_group`, `add_session` and `record_attendance` one
call at a time took five minutes at scale 100 on PostgreSQL (a dozen round trips per
session). `DemoWriter` makes the same rows and the same audit events in the same order
(the education status kept on the peer's profile included), checks what the services
check that generated data could get wrong, and writes them in a few statements. A
group is saved at once (its sessions need it); everything else waits for `write`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from brobygger.agenda.models import Busy, Kind, Source, peer_party
from brobygger.audit.services import append_many, new_event
from brobygger.lib.rows import insert_rows, update_rows
from brobygger.people.models import EducationStatus, PeerWorker

from . import services
from .models import (
    MAX_SESSION_MINUTES,
    MIN_SESSION_MINUTES,
    AttendanceStatus,
    EducationRecord,
    EducationRecordStatus,
    SupervisionAttendance,
    SupervisionGroup,
    SupervisionSession,
)


def _derived(statuses: set[str]) -> str | None:
    """`services.derived_education_status` for a peer's record statuses."""
    if not statuses:
        return None
    if EducationRecordStatus.COMPLETED in statuses:
        return EducationStatus.COMPLETED
    if statuses & {EducationRecordStatus.PLANNED, EducationRecordStatus.ONGOING}:
        return EducationStatus.PLANNED
    return EducationStatus.NONE


class DemoWriter:
    def __init__(self, actor: Any) -> None:
        self.actor = actor
        # new_event's arguments in the services' order: rows get their ids in `write`.
        self.events: list[dict[str, Any]] = []
        self.records: list[EducationRecord] = []
        self.sessions: list[SupervisionSession] = []
        self.attendances: list[SupervisionAttendance] = []
        # The one agenda: each session's members, and what the writer has them busy with.
        self.busy: list[tuple[SupervisionSession, list[int]]] = []
        self.taken: dict[int, list[tuple[datetime.datetime, datetime.datetime]]] = defaultdict(list)
        self.profiles: dict[int, PeerWorker] = {}
        self.hours_days: dict[int, set[datetime.date]] = defaultdict(set)
        self.statuses: dict[int, set[str]] = defaultdict(set)
        for peer_id, status in EducationRecord.objects.values_list("peer_id", "status"):
            self.statuses[peer_id].add(status)

    def education(self, *, peer: PeerWorker, today: datetime.date, **fields: Any) -> None:
        """`services.create_education_record`."""
        unknown = set(fields) - set(services.EDUCATION_FIELDS)
        if unknown:
            raise TypeError(f"Unknown education fields: {sorted(unknown)}")
        services._check_record(fields, today=today)
        record = EducationRecord(peer=peer, **fields)
        record.full_clean(exclude=["peer"], validate_unique=False, validate_constraints=False)
        self.hours_days[peer.pk].update(services._education_days(record))
        self.records.append(record)
        self.events.append(
            {
                "verb": "education.created",
                "obj": record,
                "data": {"peer_id": peer.pk, "status": record.status},
            }
        )
        # services._sync_education_status, through people's update_peer_worker.
        self.statuses[peer.pk].add(record.status)
        status = _derived(self.statuses[peer.pk])
        if status is not None and status != peer.education_status:
            peer.education_status = status
            self.profiles[peer.pk] = peer
            self.events.append(
                {"verb": "peer.changed", "obj": peer, "data": {"fields": ["education_status"]}}
            )

    def group(self, *, members: Iterable[PeerWorker], **fields: Any) -> SupervisionGroup:
        """`services.create_group`; saved at once."""
        unknown = set(fields) - set(services.GROUP_FIELDS)
        if unknown:
            raise TypeError(f"Unknown group fields: {sorted(unknown)}")
        services._check_group(fields)
        group = SupervisionGroup(**fields)
        group.full_clean()
        group.save()
        chosen = list(members)
        group.members.set(chosen)
        self.events.append(
            {
                "verb": "supervision.group_created",
                "obj": group,
                "data": {"provider_kind": group.provider_kind, "members": len(set(chosen))},
            }
        )
        return group

    def session(
        self,
        *,
        group: SupervisionGroup,
        names: set[str],
        starts: list[datetime.datetime],
        minutes: int,
        place: str,
        themes: str,
        members: list[int],
    ) -> SupervisionSession | None:
        """`services.add_session` (unconfirmed) for a group whose `themes_names` are `names`,
        at the first of `starts` when no member is busy (the one agenda, as the service
        refuses), or None when every start clashes."""
        if group.closed_at is not None or any(timezone.is_naive(s) for s in starts):
            raise ValueError("A session of an open group, at an aware moment.")
        starts_at = self._free_start(starts, minutes, members)
        if starts_at is None:
            return None
        themes = themes.strip()
        if not MIN_SESSION_MINUTES <= minutes <= MAX_SESSION_MINUTES or len(themes) > 2000:
            raise ValueError("The session's length or themes are out of bounds.")
        warnings = services.named_warnings(names, themes)
        if warnings:
            raise ValidationError({"themes": warnings})
        session = SupervisionSession(
            group=group, starts_at=starts_at, minutes=minutes, place=place.strip(), themes=themes
        )
        session.full_clean(validate_unique=False, validate_constraints=False)
        self.sessions.append(session)
        self.busy.append((session, members))
        for peer_id in members:
            self.taken[peer_id].append((session.starts_at, session.ends_at))
        self.events.append(
            {
                "verb": "supervision.session_added",
                "obj": session,
                "data": {"group_id": group.pk, "confirmed_warning": False},
            }
        )
        return session

    def _free_start(
        self, starts: list[datetime.datetime], minutes: int, members: list[int]
    ) -> datetime.datetime | None:
        parties = [peer_party(pk) for pk in members]
        for start in starts:
            end = start + datetime.timedelta(minutes=minutes)
            if any(s < end and e > start for pk in members for s, e in self.taken[pk]):
                continue
            if not Busy.objects.filter(
                party__in=parties, starts_at__lt=end, ends_at__gt=start
            ).exists():
                return start
        return None

    def attendance(
        self, *, session: SupervisionSession, members: set[int], statuses: Mapping[int, str]
    ) -> None:
        """`services.record_attendance` for a new session of a group with these `members`."""
        if session.starts_at > timezone.now():
            raise ValidationError("Attendance can be recorded once the session has begun.")
        if set(statuses) - members or set(statuses.values()) - set(AttendanceStatus.values):
            raise ValidationError("Only members of the group, present, absent or sent word.")
        day = timezone.localdate(session.starts_at)
        for peer_id, status in statuses.items():
            self.attendances.append(
                SupervisionAttendance(session=session, peer_id=peer_id, status=status)
            )
            self.hours_days[peer_id].add(day)
        if statuses:
            self.events.append(
                {
                    "verb": "supervision.attendance",
                    "obj": session,
                    "data": {str(pk): s for pk, s in sorted(statuses.items())},
                }
            )

    def write(self) -> None:
        from brobygger.timesheets.services import ensure_months_open

        ensure_months_open(self.hours_days)  # an approved month is locked
        insert_rows(self.records)
        update_rows(list(self.profiles.values()), ["education_status"])
        insert_rows(self.sessions)
        insert_rows(
            [
                Busy(
                    party=peer_party(peer_id),
                    starts_at=session.starts_at,
                    ends_at=session.ends_at,
                    kind=Kind.SUPERVISION,
                    source=Source.SUPERVISION_SESSION,
                    source_id=session.pk,
                    label=session.group.name[:150],
                )
                for session, members in self.busy
                for peer_id in members
            ]
        )
        insert_rows(self.attendances)
        append_many([new_event(actor=self.actor, **event) for event in self.events])
