"""Every change to peer education and supervision. Keyword-only, with an actor, audited."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brobygger.agenda import services as agenda
from brobygger.agenda.models import Kind, Source, peer_party
from brobygger.audit.services import record_event
from brobygger.groups import notes
from brobygger.people import services as people_services
from brobygger.people.models import EducationStatus, PeerWorker, Person
from brobygger.people.signals import announce_hours_change
from brobygger.scheduling.services import check_availability, check_availability_at

from .models import (
    MAX_SESSION_MINUTES,
    MAX_TARGET_DAYS,
    MIN_SESSION_MINUTES,
    MIN_TARGET_DAYS,
    AttendanceStatus,
    EducationRecord,
    EducationRecordStatus,
    SupervisionAttendance,
    SupervisionGroup,
    SupervisionSession,
)

THEMES_WARNING = "themes_details"
EDUCATION_FIELDS = (
    "provider",
    "title",
    "starts_on",
    "ends_on",
    "status",
    "hours",
    "cost",
    "paid_by_employer",
    "note",
)
GROUP_FIELDS = (
    "name",
    "provider_kind",
    "provider_name",
    "supervisor_name",
    "unit",
    "target_days",
)
MAX_HOURS = Decimal(2000)
MAX_COST = Decimal(1_000_000)


def _field_error(field: str, message: str, code: str) -> ValidationError:
    """An error on one form field that keeps its code."""
    return ValidationError({field: ValidationError(message, code=code)})


def _check_months_open(peer_id: int, days: Iterable[datetime.date]) -> None:
    """Supervision attended and education count in the peer's timesheet, and an approved
    month is locked (issue 17 item 4); the timesheets app, above this one, words the
    refusal (people/signals.py)."""
    for year, month in sorted({(day.year, day.month) for day in days}):
        announce_hours_change([(peer_id, year, month)])


def _education_days(record: EducationRecord) -> list[datetime.date]:
    """The days on which the course counts in the peer's timesheet (none if it takes no
    working time: planned, dropped or without hours)."""
    from .selectors import spread_minutes

    taking_time = (EducationRecordStatus.ONGOING, EducationRecordStatus.COMPLETED)
    if record.status not in taking_time or not record.hours:
        return []
    return [day for day, minutes in spread_minutes(record).items() if minutes]


# -- peer education -------------------------------------------------------------------


def derived_education_status(peer: PeerWorker) -> str | None:
    """The peer's education status as the records tell it; None when there are none.

    Completed if any course is completed; planned if one is planned or under way;
    none if every course was dropped. With no records at all the status set on the
    peer's profile stands (education taken before the register was kept).
    """
    statuses = set(EducationRecord.objects.filter(peer=peer).values_list("status", flat=True))
    if not statuses:
        return None
    if EducationRecordStatus.COMPLETED in statuses:
        return EducationStatus.COMPLETED
    if statuses & {EducationRecordStatus.PLANNED, EducationRecordStatus.ONGOING}:
        return EducationStatus.PLANNED
    return EducationStatus.NONE


def _sync_education_status(*, actor: Any, peer: PeerWorker) -> None:
    """Keep PeerWorker.education_status in step with the records, through people's
    own service (which writes the audit event for the profile)."""
    status = derived_education_status(peer)
    if status is not None and status != peer.education_status:
        people_services.update_peer_worker(actor=actor, peer=peer, education_status=status)


def _check_record(fields: Mapping[str, Any], *, today: datetime.date) -> None:
    errors: dict[str, ValidationError] = {}
    starts, ends, status = fields["starts_on"], fields["ends_on"], fields["status"]
    if status not in EducationRecordStatus.values:
        errors["status"] = ValidationError(_("Choose a status."), code="status")
    if ends < starts:
        errors["ends_on"] = ValidationError(
            _("The course must end on or after the day it starts."), code="dates"
        )
    elif status == EducationRecordStatus.COMPLETED and starts > today:
        errors["status"] = ValidationError(
            _("A course that has not started yet cannot be completed."), code="not_started"
        )
    elif status == EducationRecordStatus.ONGOING and starts > today:
        errors["status"] = ValidationError(
            _("The course starts in the future: mark it as planned."), code="not_started"
        )
    hours, cost = Decimal(fields.get("hours") or 0), Decimal(fields.get("cost") or 0)
    if not Decimal(0) <= hours <= MAX_HOURS:
        errors["hours"] = ValidationError(
            _("Give the hours as a number from 0 to %(max)s.") % {"max": MAX_HOURS}, code="hours"
        )
    if not Decimal(0) <= cost <= MAX_COST:
        errors["cost"] = ValidationError(
            _("Give the cost in kroner, from 0 to %(max)s.") % {"max": f"{MAX_COST:,.0f}"},
            code="cost",
        )
    if errors:
        raise ValidationError(errors)


def create_education_record(
    *, actor: Any, peer: PeerWorker, today: datetime.date | None = None, **fields: Any
) -> EducationRecord:
    unknown = set(fields) - set(EDUCATION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown education fields: {sorted(unknown)}")
    _check_record(fields, today=today or timezone.localdate())
    with transaction.atomic():
        record = EducationRecord(peer=peer, **fields)
        record.full_clean(exclude=["peer"])
        _check_months_open(peer.pk, _education_days(record))
        record.save()
        record_event(
            actor=actor,
            verb="education.created",
            obj=record,
            data={"peer_id": peer.pk, "status": record.status},
        )
        _sync_education_status(actor=actor, peer=peer)
    return record


def update_education_record(
    *, actor: Any, record: EducationRecord, today: datetime.date | None = None, **changes: Any
) -> EducationRecord:
    unknown = set(changes) - set(EDUCATION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown education fields: {sorted(unknown)}")
    merged = {name: getattr(record, name) for name in EDUCATION_FIELDS} | changes
    _check_record(merged, today=today or timezone.localdate())
    with transaction.atomic():
        changed = [name for name, value in changes.items() if getattr(record, name) != value]
        if not changed:
            return record
        before = _education_days(record)
        after = _education_days(EducationRecord(**merged))
        if before != after or (after and "hours" in changed):
            _check_months_open(record.peer_id, [*before, *after])
        for name in changed:
            setattr(record, name, changes[name])
        record.full_clean(exclude=["peer"])
        record.save(update_fields=[*changed, "updated_at"])
        record_event(
            actor=actor,
            verb="education.changed",
            obj=record,
            data={"peer_id": record.peer_id, "fields": sorted(changed), "status": record.status},
        )
        _sync_education_status(actor=actor, peer=record.peer)
    return record


def delete_education_record(*, actor: Any, record: EducationRecord) -> None:
    """Remove a record entered by mistake; the audit event keeps what it was."""
    peer = record.peer
    with transaction.atomic():
        _check_months_open(peer.pk, _education_days(record))
        record_event(
            actor=actor,
            verb="education.deleted",
            obj=record,
            data={"peer_id": peer.pk, "status": record.status, "title": record.title},
        )
        record.delete()
        _sync_education_status(actor=actor, peer=peer)


# -- supervision groups ---------------------------------------------------------------


def _check_group(fields: Mapping[str, Any]) -> None:
    target = fields.get("target_days")
    if target is None or not MIN_TARGET_DAYS <= int(target) <= MAX_TARGET_DAYS:
        raise _field_error(
            "target_days",
            _("Give the target as a number of days from %(low)s to %(high)s.")
            % {"low": MIN_TARGET_DAYS, "high": MAX_TARGET_DAYS},
            "target_days",
        )


def create_group(
    *, actor: Any, members: Iterable[PeerWorker] = (), **fields: Any
) -> SupervisionGroup:
    unknown = set(fields) - set(GROUP_FIELDS)
    if unknown:
        raise TypeError(f"Unknown group fields: {sorted(unknown)}")
    _check_group(fields)
    with transaction.atomic():
        group = SupervisionGroup(**fields)
        group.full_clean()
        group.save()
        group.members.set(list(members))
        record_event(
            actor=actor,
            verb="supervision.group_created",
            obj=group,
            data={"provider_kind": group.provider_kind, "members": group.members.count()},
        )
    return group


def update_group(
    *,
    actor: Any,
    group: SupervisionGroup,
    members: Iterable[PeerWorker] | None = None,
    override_reason: str = "",
    **changes: Any,
) -> SupervisionGroup:
    """Change the group. Who joins is busy at its coming sessions, and must suit their
    times as for any booking (not away, not a public holiday, within their hours) unless
    `override_reason` says why (scheduling.services.check_availability_at)."""
    unknown = set(changes) - set(GROUP_FIELDS)
    if unknown:
        raise TypeError(f"Unknown group fields: {sorted(unknown)}")
    _check_group({name: getattr(group, name) for name in GROUP_FIELDS} | changes)
    with transaction.atomic():
        changed = [name for name, value in changes.items() if getattr(group, name) != value]
        for name in changed:
            setattr(group, name, changes[name])
        if changed:
            group.full_clean()
            group.save(update_fields=changed)
        data: dict[str, Any] = {"fields": sorted(changed)}
        if members is not None:
            member_list = list(members)
            wanted = {m.pk for m in member_list}
            before = set(group.members.values_list("pk", flat=True))
            if wanted != before:
                joined = [m for m in {m.pk: m for m in member_list}.values() if m.pk not in before]
                coming = SupervisionSession.objects.filter(
                    group=group, starts_at__gt=timezone.now()
                ).order_by("starts_at", "pk")
                went_ahead, override = check_availability_at(
                    peers=joined,
                    times=[(s.pk, s.starts_at, s.ends_at) for s in coming] if joined else [],
                    override_reason=override_reason,
                )
                group.members.set(list(wanted))
                data |= {"joined": sorted(wanted - before), "left": sorted(before - wanted)}
                _move_members(group, joined=wanted - before, left=before - wanted)
                if went_ahead:
                    SupervisionSession.objects.filter(pk__in=went_ahead).update(
                        override_reason=override["override_reason"], updated_at=timezone.now()
                    )
                    data |= override | {"sessions_overridden": went_ahead}
        if len(data) > 1 or changed:
            record_event(actor=actor, verb="supervision.group_changed", obj=group, data=data)
    return group


def close_group(*, actor: Any, group: SupervisionGroup) -> SupervisionGroup:
    """A closed group keeps its history but sets no target any more."""
    if group.closed_at is not None:
        raise ValidationError(_("The group has been closed."), code="closed")
    with transaction.atomic():
        group.closed_at = timezone.now()
        group.save(update_fields=["closed_at"])
        record_event(actor=actor, verb="supervision.group_closed", obj=group)
    return group


# -- sessions ------------------------------------------------------------------------


def _member_slots(
    sessions: Iterable[SupervisionSession], peer_ids: Iterable[int]
) -> list[agenda.Slot]:
    ids = sorted(peer_ids)
    return [
        agenda.Slot(
            peer_party(pk),
            session.starts_at,
            session.ends_at,
            Kind.SUPERVISION,
            Source.SUPERVISION_SESSION,
            session.pk,
            session.group.name,
        )
        for session in sessions
        for pk in ids
    ]


def _occupy_members(session: SupervisionSession, members: list[PeerWorker]) -> None:
    """The members are busy at the session (agenda.services): one clash rule for all,
    so a member's conversation, group session or interview then refuses it, by name."""
    agenda.occupy(
        _member_slots([session], [m.pk for m in members]),
        names={peer_party(m.pk): m.name for m in members},
    )


def _move_members(group: SupervisionGroup, *, joined: set[int], left: set[int]) -> None:
    """Who joins is busy at the group's coming sessions, who leaves is free then; the
    sessions that have begun keep who was there."""
    coming = list(
        SupervisionSession.objects.filter(group=group, starts_at__gt=timezone.now())
        .select_related("group")
        .order_by("starts_at", "pk")
    )
    if not coming:
        return
    agenda.release(
        Source.SUPERVISION_SESSION,
        [s.pk for s in coming],
        parties=[peer_party(pk) for pk in left],
    )
    try:
        agenda.occupy(_member_slots(coming, joined))
    except ValidationError as error:
        raise ValidationError(
            {"members": [ValidationError(m, code="double_booked") for m in error.messages]}
        ) from error


def themes_warnings(group: SupervisionGroup, text: str) -> list[str]:
    """A CPR number, or the first name of a member or of anyone on a member's caseload.

    Uses the same detection as group notes (case-sensitive names, see groups.notes).
    """
    return named_warnings(themes_names(group), text)


def themes_names(group: SupervisionGroup) -> set[str]:
    """The first names `themes_warnings` looks for: the members' and their caseloads'."""
    member_ids = list(group.members.values_list("pk", flat=True))
    names = set(
        PeerWorker.objects.filter(pk__in=member_ids).values_list("user__first_name", flat=True)
    )
    names |= set(
        Person.objects.filter(courses__peer_id__in=member_ids).values_list("given_name", flat=True)
    )
    return names


def named_warnings(names: set[str], text: str) -> list[str]:
    """`themes_warnings` for the names of `themes_names`."""
    warnings: list[str] = []
    if notes.CPR_PATTERN.search(text):
        warnings.append(_("The themes seem to contain a CPR number."))
    found = notes.named_in(text, names)
    if found:
        warnings.append(
            _("The themes seem to name someone (%(names)s).") % {"names": ", ".join(found)}
        )
    return warnings


def _check_session(
    group: SupervisionGroup,
    *,
    starts_at: datetime.datetime,
    minutes: int,
    themes: str,
    confirmed: bool,
) -> tuple[str, bool]:
    """The cleaned themes, and whether the writer confirmed a warning about them."""
    if group.closed_at is not None:
        raise ValidationError(_("The group has been closed."), code="closed")
    if timezone.is_naive(starts_at):
        raise ValueError("starts_at must be aware")
    if not MIN_SESSION_MINUTES <= minutes <= MAX_SESSION_MINUTES:
        raise _field_error(
            "minutes",
            _("A session lasts from %(low)s to %(high)s minutes.")
            % {"low": MIN_SESSION_MINUTES, "high": MAX_SESSION_MINUTES},
            "minutes",
        )
    themes = themes.strip()
    if len(themes) > 2000:
        raise _field_error("themes", _("Keep the themes under 2000 characters."), "too_long")
    warnings = themes_warnings(group, themes)
    if warnings and not confirmed:
        advice = _(
            "Write the themes in general words, without names or details about any one "
            "person. Change the text, or tick the box to confirm that it is general."
        )
        raise ValidationError(
            {"themes": [ValidationError(m, code=THEMES_WARNING) for m in [*warnings, advice]]}
        )
    return themes, bool(warnings)


def _check_members_free(
    members: list[PeerWorker], starts_at: datetime.datetime, minutes: int, override_reason: str
) -> dict[str, Any]:
    """The one availability check (scheduling.services.check_availability), for a session
    registered after the fact too, as a past conversation is: a member away that day is
    most likely a wrong date, and the session counts in the members' hours."""
    return check_availability(
        peers=members,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=minutes),
        override_reason=override_reason,
    )


def add_session(
    *,
    actor: Any,
    group: SupervisionGroup,
    starts_at: datetime.datetime,
    minutes: int,
    place: str,
    themes: str = "",
    confirmed: bool = False,
    override_reason: str = "",
) -> SupervisionSession:
    """A session of the group. The members must suit the time as for any booking: not
    away, not a public holiday, within their hours, unless `override_reason` says why
    (scheduling.services.check_availability), one registered after the fact included."""
    themes, warned = _check_session(
        group, starts_at=starts_at, minutes=minutes, themes=themes, confirmed=confirmed
    )
    with transaction.atomic():
        members = list(group.members.all())
        override = _check_members_free(members, starts_at, minutes, override_reason)
        session = SupervisionSession(
            group=group,
            starts_at=starts_at,
            minutes=minutes,
            place=place.strip(),
            themes=themes,
            override_reason=override.get("override_reason", ""),
        )
        session.full_clean()
        session.save()
        _occupy_members(session, members)
        record_event(
            actor=actor,
            verb="supervision.session_added",
            obj=session,
            data={"group_id": group.pk, "confirmed_warning": warned, **override},
        )
    return session


def update_session(
    *,
    actor: Any,
    session: SupervisionSession,
    starts_at: datetime.datetime,
    minutes: int,
    place: str,
    themes: str,
    confirmed: bool = False,
    override_reason: str = "",
) -> SupervisionSession:
    themes, warned = _check_session(
        session.group, starts_at=starts_at, minutes=minutes, themes=themes, confirmed=confirmed
    )
    changes = {"starts_at": starts_at, "minutes": minutes, "place": place.strip(), "themes": themes}
    override: dict[str, Any] = {}
    with transaction.atomic():
        changed = [name for name, value in changes.items() if getattr(session, name) != value]
        if not changed:
            return session
        if {"starts_at", "minutes"} & set(changed):
            # A new time is checked as a new session is (the members' hours and absences).
            override = _check_members_free(
                list(session.group.members.all()), starts_at, minutes, override_reason
            )
            changes["override_reason"] = override.get("override_reason", "")
            changed.append("override_reason")
        if {"starts_at", "minutes"} & set(changed):
            # The minutes of those present count on the session's day, before and after.
            days = [timezone.localdate(session.starts_at), timezone.localdate(starts_at)]
            present = SupervisionAttendance.objects.filter(
                session=session, status=AttendanceStatus.PRESENT
            ).values_list("peer_id", flat=True)
            for peer_id in sorted(present):
                _check_months_open(peer_id, days)
        for name in changed:
            setattr(session, name, changes[name])
        session.full_clean()
        session.save(update_fields=[*changed, "updated_at"])
        if {"starts_at", "minutes"} & set(changed):
            agenda.move(Source.SUPERVISION_SESSION, session.pk, session.starts_at, session.ends_at)
        record_event(
            actor=actor,
            verb="supervision.session_changed",
            obj=session,
            data={"fields": sorted(changed), "confirmed_warning": warned, **override},
        )
    return session


def delete_session(*, actor: Any, session: SupervisionSession) -> None:
    """Take a session off the plan; one with attendance recorded is history and stays."""
    with transaction.atomic():
        if SupervisionAttendance.objects.filter(session=session).exists():
            raise ValidationError(
                _("Attendance has been recorded for this session, so it cannot be removed."),
                code="has_attendance",
            )
        record_event(
            actor=actor,
            verb="supervision.session_deleted",
            obj=session,
            data={"group_id": session.group_id, "starts_at": session.starts_at.isoformat()},
        )
        agenda.release(Source.SUPERVISION_SESSION, [session.pk])
        session.delete()


def record_attendance(
    *, actor: Any, session: SupervisionSession, statuses: Mapping[int, str]
) -> list[SupervisionAttendance]:
    """Present, absent or sent word for members of the group; one audit event.

    Someone recorded earlier who has since left the group may still be corrected.
    """
    if session.starts_at > timezone.now():
        raise ValidationError(
            _("Attendance can be recorded once the session has begun."), code="not_started"
        )
    unknown = {s for s in statuses.values() if s not in AttendanceStatus.values}
    if unknown:
        raise ValidationError(_("Choose present, absent or sent word."), code="status")
    with transaction.atomic():
        # One writer per session at a time, so two saves cannot both insert a row.
        SupervisionSession.objects.select_for_update().filter(pk=session.pk).first()
        existing = {a.peer_id: a for a in SupervisionAttendance.objects.filter(session=session)}
        allowed = set(session.group.members.values_list("pk", flat=True)) | set(existing)
        outsiders = set(statuses) - allowed
        if outsiders:
            raise ValidationError(_("Only members of the group can be marked."), code="not_member")
        new, changed = [], []
        for peer_id, status in statuses.items():
            row = existing.get(peer_id)
            if row is None:
                new.append(SupervisionAttendance(session=session, peer_id=peer_id, status=status))
            elif row.status != status:
                row.status = status
                changed.append(row)
        day = timezone.localdate(session.starts_at)
        for peer_id in sorted({row.peer_id for row in [*new, *changed]}):
            _check_months_open(peer_id, [day])
        SupervisionAttendance.objects.bulk_create(new)
        for row in changed:
            row.save(update_fields=["status", "recorded_at"])
        if new or changed:
            record_event(
                actor=actor,
                verb="supervision.attendance",
                obj=session,
                data={str(pk): s for pk, s in sorted(statuses.items())},
            )
    return [*new, *changed]
