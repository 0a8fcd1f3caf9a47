"""The one clash rule: occupy, move and release busy time, inside the caller's transaction.

Every path that makes a person or a peer busy (booking, moving and cancelling a
conversation; planning, handing over and cancelling group sessions; enrolling in and
leaving a group; booking and cancelling an interview; planning, moving and removing
supervision) calls these in its own transaction. The check here gives the clear
message; the database has the last word (PostgreSQL: the exclusion constraint, so of
two concurrent writers exactly one wins; SQLite: immediate write transactions, so the
second writer runs after the first has committed and sees its rows).

The losing path gets a ValidationError (code "double_booked") naming what it clashes
with: for staff their name, the time and the kind (and the group's name); for a person
only "the person", the time and the kind (never whom they see or which group).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from brobygger.lib.when import format_when
from brobygger.people.models import PeerWorker

from .models import EXCLUSION_CONSTRAINT, Busy, Kind, peer_party, user_party

CODE = "double_booked"


@dataclass(frozen=True)
class Slot:
    """One party busy in [starts_at, ends_at) because of one source row."""

    party: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    kind: str
    source: str
    source_id: int
    label: str = ""

    def row(self) -> Busy:
        return Busy(
            party=self.party,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            kind=self.kind,
            source=self.source,
            source_id=self.source_id,
            label=self.label[:150],
        )


def staff_parties(user_ids: Iterable[int]) -> dict[int, str]:
    """The party of each staff user: a peer worker is busy as the peer. One query."""
    ids = list(user_ids)
    peers = dict(PeerWorker.objects.filter(user_id__in=ids).values_list("user_id", "pk"))
    return {pk: peer_party(peers[pk]) if pk in peers else user_party(pk) for pk in ids}


def _who(party: str, names: Mapping[str, str] | None) -> str:
    if names and party in names:
        return names[party]
    kind, _sep, pk = party.partition(":")
    if kind == "person":
        return _("The person")
    if kind == "peer":
        peer = PeerWorker.objects.filter(pk=int(pk)).select_related("user").first()
        return peer.name if peer else _("A peer worker")
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=int(pk)).first()
    return user.display_name if user else _("A member of staff")


def clash_message(clash: Busy, *, names: Mapping[str, str] | None = None) -> str:
    """What the party is busy with then, in words safe to show whoever tried."""
    start, end = timezone.localtime(clash.starts_at), timezone.localtime(clash.ends_at)
    what = str(Kind(clash.kind).label)
    if clash.label and not clash.party.startswith("person:"):
        what = f"{what} ({clash.label})"
    return _("%(who)s is busy from %(start)s to %(end)s on %(day)s: %(what)s.") % {
        "who": _who(clash.party, names),
        "start": format_when(start, "time"),
        "end": format_when(end, "time"),
        "day": format_when(start, "short"),
        "what": what,
    }


def _raced() -> ValidationError:
    return ValidationError(
        _("Someone else booked that time a moment ago. Choose another time."), code=CODE
    )


def find_clash(slots: Iterable[Slot]) -> Busy | None:
    """The first busy row another source holds that overlaps one of `slots` (one query)."""
    which = Q()
    for slot in slots:
        which |= Q(party=slot.party, starts_at__lt=slot.ends_at, ends_at__gt=slot.starts_at) & ~Q(
            source=slot.source, source_id=slot.source_id
        )
    if not which:
        return None
    return Busy.objects.filter(which).order_by("starts_at", "pk").first()


def busy_minutes(party: str, start: datetime.datetime, end: datetime.datetime, *, kind: str) -> int:
    """Minutes `party` is busy with `kind` within [start, end), each row clipped to the
    range (one query): the group sessions a peer runs, for the week's contract hours."""
    rows = Busy.objects.filter(
        party=party, kind=kind, starts_at__lt=end, ends_at__gt=start
    ).values_list("starts_at", "ends_at")
    return sum(int((min(e, end) - max(s, start)).total_seconds() // 60) for s, e in rows)


def _write(action: object) -> None:
    """Run a write in a savepoint; the exclusion constraint's refusal becomes the message."""
    try:
        with transaction.atomic():
            action()  # type: ignore[operator]
    except IntegrityError as error:
        if EXCLUSION_CONSTRAINT in str(error):
            raise _raced() from error
        raise
    except OperationalError as error:
        # Two writers waiting on each other's busy rows: PostgreSQL ends one of them; the
        # savepoint is rolled back, so it loses like any other concurrent writer.
        if "deadlock detected" in str(error):
            raise _raced() from error
        raise


def occupy(slots: Iterable[Slot], *, names: Mapping[str, str] | None = None) -> list[Busy]:
    """Make each slot's party busy, or refuse them all with a clear message.

    Call inside the transaction that writes the source row. `names` (party → name)
    spares a query for the message; persons are never named.
    """
    wanted = list(slots)
    if not wanted:
        return []
    clash = find_clash(wanted)
    if clash is not None:
        raise ValidationError(clash_message(clash, names=names), code=CODE)
    rows = [slot.row() for slot in wanted]
    _write(lambda: Busy.objects.bulk_create(rows))
    return rows


def release(
    source: str,
    source_ids: Iterable[int],
    *,
    parties: Iterable[str] | None = None,
    kind: str | None = None,
) -> int:
    """Free what the source rows held (all their parties, or only `parties` / `kind`)."""
    rows = Busy.objects.filter(source=source, source_id__in=list(source_ids))
    if parties is not None:
        rows = rows.filter(party__in=list(parties))
    if kind is not None:
        rows = rows.filter(kind=kind)
    deleted, _by_model = rows.delete()
    return deleted


def move(
    source: str,
    source_id: int,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    *,
    names: Mapping[str, str] | None = None,
) -> int:
    """The source row moved: its parties are busy at the new time instead (or refused)."""
    rows = list(Busy.objects.filter(source=source, source_id=source_id))
    if not rows:
        return 0
    moved = [
        Slot(r.party, starts_at, ends_at, r.kind, r.source, r.source_id, r.label) for r in rows
    ]
    clash = find_clash(moved)
    if clash is not None:
        raise ValidationError(clash_message(clash, names=names), code=CODE)
    _write(
        lambda: Busy.objects.filter(source=source, source_id=source_id).update(
            starts_at=starts_at, ends_at=ends_at
        )
    )
    return len(rows)


def transfer(old_party: str, new_party: str) -> int:
    """Hand every busy row of `old_party` to `new_party`: two records of one person merged.

    A coming row that overlaps one the new party already holds is refused with the
    clash message (the coordinator cancels or moves one first). A past row that overlaps
    is dropped: it protects nothing any more, and the record it points at stays.
    Returns how many rows were handed over.
    """
    now = timezone.now()
    mine = list(Busy.objects.select_for_update().filter(party=old_party).order_by("starts_at"))
    if not mine:
        return 0
    theirs = list(
        Busy.objects.filter(
            party=new_party, ends_at__gt=mine[0].starts_at, starts_at__lt=mine[-1].ends_at
        )
    )
    dropped: list[int] = []
    for row in mine:
        clash = next(
            (t for t in theirs if t.starts_at < row.ends_at and t.ends_at > row.starts_at), None
        )
        if clash is None:
            continue
        if row.ends_at > now:
            raise ValidationError(clash_message(clash), code=CODE)
        dropped.append(row.pk)
    Busy.objects.filter(pk__in=dropped).delete()
    kept = [row.pk for row in mine if row.pk not in dropped]
    _write(lambda: Busy.objects.filter(pk__in=kept).update(party=new_party))
    return len(kept)
