"""The coordinator's workforce overview: one row per peer, the flags and their counts.

In the desk, the app above, because it reads from workforce, onboarding and timesheets,
and timesheets reads the workforce app's selectors (supervision and education minutes).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils import timezone

from brobygger.accounts.models import Unit
from brobygger.lib.paging import page_of
from brobygger.onboarding.selectors import OnboardingStatus, onboarding_status
from brobygger.people.models import EducationStatus, PeerWorker
from brobygger.timesheets.models import TimesheetState
from brobygger.timesheets.selectors import MonthSummary, month_summary
from brobygger.workforce.models import EducationRecord
from brobygger.workforce.selectors import SupervisionStatus, next_education, supervision_status

CONTRACT_WARNING_DAYS = 60
FLAGS = ("contract", "education", "overdue", "no_group", "onboarding")


@dataclass
class OverviewRow:
    peer: PeerWorker
    contract_days_left: int | None
    education_next: EducationRecord | None
    supervision: SupervisionStatus
    onboarding: OnboardingStatus | None
    month: MonthSummary | None
    flags: list[str]

    @property
    def contract_ending(self) -> bool:
        return "contract" in self.flags

    @property
    def month_state(self) -> str:
        return "" if self.month is None else str(TimesheetState(self.month.state).label)


def _flags(
    peer: PeerWorker,
    *,
    days_left: int | None,
    supervision: SupervisionStatus,
    onboarding: OnboardingStatus | None,
) -> list[str]:
    flags = []
    if days_left is not None and days_left <= CONTRACT_WARNING_DAYS:
        flags.append("contract")
    if peer.education_status != EducationStatus.COMPLETED:
        flags.append("education")
    if supervision.overdue:
        flags.append("overdue")
    if not supervision.in_group:
        flags.append("no_group")
    if onboarding is not None and onboarding.overdue:
        flags.append("onboarding")
    return flags


def overview(
    peers: QuerySet[PeerWorker],
    *,
    unit: Any = None,
    kind: str = "",
    flags_only: bool = False,
    page_number: Any = None,
    today: datetime.date | None = None,
) -> dict[str, Any]:
    """One page of rows (a row per active peer) and the counts of each flag, in a fixed
    number of queries.

    Flags: the contract ends within CONTRACT_WARNING_DAYS (or has ended); no completed
    peer education; supervision overdue; in no supervision group; onboarding tasks
    overdue. The counts are over the unit and kind chosen, before "only peers with a
    flag" narrows the rows. Hours are this month's so far, from the timesheets, read for
    the page's peers only: the month's sums are the dearest part (issue 19: about 1,400
    peers at scale 100), and no count needs them.
    """
    today = today or timezone.localdate()
    peers = peers.filter(user__is_active=True)
    if unit is not None:
        peers = peers.filter(units=unit)
    if kind:
        peers = peers.filter(kind=kind)
    listed = list(
        peers.select_related("user")
        .only(
            "kind",
            "hours_min",
            "hours_max",
            "contract_start",
            "contract_end",
            "education_status",
            "user__first_name",
            "user__last_name",
            "user__username",
        )
        .order_by("user__first_name", "user__last_name", "pk")
    )
    ids = [p.pk for p in listed]
    supervision = supervision_status(listed, today=today)
    upcoming = next_education(ids)
    onboarding = onboarding_status(ids) if ids else {}
    counts = dict.fromkeys((*FLAGS, "unplanned"), 0)
    rows: list[OverviewRow] = []
    for peer in listed:
        days_left = (peer.contract_end - today).days if peer.contract_end else None
        flags = _flags(
            peer,
            days_left=days_left,
            supervision=supervision[peer.pk],
            onboarding=onboarding.get(peer.pk),
        )
        for flag in flags:
            counts[flag] += 1
        if "education" in flags and peer.pk not in upcoming:
            counts["unplanned"] += 1
        rows.append(
            OverviewRow(
                peer=peer,
                contract_days_left=days_left,
                education_next=upcoming.get(peer.pk),
                supervision=supervision[peer.pk],
                onboarding=onboarding.get(peer.pk),
                month=None,
                flags=flags,
            )
        )
    counts["peers"] = len(rows)
    counts["flagged"] = sum(1 for r in rows if r.flags)
    if flags_only:
        rows = [r for r in rows if r.flags]
    page = page_of(rows, page_number)
    shown = list(page.object_list)
    shown_peers = [r.peer for r in shown]
    prefetch_related_objects(
        shown_peers, Prefetch("units", queryset=Unit.objects.only("name").order_by("name"))
    )
    if shown:
        months = month_summary([p.pk for p in shown_peers], today.year, today.month)
        for row in shown:
            row.month = months.get(row.peer.pk)
    return {"page": page, "rows": shown, "counts": counts, "today": today}
