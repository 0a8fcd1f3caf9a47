"""Helpers and limits shared by the group services."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from brobygger.agenda import services as agenda
from brobygger.agenda.models import Kind, Source, peer_party, person_party
from brobygger.lib.when import format_when
from brobygger.people.signals import announce_hours_change

from ..models import (
    GroupSession,
    RecoveryGroup,
)

MIN_SESSION_MINUTES, MAX_SESSION_MINUTES = 30, 240
MAX_WEEKS = 15
NOTE_WARNING = "note_details"
GROUP_FIELDS = ("title", "theme", "unit", "place", "capacity")


def _field_error(field: str, message: str, code: str) -> ValidationError:
    """An error on one form field that keeps its code (a dict of strings would drop it)."""
    return ValidationError({field: ValidationError(message, code=code)})


def _hhmm(moment: datetime.datetime) -> str:
    return format_when(moment, "time")


def _day(moment: datetime.datetime) -> str:
    return format_when(moment, "short")


# -- the group ------------------------------------------------------------------


def _check_open(group: RecoveryGroup) -> None:
    if group.closed_at is not None:
        raise ValidationError(_("The group has been closed."), code="closed")


# -- sessions ---------------------------------------------------------------------


def _check_months_open(pairs: Iterable[tuple[int, datetime.datetime]]) -> None:
    """A session that is not cancelled counts in the timesheet of each of its facilitators
    in the local month it starts (once it has ended), and an approved month is locked.

    `pairs` are (facilitator id, session start). One query for every peer and month at
    once; the timesheets app, above this one, words the refusal (people/signals.py).
    """
    wanted = set()
    for peer_id, starts_at in pairs:
        local = timezone.localtime(starts_at)
        wanted.add((peer_id, local.year, local.month))
    announce_hours_change(wanted)


def _session_facilitator_pairs(sessions: Iterable[int]) -> list[tuple[int, datetime.datetime]]:
    """(facilitator id, start) of each of the sessions' own facilitators: one query."""
    through = GroupSession.facilitators.through
    return list(
        through.objects.filter(groupsession_id__in=sessions).values_list(
            "peerworker_id", "groupsession__starts_at"
        )
    )


# -- the one agenda (agenda.services) ------------------------------------------------------


def _slots(
    sessions: Iterable[GroupSession],
    *,
    peer_ids: Iterable[int] = (),
    person_ids: Iterable[int] = (),
) -> list[agenda.Slot]:
    """Busy slots for the sessions: the facilitators run them, the participants take part."""
    peers, persons = list(peer_ids), list(person_ids)
    slots = []
    for session in sessions:
        label = session.group.title
        for party, kind in [
            *((peer_party(pk), Kind.GROUP_FACILITATOR) for pk in peers),
            *((person_party(pk), Kind.GROUP_PARTICIPANT) for pk in persons),
        ]:
            slots.append(
                agenda.Slot(
                    party,
                    session.starts_at,
                    session.ends_at,
                    kind,
                    Source.GROUP_SESSION,
                    session.pk,
                    label,
                )
            )
    return slots


def _release_sessions(session_ids: Iterable[int], **which: Any) -> int:
    return agenda.release(Source.GROUP_SESSION, session_ids, **which)
