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
band of the same month on the timesheet.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

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


def contract_band(
    contract: Contract, first: datetime.date, last: datetime.date
) -> tuple[int, int, int]:
    """(working days, minutes from, minutes to) of the contract over first..last."""
    days = months.working_days_between(
        first, last, contract_start=contract.start, contract_end=contract.end
    )
    return (
        days,
        months.contract_minutes(contract.hours_min, days),
        months.contract_minutes(contract.hours_max, days),
    )


@dataclass(frozen=True)
class PeerHours:
    """One peer's hours over a period: minutes per kind and the contract band."""

    minutes: dict[str, int]
    contract_min: int
    contract_max: int
    working_days: int

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
    """Hours per kind and the contract band for each (peer id, user id, contract), over
    the local days first..last. The queries of `sources.period_totals`, whatever the
    number of peers."""
    listed = list(peers)
    minutes = sources.period_totals({pk: user_id for pk, user_id, _c in listed}, first, last)
    result = {}
    for pk, _user_id, contract in listed:
        days, low, high = contract_band(contract, first, last)
        result[pk] = PeerHours(
            minutes=by_kind(minutes[pk]), contract_min=low, contract_max=high, working_days=days
        )
    return result
