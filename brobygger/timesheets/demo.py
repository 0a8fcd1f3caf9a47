"""A year of timesheets for the demo peers: indirect work, earlier months approved, last
month confirmed and waiting for the coordinator, this month a draft.

Built in bulk for speed, with the same source counting and snapshot fields as the
services; run it after everything else that makes hours (conversations, groups,
supervision, education, interviews), so the snapshots include them.
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.utils import timezone

from brobygger.lib.dates import TZ
from brobygger.lib.rows import insert_rows
from brobygger.people.models import PeerWorker

from . import hours, months, selectors, sources
from .models import SOURCES, IndirectCategory, IndirectEntry, Timesheet, TimesheetState

DESCRIPTIONS = {
    IndirectCategory.PREPARATION: [
        "Forberedelse af gruppesession",
        "Dokumentation efter dagens samtaler",
        "Forberedte samtaler til næste uge",
        "Gennemgik udskrivningsguiden før samtaler",
    ],
    IndirectCategory.TRAVEL: [
        "Kørsel mellem afsnittene",
        "Transport til kommunen som følgeskab",
        "Kørsel til distriktspsykiatrien",
    ],
    IndirectCategory.MEETINGS: [
        "Teammøde",
        "Møde med afsnittets personale",
        "Netværksmøde for peer-medarbejdere",
        "Personalemøde",
    ],
    IndirectCategory.OTHER: [
        "Temadag om recovery",
        "Kursus i samtaleteknik",
        "Introduktion af ny kollega",
        "Faglig læsning om pårørende",
    ],
}
# Notes, coordination and meetings weigh 15-60 % of the direct work (conversations and
# groups) and travel 4-8 %: in a month of a programme about 50-65 % of a peer's hours
# are direct, 15-30 % indirect, and supervision, education and some transport the rest.
# Within that the month fills up to the peer's contract (issue 19): a lighter caseload
# leaves more time for preparation, outreach on the wards and development, a heavy one
# only for the notes and the team meeting.
DESK_SHARE = (0.15, 0.6)
TRAVEL_SHARE = (0.04, 0.08)
DESK = [
    IndirectCategory.PREPARATION,
    IndirectCategory.MEETINGS,
    IndirectCategory.OTHER,
]
# rng.choices(weights=...) sums the weights on every call; given summed, it draws the same.
DESK_WEIGHTS = list(itertools.accumulate([5, 3, 1]))
MONTHS_BACK = 12
MEETINGS_A_MONTH = 90


def _moment(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour)).replace(tzinfo=TZ)


def _target(rng: Any, low: int, high: int) -> int:
    """Most months land inside the contract band; a few a little under (a week of
    sickness not reported as such). The others outside it are the caseload's: a new
    starter's first months, a busy peer's many new persons, a course of education."""
    if rng.random() < 0.05:
        return int(low * rng.uniform(0.85, 0.97))
    # Away from the edges, so a month aimed inside stays there when its entries round.
    return int(rng.uniform(low + 0.1 * (high - low), high - 0.1 * (high - low)))


def _split(rng: Any, total: int, sizes: list[int]) -> list[int]:
    """`total` minutes as entries of the usual sizes (the last one the remainder)."""
    parts: list[int] = []
    while total >= 15:
        minutes = min(rng.choice(sizes), total)
        parts.append(minutes)
        total -= minutes
    return parts


def _entries(
    rng: Any,
    sheet: Timesheet,
    user_id: int,
    days: list[datetime.date],
    *,
    direct: int,
    gap: int,
) -> list[IndirectEntry]:
    """A month's indirect work: travel to the in-person conversations, and the notes,
    preparation and meetings the direct work brings, towards the contract (`gap` minutes
    short of it) but never out of proportion to the direct work."""
    travel = int(direct * rng.uniform(*TRAVEL_SHARE))
    low, high = (int(direct * share) for share in DESK_SHARE)
    # A team meeting or two a month, whatever the caseload.
    desk = max(low, min(high, gap - travel), MEETINGS_A_MONTH)
    rows = [(IndirectCategory.TRAVEL, m) for m in _split(rng, travel, [30, 45, 60])]
    rows += [
        (rng.choices(DESK, cum_weights=DESK_WEIGHTS)[0], m)
        for m in _split(rng, desk, [30, 45, 60, 90, 120])
    ]
    return [
        IndirectEntry(
            timesheet=sheet,
            date=rng.choice(days),
            minutes=minutes,
            category=category,
            description=rng.choice(DESCRIPTIONS[category]),
            created_by_id=user_id,
        )
        for category, minutes in rows
    ]


def build_demo(builder: Any) -> None:
    rng = builder.rng
    today: datetime.date = builder.today
    now = timezone.now()
    this = (today.year, today.month)
    last = months.add_months(*this, -1)
    peers = list(builder.peers)
    # The months are chosen by the contract the builder made the peer with; the hours by
    # the peer as it is now (a contract may have ended since: people.demo_workforce).
    current = {peer.pk: peer for peer in PeerWorker.objects.filter(pk__in=[p.pk for p in peers])}
    sheets: list[Timesheet] = []
    for peer in peers:
        for back in range(MONTHS_BACK - 1, -1, -1):
            year, month = months.add_months(*this, -back)
            first, final = months.first_day(year, month), months.last_day(year, month)
            if peer.contract_start > final or (peer.contract_end and peer.contract_end < first):
                continue
            sheets.append(Timesheet(peer=current[peer.pk], year=year, month=month))
    by_month: dict[tuple[int, int], list[Timesheet]] = {}
    for sheet in sheets:
        by_month.setdefault((sheet.year, sheet.month), []).append(sheet)

    entries: list[IndirectEntry] = []
    for (year, month), group in sorted(by_month.items()):
        # Everything but indirect work, counted the way the services count it.
        live = sources.live_totals({s.peer_id: s.peer.user_id for s in group}, year, month)
        following = months.first_day(*months.add_months(year, month, 1))
        month_days = [d for d in months.days(year, month) if d.weekday() < 5 and d <= today]
        # The norm every page measures against: absences (scheduling's demo) taken off.
        bands = hours.norms(
            {s.peer_id: selectors.contract_of(s.peer) for s in group},
            months.first_day(year, month),
            months.last_day(year, month),
        )
        for sheet in group:
            peer = sheet.peer
            band = bands[peer.pk]
            working = band.working_days - band.absent_days
            low, high = band.contract_min, band.contract_max
            days = [
                d
                for d in month_days
                if d >= peer.contract_start
                and (peer.contract_end is None or d <= peer.contract_end)
            ]
            if not days:
                continue
            target = _target(rng, low, high)
            if (year, month) == this:  # the month so far
                target = target * len(days) // max(working, 1)
            counted = sum(live[peer.pk].values())
            direct = live[peer.pk]["conversations"] + live[peer.pk]["groups"]
            month_entries = _entries(
                rng, sheet, peer.user_id, days, direct=direct, gap=target - counted
            )
            entries.extend(month_entries)
            if (year, month) == this:
                continue
            for source in SOURCES:
                setattr(sheet, f"{source}_minutes", live[peer.pk][source])
            travel = [e for e in month_entries if e.category == IndirectCategory.TRAVEL]
            sheet.transport_minutes = sum(e.minutes for e in travel)
            sheet.indirect_minutes = sum(e.minutes for e in month_entries) - sheet.transport_minutes
            sheet.contract_min_minutes, sheet.contract_max_minutes = low, high
            confirmed = _moment(following + datetime.timedelta(days=rng.randint(0, 2)), 15)
            sheet.confirmed_at = min(confirmed, now)
            sheet.confirmed_by_id = peer.user_id
            if (year, month) == last:
                sheet.state = TimesheetState.CONFIRMED
            else:
                sheet.state = TimesheetState.APPROVED
                approved = confirmed + datetime.timedelta(days=rng.randint(1, 5), hours=-5)
                sheet.approved_at = min(approved, now)
                sheet.approved_by = builder.coordinator
    # Written once complete (in the order the peers' months were listed), then the entries.
    insert_rows(sheets)
    insert_rows(entries)
