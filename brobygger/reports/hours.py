"""Peers' hours against their contracts over the period: `brobygger.timesheets.hours`,
the definition the timesheets use, per peer whose contract overlaps the period."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from brobygger.people.models import PeerWorker
from brobygger.timesheets import hours as peer_hours_module
from brobygger.timesheets.hours import KIND_LABELS, KINDS

from .scope import Scope

UNDER, WITHIN, OVER = "under", "within", "over"


@dataclass
class PeerHours:
    name: str
    weeks: float
    # Minutes per kind (direct, indirect, transport, supervision, education).
    minutes: dict[str, int]
    hours_min: float
    hours_max: float
    # The contract band over the period in minutes, as on the timesheet.
    contract_min_minutes: int
    contract_max_minutes: int

    @property
    def hours(self) -> float:
        return sum(self.minutes.values()) / 60

    def kind_hours(self, kind: str) -> float:
        return self.minutes.get(kind, 0) / 60

    @property
    def per_week(self) -> float | None:
        return self.hours / self.weeks if self.weeks else None

    @property
    def band(self) -> str:
        total = sum(self.minutes.values())
        if total < self.contract_min_minutes:
            return UNDER
        if total > self.contract_max_minutes:
            return OVER
        return WITHIN


@dataclass
class Hours:
    peers: list[PeerHours]

    @property
    def total(self) -> float:
        return sum(p.hours for p in self.peers)

    def kind_hours(self, kind: str) -> float:
        return sum(p.kind_hours(kind) for p in self.peers)

    @property
    def by_kind(self) -> list[tuple[str, float]]:
        """(label, hours) for every kind of hours, in the timesheet's order."""
        return [(str(KIND_LABELS[k]), self.kind_hours(k)) for k in KINDS]

    @property
    def contract_min(self) -> float:
        return sum(p.contract_min_minutes for p in self.peers) / 60

    @property
    def contract_max(self) -> float:
        return sum(p.contract_max_minutes for p in self.peers) / 60

    def count(self, band: str) -> int:
        return sum(1 for p in self.peers if p.band == band)


def hours(scope: Scope) -> Hours:
    """Each peer's hours per kind over the period (up to today) against the contract band
    over the same days, exactly as on their timesheets (see timesheets.hours). Peers of
    the chosen units whose contract overlaps the period; the support-model filter does not
    apply (a contract covers all of a peer's work). Seven queries."""
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
            contract = peer_hours_module.Contract(Decimal(low), Decimal(high), start, end)
            under_contract.append((pk, user_id, f"{first} {last}".strip(), weeks, contract))
    figures = peer_hours_module.peer_hours(
        ((pk, user_id, contract) for pk, user_id, _n, _w, contract in under_contract),
        scope.date_from,
        last_day,
    )
    return Hours(
        peers=[
            PeerHours(
                name=name,
                weeks=weeks,
                minutes=figures[pk].minutes,
                hours_min=float(contract.hours_min),
                hours_max=float(contract.hours_max),
                contract_min_minutes=figures[pk].contract_min,
                contract_max_minutes=figures[pk].contract_max,
            )
            for pk, _user_id, name, weeks, contract in under_contract
        ]
    )
