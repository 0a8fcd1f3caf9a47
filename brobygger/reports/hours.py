"""Peers' hours against their contracts over the period: one query."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DurationField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from brobygger.groups.models import GroupSession
from brobygger.people.models import PeerWorker
from brobygger.scheduling.models import Appointment, AppointmentStatus

from .scope import Scope

UNDER, WITHIN, OVER = "under", "within", "over"


@dataclass
class PeerHours:
    name: str
    weeks: float
    conversation_hours: float
    group_hours: float
    hours_min: float
    hours_max: float

    @property
    def hours(self) -> float:
        return self.conversation_hours + self.group_hours

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

    @property
    def conversation_hours(self) -> float:
        return sum(p.conversation_hours for p in self.peers)

    @property
    def group_hours(self) -> float:
        return sum(p.group_hours for p in self.peers)

    @property
    def contract_min(self) -> float:
        return sum(p.hours_min * p.weeks for p in self.peers)

    @property
    def contract_max(self) -> float:
        return sum(p.hours_max * p.weeks for p in self.peers)

    def count(self, band: str) -> int:
        return sum(1 for p in self.peers if p.band == band)


def _hours(value: datetime.timedelta | None) -> float:
    return value.total_seconds() / 3600 if value else 0.0


def _duration() -> ExpressionWrapper:
    return ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())


def hours(scope: Scope) -> Hours:
    """Held conversations and facilitated group sessions (that have taken place) per peer
    whose contract overlaps the period, against the contract's band times the weeks of
    the period under contract (up to today). Peers of the chosen units; the support-model
    filter does not apply (a contract covers all of a peer's work)."""
    now = timezone.now()
    until = min(scope.end, now)
    held = (
        Appointment.objects.filter(
            peer=OuterRef("pk"),
            status=AppointmentStatus.HELD,
            starts_at__gte=scope.start,
            starts_at__lt=until,
        )
        .order_by()
        .values("peer")
        .annotate(d=Sum(_duration()))
        .values("d")
    )
    facilitated = (
        GroupSession.objects.filter(
            group__facilitators=OuterRef("pk"),
            cancelled=False,
            starts_at__gte=scope.start,
            starts_at__lt=until,
        )
        .order_by()
        .values("group__facilitators")
        .annotate(d=Sum(_duration()))
        .values("d")
    )
    peers = PeerWorker.objects.filter(
        Q(contract_end__isnull=True) | Q(contract_end__gte=scope.date_from),
        contract_start__lte=scope.date_to,
    )
    if scope.unit_ids is not None:
        peers = peers.filter(
            pk__in=PeerWorker.objects.filter(units__in=scope.unit_ids).values("pk")
        )
    rows = (
        peers.annotate(
            held=Subquery(held, output_field=DurationField()),
            facilitated=Subquery(facilitated, output_field=DurationField()),
        )
        .order_by("user__first_name", "user__last_name", "pk")
        .values_list(
            "user__first_name",
            "user__last_name",
            "hours_min",
            "hours_max",
            "contract_start",
            "contract_end",
            "held",
            "facilitated",
        )
    )
    result = []
    last_day = scope.until
    for first, last, low, high, start, end, held_d, group_d in rows:
        from_day = max(start, scope.date_from)
        to_day = min(end or last_day, last_day)
        weeks = max((to_day - from_day).days + 1, 0) / 7
        if weeks <= 0:  # the contract starts after today
            continue
        result.append(
            PeerHours(
                name=f"{first} {last}".strip(),
                weeks=weeks,
                conversation_hours=_hours(held_d),
                group_hours=_hours(group_d),
                hours_min=float(Decimal(low)),
                hours_max=float(Decimal(high)),
            )
        )
    return Hours(peers=result)
