"""Enrolment, the waiting list, attendance and group notes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from brobygger.agenda import services as agenda
from brobygger.agenda.models import person_party
from brobygger.audit.services import record_event
from brobygger.lib.when import format_when
from brobygger.people import services as people_services
from brobygger.people.models import ConsentKind, Person, PersonKind
from brobygger.scheduling.models import Appointment

from .. import notes
from ..models import (
    Attendance,
    AttendanceStatus,
    Enrolment,
    EnrolmentStatus,
    GroupSession,
    RecoveryGroup,
)
from ._common import (
    NOTE_WARNING,
    _check_months_open,
    _check_open,
    _release_sessions,
    _session_facilitator_pairs,
    _slots,
)


def _check_person_free(group: RecoveryGroup, person: Person) -> None:
    """Enrolment makes the group's sessions the person's: the same guard as bookings."""

    for session in GroupSession.objects.active().filter(group=group, ends_at__gt=timezone.now()):
        clash = (
            Appointment.objects.active()
            .filter(person=person)
            .overlapping(session.starts_at, session.ends_at)
            .first()
        )
        if clash is not None:
            raise ValidationError(
                _(
                    "The person has a conversation during the session on %(when)s. Move the "
                    "conversation first."
                )
                % {"when": format_when(session.starts_at, "short_day_month_time")},
                code="double_booked",
            )


def _occupy_place(group: RecoveryGroup, person: Person | int) -> None:
    """The person is busy at the group's coming sessions (agenda.services): refused, with
    the clash in words, when they are busy with something else then."""
    person_id = person if isinstance(person, int) else person.pk
    coming = (
        GroupSession.objects.active()
        .filter(group=group, ends_at__gt=timezone.now())
        .select_related("group")
    )
    agenda.occupy(_slots(coming, person_ids=[person_id]))


def _release_place(group: RecoveryGroup, person_id: int) -> None:
    """The person is free at the group's sessions still to come."""
    coming = GroupSession.objects.filter(group=group, ends_at__gt=timezone.now())
    _release_sessions(coming.values_list("pk", flat=True), parties=[person_party(person_id)])


def enrol(*, actor: Any, group: RecoveryGroup, person: Person) -> Enrolment:
    """A place in the group, or the next place on the waiting list when it is full.

    The group row is locked while the places are counted, so concurrent sign-ups
    cannot overfill it (PostgreSQL row lock; SQLite's immediate transactions
    serialise writers). The waiting list's unique places are the database's word.
    """
    if person.kind != PersonKind.PATIENT:
        raise ValidationError(_("Recovery groups are for patients."), code="not_patient")
    people_services.ensure_may_start(person)
    if not people_services.has_current_consent(person, ConsentKind.CONTACT):
        raise ValidationError(
            _(
                "The person has not agreed to be contacted by a peer (or has withdrawn "
                "it). Record the consent first."
            ),
            code="no_consent",
        )
    with transaction.atomic():
        group = RecoveryGroup.objects.select_for_update(no_key=True).get(pk=group.pk)
        _check_open(group)
        existing = Enrolment.objects.filter(group=group, person=person).first()
        if existing is not None and existing.status != EnrolmentStatus.LEFT:
            raise ValidationError(
                _("The person is already enrolled or on the waiting list."), code="duplicate"
            )
        enrolled = Enrolment.objects.filter(group=group).enrolled().count()
        if enrolled < group.capacity:
            _check_person_free(group, person)
            status, position = EnrolmentStatus.ENROLLED, None
        else:
            last = Enrolment.objects.filter(group=group).waiting().aggregate(n=Max("position"))
            status, position = EnrolmentStatus.WAITING, (last["n"] or 0) + 1
        enrolment = existing or Enrolment(group=group, person=person)
        enrolment.status, enrolment.position = status, position
        enrolment.enrolled_at = timezone.now()
        enrolment.save()
        if status == EnrolmentStatus.ENROLLED:
            _occupy_place(group, person)
        record_event(
            actor=actor,
            verb="group.enrolled" if status == EnrolmentStatus.ENROLLED else "group.waiting",
            obj=group,
            person_id=person.pk,
            data={"position": position} if position else {},
        )
    return enrolment


def leave(*, actor: Any, group: RecoveryGroup, person: Person) -> Enrolment:
    """The person leaves the group (or the waiting list); the first in line moves up."""
    with transaction.atomic():
        group = RecoveryGroup.objects.select_for_update(no_key=True).get(pk=group.pk)
        enrolment = (
            Enrolment.objects.filter(group=group, person=person)
            .exclude(status=EnrolmentStatus.LEFT)
            .first()
        )
        if enrolment is None:
            raise ValidationError(_("The person is not in this group."), code="not_enrolled")
        was = enrolment.status
        enrolment.status, enrolment.position = EnrolmentStatus.LEFT, None
        enrolment.save(update_fields=["status", "position", "changed_at"])
        if was == EnrolmentStatus.ENROLLED:
            _release_place(group, person.pk)
        record_event(
            actor=actor,
            verb="group.left",
            obj=group,
            person_id=person.pk,
            data={"was": was},
        )
        _renumber_waiting(group)
        if was == EnrolmentStatus.ENROLLED and group.closed_at is None:
            _fill_places(actor=actor, group=group)
    return enrolment


def leave_all_groups(*, actor: Any, person: Person) -> int:
    """Take the person out of every group and waiting list (consent withdrawn)."""
    groups = list(
        RecoveryGroup.objects.filter(
            enrolments__person=person,
            enrolments__status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING],
        ).order_by("pk")
    )
    for group in groups:
        leave(actor=actor, group=group, person=person)
    return len(groups)


def _renumber_waiting(group: RecoveryGroup) -> None:
    """Close the gaps: 1, 2, 3 ... in the order people signed up.

    Ascending one row at a time, so the partial unique index on the places never
    sees two rows on the same place.
    """
    for number, enrolment in enumerate(Enrolment.objects.filter(group=group).waiting(), start=1):
        if enrolment.position != number:
            enrolment.position = number
            enrolment.save(update_fields=["position", "changed_at"])


def _fill_places(*, actor: Any, group: RecoveryGroup) -> list[Enrolment]:
    """Move the first in line up while there are free places. Call with the group locked.

    Someone busy at one of the coming sessions (a conversation then) keeps their place
    in line and the next one moves up: a place is never given that would put a person
    in two places at once, and leaving (also when a course or consent ends) never fails.
    """
    moved: list[Enrolment] = []
    free = group.capacity - Enrolment.objects.filter(group=group).enrolled().count()
    if free <= 0:
        return moved
    for enrolment in list(Enrolment.objects.filter(group=group).waiting()):
        if len(moved) >= free:
            break
        try:
            with transaction.atomic():
                _occupy_place(group, enrolment.person_id)
        except ValidationError:
            continue
        enrolment.status, enrolment.position = EnrolmentStatus.ENROLLED, None
        enrolment.save(update_fields=["status", "position", "changed_at"])
        record_event(actor=actor, verb="group.moved_up", obj=group, person_id=enrolment.person_id)
        moved.append(enrolment)
    if moved:
        _renumber_waiting(group)
    return moved


# -- attendance and the group note -----------------------------------------------------


def record_attendance(
    *, actor: Any, session: GroupSession, statuses: Mapping[int, str]
) -> list[Attendance]:
    """Attendance for enrolled participants, once the session has begun.

    `statuses` maps person ids to present / absent / excused. Unchanged rows are left alone.
    """
    if session.cancelled:
        raise ValidationError(_("The session was cancelled."), code="cancelled")
    if session.starts_at > timezone.now():
        raise ValidationError(
            _("Attendance can be recorded once the session has begun."), code="future"
        )
    bad = [s for s in statuses.values() if s not in AttendanceStatus.values]
    if bad:
        raise ValidationError(_("Choose present, absent or sent word."), code="status")
    enrolled = set(
        Enrolment.objects.filter(group_id=session.group_id)
        .enrolled()
        .values_list("person_id", flat=True)
    )
    outside = set(statuses) - enrolled
    if outside:
        raise ValidationError(
            _("Attendance can only be recorded for participants enrolled in the group."),
            code="not_enrolled",
        )
    saved: list[Attendance] = []
    with transaction.atomic():
        existing = {a.person_id: a for a in Attendance.objects.filter(session=session)}
        if any(
            person_id not in existing or existing[person_id].status != status
            for person_id, status in statuses.items()
        ):
            # Attendance is what the session's facilitators report with the hours they
            # ran it for; their approved month is locked for it too (issue 17 item 4).
            _check_months_open(_session_facilitator_pairs([session.pk]))
        for person_id, status in sorted(statuses.items()):
            row = existing.get(person_id)
            if row is not None and row.status == status:
                continue
            if row is None:
                row = Attendance.objects.create(session=session, person_id=person_id, status=status)
            else:
                row.status = status
                row.save(update_fields=["status", "recorded_at"])
            record_event(
                actor=actor,
                verb="group.attendance",
                obj=session,
                person_id=person_id,
                data={"status": status},
            )
            saved.append(row)
    return saved


def note_warnings(session: GroupSession, text: str) -> list[str]:
    """A CPR number, or the first name of anyone who has signed up for the group."""
    names = Person.objects.filter(group_enrolments__group_id=session.group_id).values_list(
        "given_name", flat=True
    )
    return notes.detail_warnings(text, names)


def save_group_note(
    *, actor: Any, session: GroupSession, text: str, confirmed: bool = False
) -> GroupSession:
    """A high-level note about the session as a whole, never about one participant.

    A CPR number or a participant's first name in the text stops the save with a
    warning until the writer confirms that the note is about the group.
    """
    text = text.strip()
    if len(text) > 4000:
        raise ValidationError({"note": _("Keep the note under 4000 characters.")})
    if session.cancelled:
        raise ValidationError(_("The session was cancelled."), code="cancelled")
    warnings = note_warnings(session, text)
    if warnings and not confirmed:
        advice = _(
            "Group notes are about the group, without details about any one person. "
            "Change the text, or tick the box to confirm that it is about the group."
        )
        raise ValidationError(
            {"note": [ValidationError(m, code=NOTE_WARNING) for m in [*warnings, advice]]}
        )
    with transaction.atomic():
        if session.note == text:
            return session
        session.note = text
        session.save(update_fields=["note", "updated_at"])
        record_event(
            actor=actor,
            verb="group.note_saved",
            obj=session,
            data={"confirmed_warning": bool(warnings)},
        )
    return session
