"""The one definition of a peer's hours over a period, per kind, against the contract.

Every page that shows a peer's hours (the timesheet, the coordinator's month overview,
the programme dashboard, the funder report, the payroll file) groups the timesheet's
sources into these kinds and measures them against this contract band:

- direct: conversations held and group sessions run;
- indirect: indirect work entered on the timesheet (not travel) and job-interview panels;
- transport: indirect work entered as travel;
- supervision: supervision attended;
- education: peer education.

The contract band over a period is the weekly hours times the period's working days
(Monday to Friday, not Danish public holidays, inside the contract) divided by 5, rounded
to the minute once for the whole period, so a month on the dashboard has exactly the
band of the same month on the timesheet. Whole days away (holiday, sickness, time off:
scheduling's absences) that fall on those working days are not expected work: they come
off the working days before the band is computed (issue 19), so a peer on a week's
holiday is held to four fifths of the month, not to the hours of a month at work.
Absences of a few hours on one day do not lower the norm: the day is still a working day.

A period that is still running (this month, on the timesheet and the overviews) is judged
against the band of its days so far, up to and including today, as the dashboard judges
its period up to today (`reports.scope.Scope.until`): on the 4th of a month nobody is
"under the contract" for not yet having worked the whole month. The whole band is still
shown, and it is the one a confirmed month keeps.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from brobygger.scheduling.models import AvailabilityException

from . import months, sources

KINDS = ("direct", "indirect", "transport", "supervision", "education")
KIND_LABELS: dict[str, Promise] = {
    "direct": _("Direct work (conversations and groups)"),
    "indirect": _("Indirect work"),
    "transport": _("Transport"),
    "supervision": _("Supervision"),
    "education": _("Peer education"),
}
KIND_OF_SOURCE = {
    "conversations": "direct",
    "groups": "direct",
    "interviews": "indirect",
    "indirect": "indirect",
    "transport": "transport",
    "supervision": "supervision",
    "education": "education",
}


def by_kind(per_source: Mapping[str, int]) -> dict[str, int]:
    """Minutes per source (timesheet sources, live or snapshot) as minutes per kind."""
    result = dict.fromkeys(KINDS, 0)
    for source, minutes in per_source.items():
        result[KIND_OF_SOURCE[source]] += int(minutes or 0)
    return result


@dataclass(frozen=True)
class Contract:
    """What a peer's contract says: hours per week (from, to) and its dates."""

    hours_min: Decimal
    hours_max: Decimal
    start: datetime.date | None
    end: datetime.date | None
    # Whole days away as (first day, last day) ranges, both included (see `norms`).
    away: tuple[tuple[datetime.date, datetime.date], ...] = ()


@dataclass(frozen=True)
class Norm:
    """The contract band over a period: working days, the days away among them, and the
    minutes expected from and to, with the minutes the absence took off each end."""

    working_days: int
    absent_days: int
    contract_min: int
    contract_max: int
    absence_min: int = 0
    absence_max: int = 0
    # While the period runs: the band of its days so far, a Norm whose `until` is today.
    so_far: Norm | None = None
    until: datetime.date | None = None


def contract_band(contract: Contract, first: datetime.date, last: datetime.date) -> Norm:
    """The contract's norm over first..last, whole days away taken off."""
    days = months.working_days_between(
        first, last, contract_start=contract.start, contract_end=contract.end
    )
    absent = months.absent_working_days(
        contract.away, first, last, contract_start=contract.start, contract_end=contract.end
    )
    full_min = months.contract_minutes(contract.hours_min, days)
    full_max = months.contract_minutes(contract.hours_max, days)
    low = months.contract_minutes(contract.hours_min, days - absent)
    high = months.contract_minutes(contract.hours_max, days - absent)
    return Norm(days, absent, low, high, full_min - low, full_max - high)


def with_absences(
    contracts: Mapping[int, Contract], first: datetime.date, last: datetime.date
) -> dict[int, Contract]:
    """The contracts (by peer id) with each peer's whole days away in first..last filled
    in. One query whatever the number of peers."""
    away: dict[int, list[tuple[datetime.date, datetime.date]]] = {pk: [] for pk in contracts}
    rows = (
        AvailabilityException.objects.away()
        .touching(first, last)
        .filter(peer_id__in=list(contracts), start_time__isnull=True)
        .order_by("starts_on")
        .values_list("peer_id", "starts_on", "ends_on")
    )
    for peer_id, starts_on, ends_on in rows:
        away[peer_id].append((starts_on, ends_on))
    return {pk: replace(contract, away=tuple(away[pk])) for pk, contract in contracts.items()}


def norms(
    contracts: Mapping[int, Contract],
    first: datetime.date,
    last: datetime.date,
    *,
    today: datetime.date | None = None,
) -> dict[int, Norm]:
    """Each peer's norm over first..last with their absences: the one function every page
    that says "under/over contract" uses. One query.

    With `today` before `last`, the period is still running: each norm also carries the
    band of first..today (`so_far`), which is what its hours are judged against."""
    if not contracts:
        return {}
    filled = with_absences(contracts, first, last)
    result = {}
    for pk, contract in filled.items():
        whole = contract_band(contract, first, last)
        if today is not None and today < last:
            so_far = replace(contract_band(contract, first, today), until=today)
            whole = replace(whole, so_far=so_far)
        result[pk] = whole
    return result


@dataclass(frozen=True)
class PeerHours:
    """One peer's hours over a period: minutes per kind and the contract band."""

    minutes: dict[str, int]
    contract_min: int
    contract_max: int
    working_days: int
    absent_days: int = 0

    @property
    def total(self) -> int:
        return sum(self.minutes.values())

    @property
    def under(self) -> bool:
        return self.total < self.contract_min

    @property
    def over(self) -> bool:
        return self.total > self.contract_max

    @property
    def band(self) -> str:
        return "under" if self.under else "over" if self.over else "within"


def peer_hours(
    peers: Iterable[tuple[int, int, Contract]], first: datetime.date, last: datetime.date
) -> dict[int, PeerHours]:
    """Hours per kind and the contract band (absences taken off) for each (peer id, user
    id, contract), over the local days first..last. The queries of
    `sources.period_totals` and one for the absences, whatever the number of peers."""
    listed = list(peers)
    minutes = sources.period_totals({pk: user_id for pk, user_id, _c in listed}, first, last)
    bands = norms({pk: contract for pk, _user_id, contract in listed}, first, last)
    result = {}
    for pk, _user_id, _contract in listed:
        band = bands[pk]
        result[pk] = PeerHours(
            minutes=by_kind(minutes[pk]),
            contract_min=band.contract_min,
            contract_max=band.contract_max,
            working_days=band.working_days,
            absent_days=band.absent_days,
        )
    return result
