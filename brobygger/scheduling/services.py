"""Every change to appointments and availability. One guard for every active booking."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from brobygger.agenda import services as agenda
from brobygger.agenda.models import Kind, Source, peer_party, person_party
from brobygger.audit.services import record_event
from brobygger.lib.dates import week_bounds, week_start
from brobygger.lib.instances import kept_on_failure
from brobygger.lib.when import format_period, format_when
from brobygger.people import services as people_services
from brobygger.people.models import ConsentKind, PeerWorker
from brobygger.people.signals import announce_day_change
from brobygger.referrals.models import Course

from . import selectors
from .models import (
    OUTSIDE_HOURS,
    Appointment,
    AppointmentStatus,
    AvailabilityException,
    AvailabilityWindow,
)
from .signals import announce_booking

MIN_MINUTES, MAX_MINUTES = 10, 240
NO_OVERLAP_CONSTRAINTS = ("appointment_peer_no_overlap", "appointment_person_no_overlap")
EXCEPTION_NO_OVERLAP = "exception_peer_no_overlap"  # migration 0008, PostgreSQL


def _clash_message(appointment: Appointment, clash: Appointment) -> str:
    if clash.peer_id == appointment.peer_id:
        return _("The peer already has a conversation from %(start)s to %(end)s.") % {
            "start": format_when(clash.starts_at, "time"),
            "end": format_when(clash.ends_at, "time"),
        }
    return _("The person already has a conversation at that time.")


def _guarded_save(appointment: Appointment, *, update_fields: list[str] | None = None) -> None:
    """The one guard: every path that makes an appointment active goes through here.

    The service check gives the friendly message; the database has the last word
    (an exclusion constraint on PostgreSQL, an immediate write transaction on SQLite).
    """
    clash = (
        Appointment.objects.active()
        .overlapping(appointment.starts_at, appointment.ends_at)
        .filter(Q(peer_id=appointment.peer_id) | Q(person_id=appointment.person_id))
        .exclude(pk=appointment.pk)
        .first()
    )
    if clash is not None:
        raise ValidationError(_clash_message(appointment, clash), code="double_booked")
    # A group session or an interview panel at that time: those apps word the refusal.
    announce_booking(
        peer_id=appointment.peer_id,
        person_id=appointment.person_id,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
    )
    try:
        with transaction.atomic():
            appointment.save(update_fields=update_fields)
            _occupy(appointment)
    except IntegrityError as error:
        if any(name in str(error) for name in NO_OVERLAP_CONSTRAINTS):
            raise ValidationError(
                _("Someone else booked that time a moment ago. Choose another time."),
                code="double_booked",
            ) from error
        raise


def _occupy(appointment: Appointment) -> None:
    """The peer and the person are busy in the one agenda (agenda.services): it refuses a
    clash with anything else they do, and on PostgreSQL its exclusion constraint decides
    between concurrent writers."""
    agenda.release(Source.APPOINTMENT, [appointment.pk])
    peer = peer_party(appointment.peer_id)
    agenda.occupy(
        [
            agenda.Slot(
                party,
                appointment.starts_at,
                appointment.ends_at,
                Kind.CONVERSATION,
                Source.APPOINTMENT,
                appointment.pk,
            )
            for party in (peer, person_party(appointment.person_id))
        ],
        names={peer: appointment.peer.name},
    )


def week_minutes(peer_id: int, day: datetime.date, *, exclude_pk: int | None = None) -> int:
    start, end = week_bounds(week_start(day))
    rows = (
        Appointment.objects.active()
        .filter(peer_id=peer_id)
        .overlapping(start, end)
        .exclude(pk=exclude_pk or 0)
        .values_list("starts_at", "ends_at")
    )
    # Group sessions the peer runs count in the same hours (issue: groups in hours): the
    # one agenda holds one row per session and facilitator (groups/services/_common.py).
    groups = agenda.busy_minutes(peer_party(peer_id), start, end, kind=Kind.GROUP_FACILITATOR)
    return sum(int((e - s).total_seconds() // 60) for s, e in rows) + groups


def _check_contract(appointment: Appointment, *, allow_over_contract: bool) -> None:
    peer = appointment.peer
    day = timezone.localtime(appointment.starts_at).date()
    total = week_minutes(peer.pk, day, exclude_pk=appointment.pk) + appointment.minutes
    if Decimal(total) / 60 > peer.hours_max and not allow_over_contract:
        raise ValidationError(
            _(
                "This takes %(name)s to %(hours)s hours in that week, over the contract's "
                "%(max)s hours. Tick “Book anyway” if that is agreed."
            )
            % {
                "name": peer.name,
                "hours": f"{total / 60:.1f}".replace(".", ","),
                "max": f"{peer.hours_max:g}".replace(".", ","),
            },
            code="over_contract",
        )


def check_availability(
    *,
    peers: Iterable[PeerWorker],
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    override_reason: str = "",
) -> dict[str, Any]:
    """The one check before peers are put in the agenda at a time (a conversation, a group
    session's facilitators): away, a public holiday, or outside their weekly hours stops
    the booking unless the booker goes ahead with a reason. Returns what the audit event
    records: {} when the time is fine, else the problems' codes and the reason.
    """
    problems = [
        problem
        for peer in peers
        for problem in selectors.availability_problems(peer, starts_at, ends_at)
    ]
    if not problems:
        return {}
    reason = override_reason.strip()
    if not reason:
        raise ValidationError(
            [ValidationError(p.message, code=OUTSIDE_HOURS) for p in problems]
            + [
                ValidationError(
                    _("Tick “Book anyway” and say why if it is agreed."), code=OUTSIDE_HOURS
                )
            ]
        )
    return {"override": sorted({p.code for p in problems}), "override_reason": reason[:300]}


def check_availability_at(
    *,
    peers: Iterable[PeerWorker],
    times: Iterable[tuple[int, datetime.datetime, datetime.datetime]],
    override_reason: str = "",
) -> tuple[list[int], dict[str, Any]]:
    """`check_availability` at several times at once: peers who join a group take over
    its coming sessions (`times` as (session id, start, end)). Every problem is named
    once, then the advice to tick "Book anyway". Returns the ids of the times that went
    ahead on `override_reason`, and what the audit event records ({} when all suited)."""
    peer_list = list(peers)
    went_ahead: list[int] = []
    codes: set[str] = set()
    problems: dict[str, ValidationError] = {}
    advice: ValidationError | None = None
    for key, starts_at, ends_at in times:
        try:
            found = check_availability(
                peers=peer_list,
                starts_at=starts_at,
                ends_at=ends_at,
                override_reason=override_reason,
            )
        except ValidationError as error:
            # check_availability names each problem, then the advice (its last message).
            *named, advice = error.error_list
            problems |= {str(e.message): e for e in named if str(e.message) not in problems}
            continue
        if found:
            went_ahead.append(key)
            codes |= set(found["override"])
    if advice is not None:
        raise ValidationError([*problems.values(), advice])
    if not went_ahead:
        return [], {}
    return went_ahead, {"override": sorted(codes), "override_reason": override_reason.strip()[:300]}


def _check_month_open(appointment: Appointment) -> None:
    """A held conversation counts in the peer's timesheet on the local day it starts, and an
    approved month is locked. A month can be approved on its last day (the peer may work
    that day), so booking, moving and uncancelling into it are refused too: a conversation
    put into an approved month could never be marked held without changing approved hours
    (issue 17 item 4). Cancelling a booked conversation or moving it out is never refused:
    that changes no hours, and it is how the peer clears such a booking; ending (consent
    withdrawn, a course closed) must always be able to cancel what is booked. The
    timesheets app, above this one, words the refusal (people/signals.py)."""
    day = timezone.localtime(appointment.starts_at).date()
    announce_day_change(peer_id=appointment.peer_id, day=day)


def _check_times(starts_at: datetime.datetime, minutes: int) -> datetime.datetime:
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise ValidationError({"minutes": _("A conversation lasts between 10 and 240 minutes.")})
    if starts_at < timezone.now() - datetime.timedelta(minutes=5):
        raise ValidationError({"starts_at": _("Choose a time that has not passed.")})
    return starts_at + datetime.timedelta(minutes=minutes)


def book(
    *,
    actor: Any,
    course: Course,
    starts_at: datetime.datetime,
    minutes: int,
    mode: str,
    place_kind: str = "",
    place: str = "",
    allow_over_contract: bool = False,
    override_reason: str = "",
) -> Appointment:
    if course.ended_on is not None:
        raise ValidationError(_("The course has ended."), code="course_ended")
    people_services.ensure_may_start(course.person_id)
    if not people_services.has_current_consent(course.person, ConsentKind.CONTACT):
        raise ValidationError(
            _("The person has withdrawn consent to be contacted."), code="no_consent"
        )
    ends_at = _check_times(starts_at, minutes)
    with transaction.atomic():
        appointment = Appointment(
            course=course,
            peer=course.peer,
            person=course.person,
            starts_at=starts_at,
            ends_at=ends_at,
            mode=mode,
            place_kind=place_kind,
            place=place,
        )
        appointment.full_clean(exclude=["course", "peer", "person"])
        _check_month_open(appointment)
        _check_contract(appointment, allow_over_contract=allow_over_contract)
        override = check_availability(
            peers=[course.peer],
            starts_at=starts_at,
            ends_at=ends_at,
            override_reason=override_reason,
        )
        appointment.override_reason = override.get("override_reason", "")
        _guarded_save(appointment)
        record_event(
            actor=actor,
            verb="appointment.booked",
            obj=appointment,
            person_id=course.person_id,
            data={"minutes": minutes, "mode": mode, **override},
        )
    return appointment


def reschedule(
    *,
    actor: Any,
    appointment: Appointment,
    starts_at: datetime.datetime,
    minutes: int,
    allow_over_contract: bool = False,
    override_reason: str = "",
) -> Appointment:
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError(_("Only a booked conversation can be moved."), code="status")
    people_services.ensure_may_start(appointment.person_id)
    ends_at = _check_times(starts_at, minutes)
    with transaction.atomic():
        appointment.starts_at, appointment.ends_at = starts_at, ends_at
        _check_month_open(appointment)  # the month it goes to
        _check_contract(appointment, allow_over_contract=allow_over_contract)
        override = check_availability(
            peers=[appointment.peer],
            starts_at=starts_at,
            ends_at=ends_at,
            override_reason=override_reason,
        )
        appointment.override_reason = override.get("override_reason", "")
        appointment.sequence += 1
        _guarded_save(
            appointment,
            update_fields=["starts_at", "ends_at", "override_reason", "sequence", "updated_at"],
        )
        record_event(
            actor=actor,
            verb="appointment.rescheduled",
            obj=appointment,
            person_id=appointment.person_id,
            data={"minutes": minutes, **override},
        )
    return appointment


def cancel(*, actor: Any, appointment: Appointment, by: str, reason: str) -> Appointment:
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError(_("Only a booked conversation can be cancelled."), code="status")
    if not reason.strip():
        raise ValidationError({"reason": _("Write a short reason.")})
    with kept_on_failure(appointment), transaction.atomic():
        appointment.status = AppointmentStatus.CANCELLED
        appointment.cancelled_by = by
        appointment.cancel_reason = reason.strip()[:300]
        appointment.sequence += 1
        appointment.save(
            update_fields=["status", "cancelled_by", "cancel_reason", "sequence", "updated_at"]
        )
        agenda.release(Source.APPOINTMENT, [appointment.pk])
        record_event(
            actor=actor,
            verb="appointment.cancelled",
            obj=appointment,
            person_id=appointment.person_id,
            data={"by": by},
        )
    return appointment


def uncancel(*, actor: Any, appointment: Appointment, override_reason: str = "") -> Appointment:
    """Booked again at the same time: the same check as a new booking, since the peer
    may have become away (or changed their hours) since it was cancelled."""
    if appointment.status != AppointmentStatus.CANCELLED:
        raise ValidationError(_("The conversation is not cancelled."), code="status")
    if appointment.starts_at < timezone.now():
        raise ValidationError(_("The time has passed. Book a new conversation instead."))
    people_services.ensure_may_start(appointment.person_id)
    with kept_on_failure(appointment), transaction.atomic():
        _check_month_open(appointment)
        override = check_availability(
            peers=[appointment.peer],
            starts_at=appointment.starts_at,
            ends_at=appointment.ends_at,
            override_reason=override_reason,
        )
        appointment.status = AppointmentStatus.BOOKED
        appointment.cancelled_by = ""
        appointment.cancel_reason = ""
        appointment.override_reason = override.get("override_reason", "")
        appointment.sequence += 1
        _guarded_save(
            appointment,
            update_fields=[
                "status",
                "cancelled_by",
                "cancel_reason",
                "override_reason",
                "sequence",
                "updated_at",
            ],
        )
        record_event(
            actor=actor,
            verb="appointment.uncancelled",
            obj=appointment,
            person_id=appointment.person_id,
            data=override or None,
        )
    return appointment


def mark(*, actor: Any, appointment: Appointment, status: str) -> Appointment:
    """Held or did not come: only once the conversation has begun."""
    if status not in (AppointmentStatus.HELD, AppointmentStatus.NO_SHOW):
        raise ValidationError(_("Choose held or did not come."), code="status")
    if appointment.status not in (
        AppointmentStatus.BOOKED,
        AppointmentStatus.HELD,
        AppointmentStatus.NO_SHOW,
    ):
        raise ValidationError(_("A cancelled conversation cannot be marked."), code="status")
    if appointment.starts_at > timezone.now():
        raise ValidationError(_("The conversation has not begun yet."), code="future")
    with kept_on_failure(appointment), transaction.atomic():
        if (appointment.status == AppointmentStatus.HELD) != (status == AppointmentStatus.HELD):
            _check_month_open(appointment)
        appointment.status = status
        appointment.save(update_fields=["status", "updated_at"])
        record_event(
            actor=actor,
            verb=f"appointment.{status}",
            obj=appointment,
            person_id=appointment.person_id,
        )
    return appointment


def set_windows(
    *, actor: Any, peer: Any, windows: list[tuple[int, datetime.time, datetime.time]]
) -> None:
    """Replace a peer's weekly availability."""
    for _weekday, start, end in windows:
        if end <= start:
            raise ValidationError(_("A window must end after it starts."), code="window")
    with transaction.atomic():
        AvailabilityWindow.objects.filter(peer=peer).delete()
        AvailabilityWindow.objects.bulk_create(
            [
                AvailabilityWindow(peer=peer, weekday=d, start_time=s, end_time=e)
                for d, s, e in windows
            ]
        )
        record_event(
            actor=actor, verb="availability.changed", obj=peer, data={"windows": len(windows)}
        )


def _overlap_error(clash: AvailabilityException | None) -> ValidationError:
    if clash is None:  # removed again since: the message cannot name it
        words = _("This overlaps another entry. Reload the page and try again.")
    else:
        words = _(
            "This overlaps %(what)s %(period)s. Remove that entry first, or choose other days."
        ) % {
            "what": clash.get_kind_display().lower(),
            "period": format_period(clash.starts_on, clash.ends_on),
        }
    return ValidationError({"starts_on": words}, code="overlap")


def add_exception(
    *,
    actor: Any,
    peer: Any,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    kind: str,
    start_time: datetime.time | None = None,
    end_time: datetime.time | None = None,
    note: str = "",
) -> AvailabilityException:
    """Away (holiday, sickness, time off) from one date to another, both included, or
    extra time on one date. One peer's entries never overlap."""
    ends_on = ends_on or starts_on
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The last day cannot be before the first.")})
    if start_time is not None and ends_on != starts_on:
        raise ValidationError(
            {"start_time": _("Hours only on a single day: leave them empty for several days.")}
        )
    exception = AvailabilityException(
        peer=peer,
        starts_on=starts_on,
        ends_on=ends_on,
        kind=kind,
        start_time=start_time,
        end_time=end_time,
        note=note,
    )
    exception.full_clean(exclude=["peer"])
    with transaction.atomic():
        # One writer per peer at a time, so two overlapping entries cannot both pass.
        PeerWorker.objects.select_for_update().filter(pk=peer.pk).first()
        clash = selectors.overlapping_exception(peer, starts_on, ends_on, start_time, end_time)
        if clash is not None:
            raise _overlap_error(clash)
        try:
            # PostgreSQL has the last word (exclusion constraint, migration 0008).
            with transaction.atomic():
                exception.save()
        except IntegrityError as error:
            if EXCEPTION_NO_OVERLAP not in str(error):
                raise
            clash = selectors.overlapping_exception(peer, starts_on, ends_on, start_time, end_time)
            raise _overlap_error(clash) from error
        record_event(
            actor=actor,
            verb="availability.exception",
            obj=exception,
            data={"kind": kind, "days": exception.days},
        )
    return exception


def delete_exception(*, actor: Any, exception: AvailabilityException) -> None:
    with transaction.atomic():
        record_event(
            actor=actor,
            verb="availability.exception_removed",
            obj=exception.peer,
            data={"kind": exception.kind},
        )
        exception.delete()


def record_past(
    *,
    actor: Any,
    course: Course,
    starts_at: datetime.datetime,
    minutes: int,
    mode: str,
    status: str = AppointmentStatus.HELD,
    place_kind: str = "",
    place: str = "",
    override_reason: str = "",
) -> Appointment:
    """A conversation that already took place but was never booked (a talk on the ward).

    It takes up the peer's time like any other, so it goes through the same guard, and
    the same availability check as a booking: a conversation recorded on a day the peer
    was away (or a public holiday, or outside their hours) is most likely a wrong date,
    so it asks for the reason before it counts in the peer's hours.
    """
    if status not in (AppointmentStatus.HELD, AppointmentStatus.NO_SHOW):
        raise ValidationError(_("Choose held or did not come."), code="status")
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise ValidationError({"minutes": _("A conversation lasts between 10 and 240 minutes.")})
    if starts_at > timezone.now():
        raise ValidationError({"starts_at": _("That time has not come yet: book it instead.")})
    if timezone.localdate(starts_at) < course.started_on:
        raise ValidationError({"starts_at": _("That is before the course started.")})
    with transaction.atomic():
        appointment = Appointment(
            course=course,
            peer=course.peer,
            person=course.person,
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(minutes=minutes),
            mode=mode,
            place_kind=place_kind,
            place=place,
            status=status,
        )
        if status == AppointmentStatus.HELD:
            _check_month_open(appointment)
        override = check_availability(
            peers=[course.peer],
            starts_at=appointment.starts_at,
            ends_at=appointment.ends_at,
            override_reason=override_reason,
        )
        appointment.override_reason = override.get("override_reason", "")
        _guarded_save(appointment)
        record_event(
            actor=actor,
            verb="appointment.recorded",
            obj=appointment,
            person_id=course.person_id,
            data={"minutes": minutes, "status": status, **override},
        )
    return appointment
