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
from django.utils.translation import gettext as _

from brobygger.accounts.models import User
from brobygger.audit.services import record_event
from brobygger.lib.when import day_words, format_when

from .models import PeerDeparture, PeerPause, PeerWorker

# A pause is a break from new courses, not leave: longer absences are a contract matter.
PAUSE_MAX_DAYS = 183


def full_day(day: datetime.date) -> str:
    """A day in words, always with the year (pauses, contracts)."""
    return format_when(day, "date")


def check_open_for_new_courses(peer: PeerWorker) -> None:
    """A peer on pause or leaving the programme takes no new courses."""
    pause = PeerPause.objects.on(timezone.localdate()).filter(peer=peer).first()
    if pause is not None:
        raise ValidationError(
            _("%(peer)s is on pause from new courses until %(day)s.")
            % {"peer": peer.name, "day": day_words(pause.ends_on)},
            code="paused",
        )
    if PeerDeparture.objects.filter(peer=peer).exists():
        raise ValidationError(
            _("%(peer)s is leaving the programme.") % {"peer": peer.name}, code="leaving"
        )


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
                % {"start": full_day(clash.starts_on), "end": full_day(clash.ends_on)},
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
                % {"day": full_day(peer.contract_start)}
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
