"""Pauses from new courses and departures of peers (issue 9, the peer workforce).

Kept apart from `people.services` (persons and peer profiles) for size; the same rules:
keyword-only, with an actor, in a transaction, audited.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from brobygger.accounts.models import User
from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction, Purpose
from brobygger.audit.services import record_event
from brobygger.matching.engine import ALLOWED_PEER_KINDS

from .models import PeerDeparture, PeerPause, PeerWorker

# A pause is a break from new courses, not leave: longer absences are a contract matter.
PAUSE_MAX_DAYS = 183


def _day(day: datetime.date) -> str:
    return date_format(day, "j. F Y")


def set_pause(
    *,
    actor: Any,
    peer: PeerWorker,
    starts_on: datetime.date,
    ends_on: datetime.date,
    reason: str = "",
) -> PeerPause:
    """No new courses for `peer` from `starts_on` to `ends_on` (both included)."""
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if starts_on < today:
        errors["starts_on"] = _("A pause cannot start in the past.")
    if ends_on < starts_on:
        errors["ends_on"] = _("The pause must end on or after the day it starts.")
    elif (ends_on - starts_on).days + 1 > PAUSE_MAX_DAYS:
        errors["ends_on"] = _("A pause can last at most %(days)d days.") % {"days": PAUSE_MAX_DAYS}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # The peer's row is the lock that keeps two overlapping pauses from both passing.
        PeerWorker.objects.select_for_update().filter(pk=peer.pk).first()
        clash = (
            PeerPause.objects.current()
            .filter(peer=peer, starts_on__lte=ends_on, ends_on__gte=starts_on)
            .first()
        )
        if clash is not None:
            raise ValidationError(
                _(
                    "This overlaps the pause from %(start)s to %(end)s. "
                    "Change the dates or cancel that pause first."
                )
                % {"start": _day(clash.starts_on), "end": _day(clash.ends_on)},
                code="overlap",
            )
        pause = PeerPause.objects.create(
            peer=peer,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=reason.strip()[:200],
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        record_event(
            actor=actor,
            verb="peer.paused",
            obj=pause,
            data={
                "peer_id": peer.pk,
                "starts_on": starts_on.isoformat(),
                "ends_on": ends_on.isoformat(),
            },
        )
    return pause


def cancel_pause(*, actor: Any, pause: PeerPause) -> PeerPause:
    """The pause no longer applies, from now on."""
    with transaction.atomic():
        current = PeerPause.objects.select_for_update().get(pk=pause.pk)
        if current.cancelled_at is not None:
            raise ValidationError(_("The pause has already been cancelled."), code="cancelled")
        if current.ends_on < timezone.localdate():
            raise ValidationError(_("The pause is already over."), code="over")
        current.cancelled_at = timezone.now()
        current.cancelled_by = actor if getattr(actor, "is_authenticated", False) else None
        current.save(update_fields=["cancelled_at", "cancelled_by"])
        record_event(
            actor=actor, verb="peer.pause_cancelled", obj=current, data={"peer_id": current.peer_id}
        )
    return current


def plan_departure(
    *, actor: Any, peer: PeerWorker, last_day: datetime.date, note: str = ""
) -> PeerDeparture:
    """The peer leaves after `last_day`. From now on matching offers them no new courses;
    the departure is complete when every active course has been handed over."""
    if last_day <= peer.contract_start:
        raise ValidationError(
            {
                "last_day": _("The last working day must come after the contract start (%(day)s).")
                % {"day": _day(peer.contract_start)}
            }
        )
    with transaction.atomic():
        departure = PeerDeparture.objects.select_for_update().filter(peer=peer).first()
        if departure is not None and departure.is_completed:
            raise ValidationError(_("This peer has already left."), code="left")
        if departure is None:
            departure = PeerDeparture.objects.create(
                peer=peer,
                last_day=last_day,
                note=note.strip()[:200],
                planned_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            verb = "peer.departure_planned"
        else:
            departure.last_day, departure.note = last_day, note.strip()[:200]
            departure.save(update_fields=["last_day", "note"])
            verb = "peer.departure_changed"
        record_event(
            actor=actor,
            verb=verb,
            obj=departure,
            data={"peer_id": peer.pk, "last_day": last_day.isoformat()},
        )
    return departure


def cancel_departure(*, actor: Any, departure: PeerDeparture) -> None:
    """The peer stays after all (only before the handover is done)."""
    with transaction.atomic():
        current = PeerDeparture.objects.select_for_update().filter(pk=departure.pk).first()
        if current is None:
            return
        if current.is_completed:
            raise ValidationError(_("This peer has already left."), code="left")
        record_event(
            actor=actor,
            verb="peer.departure_cancelled",
            obj=current,
            data={"peer_id": current.peer_id, "last_day": current.last_day.isoformat()},
        )
        current.delete()


def handover_problems(
    *, leaving: PeerWorker, choices: dict[Any, PeerWorker], today: datetime.date
) -> list[str]:
    """Why any chosen new peer cannot take a course over; `choices` maps course -> peer."""
    from brobygger.referrals.models import Course

    new_ids = {p.pk for p in choices.values()}
    paused = dict(
        PeerPause.objects.on(today).filter(peer__in=new_ids).values_list("peer_id", "ends_on")
    )
    leaving_too = set(
        PeerDeparture.objects.filter(peer__in=new_ids).values_list("peer_id", flat=True)
    )
    together = set(
        Course.objects.active()
        .filter(peer__in=new_ids, person__in=[c.person_id for c in choices])
        .values_list("person_id", "peer_id")
    )
    problems = []
    for course, new in choices.items():
        why = ""
        if new.pk == leaving.pk:
            why = _("choose another peer than the one who leaves")
        elif new.kind not in ALLOWED_PEER_KINDS[course.person.kind]:
            why = _("%(peer)s is not the right kind of peer for this person") % {"peer": new.name}
        elif not new.user.is_active or new.pk in leaving_too:
            why = _("%(peer)s is leaving the programme") % {"peer": new.name}
        elif new.contract_start > today or (new.contract_end and new.contract_end < today):
            why = _("%(peer)s has no current contract") % {"peer": new.name}
        elif new.pk in paused:
            why = _("%(peer)s is on pause until %(day)s") % {
                "peer": new.name,
                "day": _day(paused[new.pk]),
            }
        elif (course.person_id, new.pk) in together:
            why = _("%(peer)s already has a course with this person") % {"peer": new.name}
        if why:
            problems.append(f"{course.person.full_name}: {why}")
    return problems


def complete_departure(
    *, actor: Any, departure: PeerDeparture, new_peers: dict[int, PeerWorker]
) -> list[Any]:
    """Hand every active course over and let the peer go, all in one transaction.

    `new_peers` maps course id -> new peer. Refused, with the persons named, while any
    active course would be left without a peer. Future conversations of those courses
    are cancelled so the new peer books their own. The contract ends on the last working
    day; the account is closed at once if that day is past, otherwise by the daily
    `close_departed_peers` job the day after (the peer may still work until then).
    """
    from brobygger.referrals import ending
    from brobygger.referrals import services as referral_services
    from brobygger.referrals.models import Course
    from brobygger.scheduling.models import Appointment, AppointmentStatus, CancelledBy

    today = timezone.localdate()
    with transaction.atomic():
        current = (
            PeerDeparture.objects.select_for_update()
            .select_related("peer__user")
            .filter(pk=departure.pk)
            .first()
        )
        if current is None:
            raise ValidationError(_("The departure was cancelled."), code="gone")
        if current.is_completed:
            raise ValidationError(_("This peer has already left."), code="left")
        peer = current.peer
        if current.last_day <= peer.contract_start:
            raise ValidationError(_("The last working day must come after the contract start."))
        courses = list(
            Course.objects.select_for_update()
            .filter(peer=peer, ended_on__isnull=True)
            .select_related("person")
            .order_by("person__given_name", "person__family_name", "pk")
        )
        missing = [c.person.full_name for c in courses if c.pk not in new_peers]
        if missing:
            raise ValidationError(
                _(
                    "The peer cannot leave while a course would be left without a peer. "
                    "Choose a new peer for: %(names)s."
                )
                % {"names": ", ".join(missing)},
                code="unassigned",
            )
        choices = {c: new_peers[c.pk] for c in courses}
        problems = handover_problems(leaving=peer, choices=choices, today=today)
        if problems:
            raise ValidationError(problems, code="unfit")
        reason = _("The peer has stopped. The new peer will book a new time.")
        future = Appointment.objects.filter(
            course__in=courses, peer=peer, status=AppointmentStatus.BOOKED
        ).filter(starts_at__gte=timezone.now())
        # The same ending as every other (referrals.ending); the handover's end_course
        # then finds nothing left to cancel.
        cancelled = len(
            ending.apply(
                actor=actor,
                ending=ending.Ending(appointments=list(future)),
                reason=reason,
                by=CancelledBy.COORDINATOR,
            ).appointments
        )
        moved = []
        for course, new in choices.items():
            successor = referral_services.hand_over_course(
                actor=actor, course=course, peer=new, handed_over_on=today
            )
            # Joins the handover page's one entry (a request), or is written now.
            shown(
                user=actor,
                action=AccessAction.CHANGE,
                purpose=Purpose.COORDINATION,
                person_id=course.person_id,
                obj=successor,
            )
            moved.append(successor)
        if peer.contract_end != current.last_day:
            peer.contract_end = current.last_day
            peer.save(update_fields=["contract_end"])
        closed = current.last_day < today and peer.user.is_active
        if closed:
            peer.user.is_active = False
            peer.user.save(update_fields=["is_active"])
        current.completed_at = timezone.now()
        current.completed_by = actor if getattr(actor, "is_authenticated", False) else None
        current.save(update_fields=["completed_at", "completed_by"])
        record_event(
            actor=actor,
            verb="peer.left",
            obj=current,
            data={
                "peer_id": peer.pk,
                "last_day": current.last_day.isoformat(),
                "courses": [[c.pk, s.pk, s.peer_id] for c, s in zip(courses, moved, strict=True)],
                "appointments_cancelled": cancelled,
                "account_closed": closed,
            },
        )
    return moved


def close_departed_peers(*, today: datetime.date | None = None) -> int:
    """Close the accounts of peers whose last working day has passed; idempotent."""
    today = today or timezone.localdate()
    due = list(
        PeerDeparture.objects.filter(
            completed_at__isnull=False, last_day__lt=today, peer__user__is_active=True
        ).select_related("peer__user")
    )
    closed = 0
    for departure in due:
        with transaction.atomic():
            # Claimed with a conditional UPDATE: two runs at once close each account once.
            if User.objects.filter(pk=departure.peer.user_id, is_active=True).update(
                is_active=False
            ):
                record_event(
                    actor=None,
                    verb="peer.account_closed",
                    obj=departure,
                    data={"peer_id": departure.peer_id},
                )
                closed += 1
    return closed
