"""What an app below tells the apps above it about a peer: their hours are about to change.

Conversations (scheduling, conversations), group sessions (groups), interview panels
(recruitment), supervision and education (workforce) count in a peer's timesheet, and the
timesheets app sits above them all, since it reads their hours. So they do not ask it:
they announce the change inside the transaction that makes it, and timesheets refuses a
change in an approved month (issue 17 item 4) by raising the ValidationError it words
(`timesheets.services.refuse_in_approved_months`, connected in timesheets/apps.py).

The one signal the apps send each other, and it only says no: nothing is done on it
(STYLE: don't drive workflows through signals).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.dispatch import Signal

from .models import PeerWorker

# months: frozenset of (peer id, year, month).
hours_changing = Signal()


def announce_hours_change(months: Iterable[tuple[int, int, int]]) -> None:
    """Tell the apps above that the peers' hours in these (peer id, year, month) are about
    to change; one of them may refuse with a ValidationError. Call it inside the change's
    transaction: the refusal's check locks the month's timesheet until it commits."""
    wanted = frozenset(months)
    if wanted:
        hours_changing.send(sender=PeerWorker, months=wanted)


def announce_day_change(*, peer_id: int, day: datetime.date) -> None:
    """`announce_hours_change` for one peer's one day."""
    announce_hours_change([(peer_id, day.year, day.month)])
