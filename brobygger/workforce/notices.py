"""Notifications about the peer workforce: contracts ending, supervision due.

Peers are named by a reference ("M-7", medarbejder) only, like everyone else in a
notification: the link leads to the peer's page, where the coordinator sees the name.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from brobygger.accounts.models import User
from brobygger.notifications.models import NotificationKind
from brobygger.notifications.selectors import coordinators_by_unit
from brobygger.notifications.services import notify
from brobygger.people.models import PeerWorker
from brobygger.people.workforce_services import full_day

from .selectors import SupervisionStatus, supervision_status


def reference(peer: PeerWorker) -> str:
    """A peer's reference in notification texts: "M-7" (medarbejder)."""
    return f"M-{peer.pk}"


def _coordinators(peers: list[PeerWorker]) -> dict[int, list[User]]:
    """The active coordinators of each peer's units (two queries for all peers)."""
    units = {peer.pk: [unit.pk for unit in peer.units.all()] for peer in peers}
    by_unit = coordinators_by_unit(pk for ids in units.values() for pk in ids)
    found: dict[int, list[User]] = {}
    for peer_pk, unit_ids in units.items():
        seen: dict[int, User] = {}
        for unit_id in unit_ids:
            for user in by_unit.get(unit_id, []):
                seen[user.pk] = user
        found[peer_pk] = list(seen.values())
    return found


def notify_contracts(*, today: datetime.date | None = None) -> int:
    """Tell the coordinators of each active peer whose contract ends within
    NOTIFY_CONTRACT_END_DAYS days; once per contract end. How many were made."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=settings.NOTIFY_CONTRACT_END_DAYS)
    peers = list(
        PeerWorker.objects.active()
        .filter(contract_end__gte=today, contract_end__lte=horizon)
        .prefetch_related("units")
        .order_by("pk")
    )
    coordinators = _coordinators(peers)
    made = 0
    for peer in peers:
        assert peer.contract_end is not None
        made += len(
            notify(
                kind=NotificationKind.CONTRACT_DUE,
                recipients=coordinators[peer.pk],
                title=format_lazy(
                    gettext_lazy("The contract of peer {ref} ends on {day}"),
                    ref=reference(peer),
                    day=lazy(full_day, str)(peer.contract_end),
                ),
                link=reverse("people:peer_detail", args=[peer.pk]),
                dedupe_key=f"contract-due:{peer.pk}:{peer.contract_end.isoformat()}",
            )
        )
    return made


def supervision_due_on(
    peer: PeerWorker, status: SupervisionStatus | None, *, weeks: int
) -> datetime.date | None:
    """When the peer's next supervision is due: the group's target (workforce), or for a
    peer in no group, `weeks` after the last session attended (or the contract's start)."""
    due_on = status.due_on if status is not None else None
    if due_on is not None:
        return due_on
    since = (status.last_attended if status is not None else None) or peer.contract_start
    return since + datetime.timedelta(weeks=weeks)


def notify_supervision(*, today: datetime.date | None = None) -> int:
    """Tell each active peer whose supervision is overdue, and their coordinators; once
    per due date. How many notifications were made."""
    today = today or timezone.localdate()
    peers = list(
        PeerWorker.objects.active()
        .filter(contract_start__lte=today)
        .exclude(contract_end__lt=today)
        .select_related("user")
        .prefetch_related("units")
        .order_by("pk")
    )
    statuses = supervision_status(peers, today=today)
    coordinators = _coordinators(peers)
    weeks = settings.NOTIFY_SUPERVISION_WEEKS
    made = 0
    for peer in peers:
        due_on = supervision_due_on(peer, statuses.get(peer.pk), weeks=weeks)
        if due_on is None or today <= due_on:
            continue
        key = f"supervision-due:{peer.pk}:{due_on.isoformat()}"
        made += len(
            notify(
                kind=NotificationKind.SUPERVISION_DUE,
                recipients=[peer.user],
                title=gettext_lazy("Your supervision is due"),
                link=reverse("workforce:my_supervision"),
                dedupe_key=key,
            )
        )
        made += len(
            notify(
                kind=NotificationKind.SUPERVISION_DUE,
                recipients=coordinators[peer.pk],
                title=format_lazy(
                    gettext_lazy("Supervision is due for peer {ref}"), ref=reference(peer)
                ),
                link=reverse("workforce:peer_supervision", args=[peer.pk]),
                dedupe_key=key,
            )
        )
    return made
