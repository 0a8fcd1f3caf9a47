"""Reads for the timesheet pages and for other apps. Constant query counts."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import FilteredRelation, Q, QuerySet
from django.utils import timezone

from brobygger.lib.dates import week_start
from brobygger.lib.paging import page_of
from brobygger.people.models import PeerWorker

from . import hours, months, sources
from .models import SOURCES, IndirectEntry, Timesheet, TimesheetState

SNAPSHOT_FIELDS = tuple(f"{source}_minutes" for source in SOURCES)


@dataclass(frozen=True)
class MonthSummary:
    """A peer's month in four numbers (for the workforce overview and others).

    Confirmed and approved months give the snapshot taken at confirmation; a draft (or a
    month nobody has touched, state "draft") gives the live figures.
    """

    state: str
    minutes_total: int
    minutes_contract_min: int
    minutes_contract_max: int
    # A draft of the month still running: the band of its working days so far (hours.norms).
    so_far: hours.Norm | None = None
    working_days: int = 0

    @property
    def under(self) -> bool:
        low = self.so_far.contract_min if self.so_far else self.minutes_contract_min
        return self.minutes_total < low

    @property
    def over(self) -> bool:
        high = self.so_far.contract_max if self.so_far else self.minutes_contract_max
        return self.minutes_total > high


@dataclass
class MonthFigures:
    """Everything a page says about one peer's month."""

    peer_id: int
    state: str
    minutes: dict[str, int]
    contract_min: int
    contract_max: int
    working_days: int
    from_snapshot: bool
    timesheet_id: int | None = None
    # Working days away and the minutes that took off the band (timesheets.hours.norms).
    absent_days: int = 0
    absence_min: int = 0
    absence_max: int = 0
    # A draft of the month still running is judged against the band of its working days
    # up to and including today, as the dashboard judges its period (timesheets.hours).
    so_far: hours.Norm | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.minutes.values())

    @property
    def kinds(self) -> dict[str, int]:
        """Minutes per kind of hours (see timesheets.hours), as every page shows them."""
        return hours.by_kind(self.minutes)

    @property
    def under(self) -> bool:
        return self.total < (self.so_far.contract_min if self.so_far else self.contract_min)

    @property
    def over(self) -> bool:
        return self.total > (self.so_far.contract_max if self.so_far else self.contract_max)

    def summary(self) -> MonthSummary:
        return MonthSummary(
            self.state,
            self.total,
            self.contract_min,
            self.contract_max,
            self.so_far,
            self.working_days,
        )


def _with_sheet(peers: QuerySet[PeerWorker], year: int, month: int, *extra: str) -> QuerySet[Any]:
    """The peers as dicts, each with its timesheet of the month (if any) in one join."""
    sheet_fields = [f"sheet__{name}" for name in SNAPSHOT_FIELDS]
    return peers.annotate(
        sheet=FilteredRelation(
            "timesheets", condition=Q(timesheets__year=year, timesheets__month=month)
        )
    ).values(
        "pk",
        "user_id",
        "hours_min",
        "hours_max",
        "contract_start",
        "contract_end",
        "sheet__id",
        "sheet__state",
        "sheet__contract_min_minutes",
        "sheet__contract_max_minutes",
        *sheet_fields,
        *extra,
    )


def _figures(rows: list[dict[str, Any]], year: int, month: int) -> dict[int, MonthFigures]:
    """Snapshot figures where the month is confirmed or approved; live ones otherwise."""
    drafts = {
        row["pk"]: row["user_id"]
        for row in rows
        if row["sheet__state"] in (None, TimesheetState.DRAFT)
    }
    live = sources.live_totals(drafts, year, month) if drafts else {}
    result: dict[int, MonthFigures] = {}
    first, last = months.first_day(year, month), months.last_day(year, month)
    contracts = {
        row["pk"]: hours.Contract(
            row["hours_min"], row["hours_max"], row["contract_start"], row["contract_end"]
        )
        for row in rows
    }
    # A confirmed month keeps the band of its snapshot (absences taken off then); its days
    # away are read as on the peer's month page (month_page), so both say the same.
    bands = hours.norms(contracts, first, last, today=timezone.localdate())
    for row in rows:
        band = bands[row["pk"]]
        days = band.working_days
        if row["pk"] in drafts:
            result[row["pk"]] = MonthFigures(
                peer_id=row["pk"],
                state=TimesheetState.DRAFT.value,
                minutes=live[row["pk"]],
                contract_min=band.contract_min,
                contract_max=band.contract_max,
                working_days=days,
                from_snapshot=False,
                timesheet_id=row["sheet__id"],
                absent_days=band.absent_days,
                absence_min=band.absence_min,
                absence_max=band.absence_max,
                so_far=band.so_far,
            )
        else:
            result[row["pk"]] = MonthFigures(
                peer_id=row["pk"],
                state=row["sheet__state"],
                minutes={s: int(row[f"sheet__{s}_minutes"] or 0) for s in SOURCES},
                contract_min=int(row["sheet__contract_min_minutes"] or 0),
                contract_max=int(row["sheet__contract_max_minutes"] or 0),
                working_days=days,
                from_snapshot=True,
                timesheet_id=row["sheet__id"],
                absent_days=band.absent_days,
                absence_min=band.absence_min,
                absence_max=band.absence_max,
            )
    return result


def month_summary(peer_ids: Iterable[int], year: int, month: int) -> dict[int, MonthSummary]:
    """State, total minutes and the contract band of each peer's month.

    Two queries when every month asked for is confirmed or approved (the snapshot, and
    the days away); when some are drafts, their live minutes add three queries of our own
    plus one each for supervision, education and interviews. Never more with more peers.
    Unknown ids are left out; a month without a timesheet is a draft.
    """
    ids = list(peer_ids)
    if not ids or not months.is_valid(year, month):
        return {}
    rows = list(_with_sheet(PeerWorker.objects.filter(pk__in=ids).order_by(), year, month))
    return {pk: figures.summary() for pk, figures in _figures(rows, year, month).items()}


def figures_for(peer: PeerWorker, year: int, month: int) -> MonthFigures:
    rows = list(_with_sheet(PeerWorker.objects.filter(pk=peer.pk), year, month))
    return _figures(rows, year, month)[peer.pk]


def contract_of(peer: PeerWorker) -> hours.Contract:
    return hours.Contract(peer.hours_min, peer.hours_max, peer.contract_start, peer.contract_end)


def norm_of(peer: PeerWorker, year: int, month: int) -> hours.Norm:
    """The peer's norm of the month, absences taken off, with the band so far while the
    month runs (timesheets.hours.norms)."""
    first, last = months.first_day(year, month), months.last_day(year, month)
    contracts = {peer.pk: contract_of(peer)}
    return hours.norms(contracts, first, last, today=timezone.localdate())[peer.pk]


def live_figures(peer: PeerWorker, year: int, month: int) -> dict[str, int]:
    return sources.live_totals({peer.pk: peer.user_id}, year, month)[peer.pk]


def timesheet_of(peer: PeerWorker, year: int, month: int) -> Timesheet | None:
    return (
        Timesheet.objects.filter(peer=peer, year=year, month=month)
        .select_related("confirmed_by", "approved_by")
        .first()
    )


def _weeks(
    year: int, month: int, daily: dict[datetime.date, dict[str, int]]
) -> list[dict[str, Any]]:
    """The month's weeks (Monday first), each with its days that have minutes."""
    weeks: dict[datetime.date, dict[str, Any]] = {}
    for day in months.days(year, month):
        monday = week_start(day)
        week = weeks.setdefault(
            monday,
            {
                "number": day.isocalendar().week,
                "first": day,
                "last": day,
                "days": [],
                "totals": dict.fromkeys(sources.DAILY_SOURCES, 0),
            },
        )
        week["last"] = day
        per_source = daily.get(day, {})
        if not per_source:
            continue
        line = {s: per_source.get(s, 0) for s in sources.DAILY_SOURCES}
        week["days"].append({"date": day, "minutes": line, "total": sum(line.values())})
        for s, minutes in line.items():
            week["totals"][s] += minutes
    for week in weeks.values():
        week["total"] = sum(week["totals"].values())
    return list(weeks.values())


def month_page(peer: PeerWorker, year: int, month: int) -> dict[str, Any]:
    """The peer's month: sources, contract, days by week, entries, and any drift since
    confirmation (live figures that no longer match the snapshot)."""
    sheet = timesheet_of(peer, year, month)
    daily = sources.daily_minutes([peer.pk], year, month).get(peer.pk, {})
    live = live_figures(peer, year, month)
    band = norm_of(peer, year, month)
    days = band.working_days
    snapshot = sheet.snapshot() if sheet is not None else None
    if snapshot is not None and sheet is not None:
        figures = MonthFigures(
            peer_id=peer.pk,
            state=sheet.state,
            minutes=snapshot,
            contract_min=int(sheet.contract_min_minutes or 0),
            contract_max=int(sheet.contract_max_minutes or 0),
            working_days=days,
            from_snapshot=True,
            timesheet_id=sheet.pk,
            absent_days=band.absent_days,
            absence_min=band.absence_min,
            absence_max=band.absence_max,
        )
    else:
        figures = MonthFigures(
            peer_id=peer.pk,
            state=TimesheetState.DRAFT.value,
            minutes=live,
            contract_min=band.contract_min,
            contract_max=band.contract_max,
            working_days=days,
            from_snapshot=False,
            timesheet_id=sheet.pk if sheet else None,
            absent_days=band.absent_days,
            absence_min=band.absence_min,
            absence_max=band.absence_max,
            so_far=band.so_far,
        )
    drift = [
        {"source": s, "snapshot": snapshot[s], "live": live[s]}
        for s in SOURCES
        if snapshot is not None and snapshot[s] != live[s]
    ]
    entries = (
        list(IndirectEntry.objects.filter(timesheet=sheet).order_by("date", "id"))
        if sheet is not None
        else []
    )
    return {
        "sheet": sheet,
        "figures": figures,
        "lines": [{"kind": k, "minutes": figures.kinds[k]} for k in hours.KINDS],
        "weeks": _weeks(year, month, daily),
        "entries": entries,
        "drift": drift,
        "live_total": sum(live.values()),
    }


def coordinator_peers(user: Any, year: int, month: int, *, unit_id: int | None = None) -> Any:
    """Peers in the coordinator's units whose contract touches the month, or who have a
    timesheet for it (a contract that ended can still have a month to approve)."""
    units = user.units.all()
    if unit_id is not None:
        units = units.filter(pk=unit_id)
    in_units = PeerWorker.objects.filter(units__in=units).values("pk")
    first, last = months.first_day(year, month), months.last_day(year, month)
    with_sheet = Timesheet.objects.filter(year=year, month=month).values("peer_id")
    return PeerWorker.objects.filter(pk__in=in_units).filter(
        Q(contract_start__lte=last, contract_end__isnull=True)
        | Q(contract_start__lte=last, contract_end__gte=first)
        | Q(pk__in=with_sheet)
    )


def _overview_rows(user: Any, year: int, month: int, unit_id: int | None) -> list[dict[str, Any]]:
    """The peers of the month with their timesheet's row: one query."""
    peers = coordinator_peers(user, year, month, unit_id=unit_id)
    return list(
        _with_sheet(
            peers,
            year,
            month,
            "user__first_name",
            "user__last_name",
            "user__username",
            "user__employee_number",
            "sheet__approved_at",
        ).order_by("user__first_name", "user__last_name", "pk")
    )


def _state(row: dict[str, Any]) -> str:
    return row["sheet__state"] or TimesheetState.DRAFT.value


def _lines(rows: list[dict[str, Any]], year: int, month: int) -> list[dict[str, Any]]:
    figures = _figures(rows, year, month)
    return [
        {
            "peer_id": row["pk"],
            "name": _name(row),
            "username": row["user__username"],
            "employee_number": row["user__employee_number"],
            "approved_at": row["sheet__approved_at"],
            "figures": figures[row["pk"]],
        }
        for row in rows
    ]


def _counts_and_missing_numbers(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts per state, and the approved months the payroll lines cannot carry (the peer
    has no employee number): from the timesheets' rows, without the month's figures."""
    counts = {state: 0 for state in TimesheetState.values}
    for row in rows:
        counts[_state(row)] += 1
    no_number = [
        {"peer_id": row["pk"], "name": _name(row)}
        for row in rows
        if _state(row) == TimesheetState.APPROVED and not row["user__employee_number"]
    ]
    return {"counts": counts, "no_employee_number": no_number}


def _name(row: dict[str, Any]) -> str:
    name = f"{row['user__first_name']} {row['user__last_name']}".strip()
    return name or row["user__username"]


def month_overview(
    user: Any, year: int, month: int, *, unit_id: int | None = None
) -> dict[str, Any]:
    """One line per peer (the payroll file): state, hours against the contract band;
    counts per state.

    One query for the peers and their timesheets, one for their days away, plus the live
    sources for drafts.
    """
    rows = _overview_rows(user, year, month, unit_id)
    return {"lines": _lines(rows, year, month), **_counts_and_missing_numbers(rows)}


def month_overview_page(
    user: Any,
    year: int,
    month: int,
    *,
    unit_id: int | None = None,
    state: str = "",
    page_number: Any = None,
) -> dict[str, Any]:
    """The overview page: the counts over every peer of the month, and one page of lines
    (of one state, if chosen). The month's figures, the dearest part (the live sources of
    every draft), are read for the page's peers only (issue 19: about 1,400 peers at
    scale 100)."""
    rows = _overview_rows(user, year, month, unit_id)
    summary = _counts_and_missing_numbers(rows)
    if state:
        rows = [row for row in rows if _state(row) == state]
    page = page_of(rows, page_number)
    return {"page": page, "lines": _lines(list(page.object_list), year, month), **summary}
