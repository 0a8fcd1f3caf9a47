"""Reach: recipients, referrals by source and status, and the waiting time to a course.

Each function is one query, whatever the amount of data.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate

from brobygger.lib.dates import TZ
from brobygger.people.models import PersonKind
from brobygger.referrals.models import Course, Referral, ReferralSource, ReferralStatus

from . import stats
from .scope import Scope

ALL = "all"


@dataclass
class Recipients:
    persons: int = 0
    patients: int = 0
    relatives: int = 0
    courses: int = 0
    started: int = 0
    ended: int = 0
    patient_courses: int = 0
    relative_courses: int = 0
    # Courses discharged in the period at least 30 (90) days ago: at risk of a readmission.
    at_risk_30: int = 0
    at_risk_90: int = 0


def courses_with_latest(scope: Scope) -> QuerySet[Course]:
    """The period's courses, each with `latest_pk`: its person's most recent course in the
    period. Counting persons by their latest course counts each person once, so persons by
    support model (and unit) add up to the total. A correlated look-up by person (one index
    walk per course) rather than NOT EXISTS, whose plan goes quadratic on poor statistics."""
    courses = scope.courses()
    latest = (
        courses.filter(person=OuterRef("person")).order_by("-started_on", "-pk").values("pk")[:1]
    )
    return courses.annotate(latest_pk=Subquery(latest))


def recipients(scope: Scope) -> dict[str, Recipients]:
    """Persons and courses in the period, for all chosen models and for each one."""
    aggregates: dict[str, Any] = {}
    conditions = {ALL: Q(pk__isnull=False)} | {m: Q(support_model=m) for m in scope.models}
    patient, relative = Q(person__kind=PersonKind.PATIENT), Q(person__kind=PersonKind.RELATIVE)
    for key, c in conditions.items():
        person = c & Q(pk=F("latest_pk"))
        aggregates |= {
            f"{key}__persons": Count("pk", filter=person),
            f"{key}__patients": Count("pk", filter=person & patient),
            f"{key}__relatives": Count("pk", filter=person & relative),
            f"{key}__courses": Count("pk", filter=c),
            f"{key}__patient_courses": Count("pk", filter=c & patient),
            f"{key}__relative_courses": Count("pk", filter=c & relative),
            f"{key}__started": Count("pk", filter=c & Q(started_on__gte=scope.date_from)),
            f"{key}__ended": Count(
                "pk", filter=c & Q(ended_on__isnull=False, ended_on__lte=scope.date_to)
            ),
        }
        for days in (30, 90):
            last = min(scope.date_to, scope.today - datetime.timedelta(days=days))
            aggregates[f"{key}__at_risk_{days}"] = Count(
                "pk", filter=c & Q(discharged_on__gte=scope.date_from, discharged_on__lte=last)
            )
    # DISTINCT: the database looks up `latest_pk` once per course, not once per count.
    row = courses_with_latest(scope).distinct().aggregate(**aggregates)
    return {
        key: Recipients(
            **{name: row[f"{key}__{name}"] or 0 for name in Recipients.__dataclass_fields__}
        )
        for key in conditions
    }


def persons_by_unit(scope: Scope) -> dict[tuple[int | None, str], int]:
    """(unit id, support model) -> persons, each counted once under their latest course."""
    rows = (
        courses_with_latest(scope)
        .filter(pk=F("latest_pk"))
        .order_by()
        .values_list("unit_id", "support_model")
        .annotate(n=Count("pk"))
    )
    return {(unit_id, model): n for unit_id, model, n in rows}


@dataclass
class ReferralTable:
    sources: list[tuple[str, str]]
    statuses: list[tuple[str, str]]
    counts: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def matrix(self) -> list[list[int]]:
        """Rows by source, columns by status."""
        return [
            [self.counts.get((s, t), 0) for t, _label in self.statuses] for s, _ in self.sources
        ]

    def by_status(self) -> list[tuple[str, str, int]]:
        return [
            (key, label, sum(self.counts.get((s, key), 0) for s, _ in self.sources))
            for key, label in self.statuses
        ]

    def by_source(self) -> list[tuple[str, str, int]]:
        return [
            (key, label, sum(self.counts.get((key, t), 0) for t, _ in self.statuses))
            for key, label in self.sources
        ]


def referrals(scope: Scope) -> ReferralTable:
    """Referrals received in the period, by source and current status.

    Not filtered by support model: a referral gets its model only when a course starts.
    """
    rows = (
        Referral.objects.filter(
            scope.unit_q("unit"), received_at__gte=scope.start, received_at__lt=scope.end
        )
        .order_by()
        .values_list("source", "status")
        .annotate(n=Count("pk"))
    )
    table = ReferralTable(
        sources=[(k, str(v)) for k, v in ReferralSource.choices],
        statuses=[(k, str(v)) for k, v in ReferralStatus.choices],
    )
    for source, status, n in rows:
        table.counts[(source, status)] = n
    return table


def waiting_times(scope: Scope) -> dict[str, stats.Waiting]:
    """Days from a referral's arrival to the start of its course, for courses that started
    in the period; all chosen models together and each model."""
    rows = (
        scope.courses()
        .filter(
            referral__isnull=False,
            started_on__gte=scope.date_from,
            started_on__lte=scope.date_to,
        )
        .order_by()
        # The local (Copenhagen) day the referral arrived, worked out in the database.
        .annotate(received_day=TruncDate("referral__received_at", tzinfo=TZ))
        .values_list("support_model", "started_on", "received_day")
    )
    days: dict[str, list[float]] = {key: [] for key in (ALL, *scope.models)}
    for model, started, received_day in rows:
        wait = max((started - received_day).days, 0)
        days[ALL].append(wait)
        days.setdefault(model, []).append(wait)
    return {key: stats.waiting(values) for key, values in days.items()}
