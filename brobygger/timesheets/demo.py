"""A year of timesheets for the demo peers: indirect work, earlier months approved, last
month confirmed and waiting for the coordinator, this month a draft.

Built in bulk for speed, with the same source counting and snapshot fields as the
services; run it after everything else that makes hours (conversations, groups,
supervision, education, interviews), so the snapshots include them.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from brobygger.lib.dates import TZ

from . import months, sources
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
CATEGORY_WEIGHTS = [5, 2, 3, 1]
MONTHS_BACK = 12


def _moment(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour)).replace(tzinfo=TZ)


def _target(rng: Any, low: int, high: int) -> int:
    """Most months land inside the contract band; some a little under or over."""
    roll = rng.random()
    if roll < 0.15:
        return int(low * rng.uniform(0.8, 0.97))
    if roll < 0.25:
        return int(high * rng.uniform(1.02, 1.1))
    return int(rng.uniform(low, high))


def _entries(
    rng: Any, sheet: Timesheet, days: list[datetime.date], gap: int
) -> list[IndirectEntry]:
    """Indirect work for one month: a few small entries, then enough to fill the gap."""
    entries: list[IndirectEntry] = []
    remaining = max(gap, 0)
    count = 0
    while count < 2 or (remaining > 0 and count < 40):
        category = rng.choices(list(DESCRIPTIONS), weights=CATEGORY_WEIGHTS)[0]
        minutes = rng.choice([15, 30, 45, 60, 90, 120, 150, 180])
        if count >= 2:
            minutes = max(15, min(minutes, remaining))
            remaining -= minutes
        entries.append(
            IndirectEntry(
                timesheet=sheet,
                date=rng.choice(days),
                minutes=minutes,
                category=category,
                description=rng.choice(DESCRIPTIONS[category]),
                created_by=sheet.peer.user,
            )
        )
        count += 1
    return entries


def build_demo(builder: Any) -> None:
    rng = builder.rng
    today: datetime.date = builder.today
    now = timezone.now()
    this = (today.year, today.month)
    last = months.add_months(*this, -1)
    peers = list(builder.peers)
    sheets: list[Timesheet] = []
    for peer in peers:
        for back in range(MONTHS_BACK - 1, -1, -1):
            year, month = months.add_months(*this, -back)
            first, final = months.first_day(year, month), months.last_day(year, month)
            if peer.contract_start > final or (peer.contract_end and peer.contract_end < first):
                continue
            sheets.append(Timesheet(peer=peer, year=year, month=month))
    Timesheet.objects.bulk_create(sheets)
    by_month: dict[tuple[int, int], list[Timesheet]] = {}
    for sheet in Timesheet.objects.filter(peer__in=peers).select_related("peer__user"):
        by_month.setdefault((sheet.year, sheet.month), []).append(sheet)

    entries: list[IndirectEntry] = []
    changed: list[Timesheet] = []
    for (year, month), group in sorted(by_month.items()):
        # Everything but indirect work, counted the way the services count it.
        live = sources.live_totals({s.peer_id: s.peer.user_id for s in group}, year, month)
        following = months.first_day(*months.add_months(year, month, 1))
        for sheet in group:
            peer = sheet.peer
            working = months.working_days(
                year, month, contract_start=peer.contract_start, contract_end=peer.contract_end
            )
            low = months.contract_minutes(peer.hours_min, working)
            high = months.contract_minutes(peer.hours_max, working)
            days = [
                d
                for d in months.days(year, month)
                if d.weekday() < 5
                and d <= today
                and d >= peer.contract_start
                and (peer.contract_end is None or d <= peer.contract_end)
            ]
            if not days:
                continue
            target = _target(rng, low, high)
            if (year, month) == this:  # the month so far
                target = target * len(days) // max(working, 1)
            counted = sum(live[peer.pk].values())
            month_entries = _entries(rng, sheet, days, target - counted)
            entries.extend(month_entries)
            if (year, month) == this:
                continue
            for source in SOURCES:
                setattr(sheet, f"{source}_minutes", live[peer.pk][source])
            sheet.indirect_minutes = sum(e.minutes for e in month_entries)
            sheet.contract_min_minutes, sheet.contract_max_minutes = low, high
            confirmed = _moment(following + datetime.timedelta(days=rng.randint(0, 2)), 15)
            sheet.confirmed_at = min(confirmed, now)
            sheet.confirmed_by = peer.user
            if (year, month) == last:
                sheet.state = TimesheetState.CONFIRMED
            else:
                sheet.state = TimesheetState.APPROVED
                approved = confirmed + datetime.timedelta(days=rng.randint(1, 5), hours=-5)
                sheet.approved_at = min(approved, now)
                sheet.approved_by = builder.coordinator
            changed.append(sheet)
    IndirectEntry.objects.bulk_create(entries, batch_size=1000)
    Timesheet.objects.bulk_update(
        changed,
        [
            *(f"{source}_minutes" for source in SOURCES),
            "contract_min_minutes",
            "contract_max_minutes",
            "confirmed_at",
            "confirmed_by",
            "approved_at",
            "approved_by",
            "state",
        ],
        batch_size=500,
    )
