"""The report figures as they were computed before issue 19 made them fast: the reference
the fast queries are held to (test_fast_figures.py). Kept verbatim, slow on purpose."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.db.models import Count, F, FloatField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from brobygger.conversations.models import Chime, ConversationRecord
from brobygger.outcomes.models import Score
from brobygger.reports import figures
from brobygger.reports.activity import ChimeCounts
from brobygger.reports.effects import Outcome, Outcomes, main_instrument
from brobygger.reports.reach import ALL
from brobygger.reports.scope import Scope
from brobygger.reports.stats import mean_change


def outcomes(scope: Scope) -> Outcomes | None:
    """One correlated look-up per course and figure (effects.outcomes before issue 19)."""
    main = main_instrument()
    if main is None:
        return None
    name, version_ids = main
    scores = Score.objects.filter(
        course=OuterRef("pk"),
        version_id__in=version_ids,
        total__isnull=False,
        administered_on__lte=scope.date_to,
    )
    first = scores.order_by("administered_on", "pk")
    latest = scores.order_by("-administered_on", "-pk")
    answered = (
        scores.filter(administered_on__gte=scope.date_from)
        .order_by()
        .values("course")
        .annotate(n=Count("pk"))
        .values("n")
    )
    courses = (
        scope.courses()
        .annotate(
            first_total=Subquery(first.values("total")[:1], output_field=FloatField()),
            first_day=Subquery(first.values("administered_on")[:1]),
            latest_total=Subquery(latest.values("total")[:1], output_field=FloatField()),
            latest_day=Subquery(latest.values("administered_on")[:1]),
            answered_n=Coalesce(Subquery(answered), 0),
        )
        .distinct()
    )
    difference = F("latest_total") - F("first_total")
    aggregates: dict[str, Any] = {}
    conditions = {ALL: Q(pk__isnull=False)} | {m: Q(support_model=m) for m in scope.models}
    for group, condition in conditions.items():
        paired = condition & Q(latest_day__gt=F("first_day"))
        aggregates |= {
            f"{group}__baseline": Count("pk", filter=condition & Q(first_total__isnull=False)),
            f"{group}__n": Count("pk", filter=paired),
            f"{group}__sum": Sum(difference, filter=paired),
            f"{group}__squares": Sum(difference * difference, filter=paired),
            f"{group}__first": Sum("first_total", filter=paired),
            f"{group}__latest": Sum("latest_total", filter=paired),
            f"{group}__answered": Sum("answered_n", filter=condition),
        }
    row = courses.aggregate(**aggregates)
    result: dict[str, Outcome] = {}
    for group in conditions:
        n = row[f"{group}__n"] or 0
        result[group] = Outcome(
            with_baseline=row[f"{group}__baseline"] or 0,
            change=mean_change(n, row[f"{group}__sum"], row[f"{group}__squares"]),
            mean_first=row[f"{group}__first"] / n if n else None,
            mean_latest=row[f"{group}__latest"] / n if n else None,
            answered=row[f"{group}__answered"] or 0,
        )
    return Outcomes(instrument=name, by_model=result)


def chime(scope: Scope) -> ChimeCounts:
    """One count per process and model over all the notes (activity.chime before issue 19).

    Notes of conversations held in the period, and how many were coded with each of the
    five recovery processes (a note may carry several), by support model."""
    aggregates: dict[str, Any] = {}
    for model in scope.models:
        in_model = Q(course__support_model=model)
        aggregates[f"notes__{model}"] = Count("pk", filter=in_model)
        aggregates[f"coded__{model}"] = Count("pk", filter=in_model & ~Q(chime=[]))
        for process in Chime.values:
            # The list is stored as JSON text: the quoted code matches the element only.
            aggregates[f"{process}__{model}"] = Count(
                "pk", filter=in_model & Q(chime__icontains=f'"{process}"')
            )
    row = ConversationRecord.objects.filter(
        scope.unit_q("course__unit"),
        appointment__starts_at__gte=scope.start,
        appointment__starts_at__lt=scope.end,
        course__support_model__in=scope.models,
    ).aggregate(**aggregates)
    return ChimeCounts(
        counts={(p, m): row[f"{p}__{m}"] or 0 for p in Chime.values for m in scope.models},
        notes={m: row[f"notes__{m}"] or 0 for m in scope.models},
        coded={m: row[f"coded__{m}"] or 0 for m in scope.models},
    )


def compute(scope: Scope, *, funder: bool = False) -> figures.Figures:
    """figures.compute with each block that issue 19 rewrote computed the old way."""
    fast = figures.compute(scope, funder=funder)
    return dataclasses.replace(
        fast, outcomes=outcomes(scope), chime=chime(scope) if funder else None
    )
