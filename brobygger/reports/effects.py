"""Effects: the change in the main questionnaire's score, and readmissions with bed days."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from django.db.models import Count, F, FloatField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import get_language

from brobygger.admissions.models import Admission
from brobygger.outcomes.models import InstrumentVersion, Score
from brobygger.outcomes.schedule import MAIN_INSTRUMENT_KEYS

from . import stats
from .reach import ALL
from .scope import Scope


@dataclass
class Outcome:
    with_baseline: int
    change: stats.MeanChange
    mean_first: float | None
    mean_latest: float | None
    answered: int

    @property
    def follow_up_rate(self) -> float | None:
        return stats.share(self.change.n, self.with_baseline)


@dataclass
class Outcomes:
    instrument: str
    by_model: dict[str, Outcome]


def main_instrument() -> tuple[str, list[int]] | None:
    """(name, version ids) of the main questionnaire: the first of the schedule's keys
    that is installed."""
    rows = InstrumentVersion.objects.filter(instrument__key__in=MAIN_INSTRUMENT_KEYS).values_list(
        "instrument__key", "pk", "instrument__name_da", "instrument__name_en"
    )
    versions: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    english = (get_language() or "da").startswith("en")
    for key, pk, name_da, name_en in rows:
        versions.setdefault(key, []).append(pk)
        names[key] = name_en if english else name_da
    for key in MAIN_INSTRUMENT_KEYS:
        if key in versions:
            return names[key], versions[key]
    return None


def outcomes(scope: Scope) -> Outcomes | None:
    """Per course: the first total score of the main questionnaire against the latest later
    one up to the end of the period; courses of the period only. One query (two with the
    instrument's name)."""
    main = main_instrument()
    if main is None:
        return None
    name, version_ids = main
    # By version id, so that each look-up is one walk down the (course, day) index.
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
        # DISTINCT keeps the database from copying the look-ups into every sum below:
        # each course's scores are then looked up once.
        .distinct()
    )
    difference = F("latest_total") - F("first_total")
    aggregates: dict[str, Any] = {}
    conditions = {ALL: Q(pk__isnull=False)} | {m: Q(support_model=m) for m in scope.models}
    for group, condition in conditions.items():
        # A pair: a later score on a later day than the first.
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
            change=stats.mean_change(n, row[f"{group}__sum"], row[f"{group}__squares"]),
            mean_first=row[f"{group}__first"] / n if n else None,
            mean_latest=row[f"{group}__latest"] / n if n else None,
            answered=row[f"{group}__answered"] or 0,
        )
    return Outcomes(instrument=name, by_model=result)


def readmissions(scope: Scope) -> dict[str, stats.Readmissions]:
    """Readmissions and bed days of the courses in the period (definition in
    stats.count_readmissions), from one list of their registered admissions."""
    rows = (
        Admission.objects.filter(course__in=scope.courses())
        .order_by()
        .values_list(
            "course_id",
            "course__support_model",
            "course__discharged_on",
            "admitted_on",
            "discharged_on",
        )
    )
    # A course has one support model, so the whole is the sum of the models (every
    # figure is a count): each admission is looked at once.
    grouped: dict[str, list[stats.AdmissionRow]] = {key: [] for key in scope.models}
    for course_id, model, course_discharged, admitted, discharged in rows:
        row = stats.AdmissionRow(course_id, course_discharged, admitted, discharged)
        grouped.setdefault(model, []).append(row)
    result = {
        group: stats.count_readmissions(
            items, date_from=scope.date_from, date_to=scope.date_to, today=scope.today
        )
        for group, items in grouped.items()
    }
    result[ALL] = stats.Readmissions(
        **{
            f.name: sum(getattr(part, f.name) for part in result.values())
            for f in fields(stats.Readmissions)
        }
    )
    return result
