"""What scheduling tells the apps above it: a conversation is about to take a peer's and a
person's time.

A conversation may not overlap a recovery group session the person takes part in or the
peer runs (groups), nor an interview panel the peer sits on (recruitment). Those apps sit
above scheduling (they book peers through its availability check), so scheduling does not
ask them: it announces the booking inside `_guarded_save`, before the save, and each
refuses a clash by raising the ValidationError it words (connected in their apps.py, so
in INSTALLED_APPS order: groups, then recruitment). The one agenda (agenda.services)
still has the last word on every clash; these are the friendly messages.

Like people.signals, it only says no: nothing is done on it (STYLE: don't drive
workflows through signals).
"""

from __future__ import annotations

import datetime

from django.dispatch import Signal

from .models import Appointment

# peer_id, person_id, starts_at, ends_at.
conversation_booking = Signal()


def announce_booking(
    *, peer_id: int, person_id: int, starts_at: datetime.datetime, ends_at: datetime.datetime
) -> None:
    """Tell the apps above that a conversation is about to be booked; one may refuse."""
    conversation_booking.send(
        sender=Appointment,
        peer_id=peer_id,
        person_id=person_id,
        starts_at=starts_at,
        ends_at=ends_at,
    )
