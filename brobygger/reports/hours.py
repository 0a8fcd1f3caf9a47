"""Peers' hours against their contracts over the period, counted as on their timesheets."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from brobygger.people.models import PeerWorker
from brobygger.timesheets.models import SOURCE_LABELS, SOURCES
from brobygger.timesheets.sources import period_totals

from .scope import Scope

UNDER, WITHIN, OVER = "under", "within", "over"


@dataclass
class PeerHours:
    name: str
    weeks: float
    # Minutes per timesheet source (conversations, groups, supervision, ...).
    minutes: dict[str, int]
    hours_min: float
    hours_max: float

    @property
    def hours(self) -> float:
        return sum(self.minutes.values()) / 60

    def source_hours(self, source: str) -> float:
        return self.minutes.get(source, 0) / 60

    @property
    def per_week(self) -> float | None:
        return self.hours / self.weeks if self.weeks else None

    @property
    def band(self) -> str:
        per_week = self.per_week or 0.0
        if per_week < self.hours_min:
            return UNDER
        if per_week > self.hours_max:
            return OVER
        return WITHIN


@dataclass
class Hours:
    peers: list[PeerHours]

    @property
    def total(self) -> float:
        return sum(p.hours for p in self.peers)

    def source_hours(self, source: str) -> float:
        return sum(p.source_hours(source) for p in self.peers)

    @property
    def by_source(self) -> list[tuple[str, float]]:
        """(label, hours) for every timesheet source, in the timesheet's order."""
        return [(str(SOURCE_LABELS[s]), self.source_hours(s)) for s in SOURCES]

    @property
    def contract_min(self) -> float:
        return sum(p.hours_min * p.weeks for p in self.peers)

    @property
    def contract_max(self) -> float:
        return sum(p.hours_max * p.weeks for p in self.peers)

    def count(self, band: str) -> int:
        return sum(1 for p in self.peers if p.band == band)


def hours(scope: Scope) -> Hours:
    """Everything on the peers' timesheets (see timesheets.sources), per peer whose
    contract overlaps the period, against the contract's band times the weeks of the
    period under contract (up to today). Peers of the chosen units; the support-model
    filter does not apply (a contract covers all of a peer's work). Seven queries."""
    peers = PeerWorker.objects.filter(
        Q(contract_end__isnull=True) | Q(contract_end__gte=scope.date_from),
        contract_start__lte=scope.date_to,
    )
    if scope.unit_ids is not None:
        peers = peers.filter(
            pk__in=PeerWorker.objects.filter(units__in=scope.unit_ids).values("pk")
        )
    rows = peers.order_by("user__first_name", "user__last_name", "pk").values_list(
        "pk",
        "user_id",
        "user__first_name",
        "user__last_name",
        "hours_min",
        "hours_max",
        "contract_start",
        "contract_end",
    )
    last_day = scope.until
    under_contract = []
    for pk, user_id, first, last, low, high, start, end in rows:
        from_day = max(start, scope.date_from)
        to_day = min(end or last_day, last_day)
        weeks = max((to_day - from_day).days + 1, 0) / 7
        if weeks > 0:  # not a contract that starts after today
            under_contract.append((pk, user_id, f"{first} {last}".strip(), weeks, low, high))
    minutes = period_totals(
        {pk: user_id for pk, user_id, *_rest in under_contract}, scope.date_from, last_day
    )
    return Hours(
        peers=[
            PeerHours(
                name=name,
                weeks=weeks,
                minutes=minutes[pk],
                hours_min=float(Decimal(low)),
                hours_max=float(Decimal(high)),
            )
            for pk, _user_id, name, weeks, low, high in under_contract
        ]
    )
