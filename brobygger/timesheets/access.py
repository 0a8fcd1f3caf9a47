"""Who may see which timesheet. Fetchers 404; a coordinator's reads are access-logged.

A peer sees only their own months. A coordinator sees the peers of their own units; a
peer of another unit is a 404, so nobody learns who works elsewhere. Hours and pay are
personal data about staff: every coordinator read and every payroll file is logged,
with the purpose "administration" (staff administration, not peer support).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from brobygger.accounts.models import Role
from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction, Purpose
from brobygger.people.models import PeerWorker

from . import months, selectors
from .models import IndirectEntry, Timesheet

PURPOSE = Purpose.ADMINISTRATION


def check_month(year: int, month: int) -> None:
    if not months.is_valid(year, month):
        raise Http404


def own_peer(user: Any) -> PeerWorker:
    """The signed-in peer's own profile; a peer account without one sees 404."""
    peer = PeerWorker.objects.select_related("user").filter(user=user).first()
    if peer is None:
        raise Http404
    return peer


def get_entry_for(user: Any, pk: int) -> IndirectEntry:
    """An indirect-work entry of the signed-in peer's own; anyone else's is a 404."""
    entry = (
        IndirectEntry.objects.filter(pk=pk, timesheet__peer__user=user)
        .select_related("timesheet__peer__user")
        .first()
    )
    if entry is None:
        raise Http404
    return entry


def get_peer_for(user: Any, pk: int, *, year: int, month: int, action: str) -> PeerWorker:
    """A peer in one of the coordinator's units; logged as a use of the peer's data."""
    if getattr(user, "role", None) != Role.COORDINATOR:
        raise Http404
    peer = PeerWorker.objects.visible_to(user).filter(pk=pk).select_related("user").first()
    if peer is None:
        raise Http404
    shown(
        user=user,
        action=action,
        purpose=PURPOSE,
        criterion=f"timesheet:{peer.pk}:{year}-{month:02d}",
        obj=peer,
    )
    return peer


def get_timesheet(peer: PeerWorker, year: int, month: int) -> Timesheet:
    """The month's timesheet for a state change; a month nobody has touched has none."""
    sheet = Timesheet.objects.filter(peer=peer, year=year, month=month).first()
    if sheet is None:
        raise Http404
    return sheet


def month_overview(
    user: Any,
    year: int,
    month: int,
    *,
    unit_id: int | None,
    export: bool = False,
    state: str = "",
    page_number: Any = None,
) -> dict[str, Any]:
    """The month of every peer in the coordinator's units (or one unit): one entry for the
    page (one page of lines, of one state if chosen), or for the payroll file made from
    it (every line)."""
    if getattr(user, "role", None) != Role.COORDINATOR:
        raise Http404
    if export:
        data = selectors.month_overview(user, year, month, unit_id=unit_id)
    else:
        data = selectors.month_overview_page(
            user, year, month, unit_id=unit_id, state=state, page_number=page_number
        )
    what = "payroll" if export else "overview"
    shown(
        user=user,
        action=AccessAction.EXPORT if export else AccessAction.SEARCH,
        purpose=PURPOSE,
        criterion=f"timesheets:{what}:{year}-{month:02d}:unit={unit_id or 'all'}",
    )
    return data
