"""Effects: the change in the main questionnaire's score, and readmissions with bed days."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When, Window
from django.db.models.functions import FirstValue, RowNumber
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
    instrument's name).

    One pass over the scores of the period's courses: window functions give each score
    its course's first and latest score and the count answered in the period, and the
    first row of each course carries them into the sums. (A look-up per course and
    figure went quadratic wherever the planner chose the version index: 18 s for 1,700
    courses on SQLite.)"""
    main = main_instrument()
    if main is None:
        return None
    name, version_ids = main
    up = [F("administered_on").asc(), F("pk").asc()]
    down = [F("administered_on").desc(), F("pk").desc()]

    def per_course(expression: Any, order_by: list[Any] | None = None) -> Window:
        return Window(expression, partition_by=[F("course_id")], order_by=order_by)

    in_period = Case(
        When(administered_on__gte=scope.date_from, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    courses = (
        Score.objects.filter(
            course__in=scope.courses(),
            version_id__in=version_ids,
            total__isnull=False,
            administered_on__lte=scope.date_to,
        )
        .annotate(
            model=F("course__support_model"),
            first_total=per_course(FirstValue("total"), up),
            first_day=per_course(FirstValue("administered_on"), up),
            latest_total=per_course(FirstValue("total"), down),
            latest_day=per_course(FirstValue("administered_on"), down),
            answered_n=per_course(Sum(in_period)),
            nth=per_course(RowNumber(), up),
        )
        .filter(nth=1)
    )
    difference = F("latest_total") - F("first_total")
    aggregates: dict[str, Any] = {}
    conditions = {ALL: Q(pk__isnull=False)} | {m: Q(model=m) for m in scope.models}
    for group, condition in conditions.items():
        # A pair: a later score on a later day than the first.
        paired = condition & Q(latest_day__gt=F("first_day"))
        aggregates |= {
            f"{group}__baseline": Count("pk", filter=condition),
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
