"""Reads for pages: due and overdue questionnaires, a course's scores over time."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from brobygger.people.models import Consent, ConsentKind
from brobygger.referrals.models import Course

from .models import Administration, AdministrationQuerySet, Score
from .schedule import DUE_AHEAD_DAYS
from .services import hash_token


@dataclass
class DueLists:
    overdue: list[Administration] = field(default_factory=list)
    due: list[Administration] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.overdue) + len(self.due)


def _open_until(rows: AdministrationQuerySet, today: datetime.date) -> QuerySet[Administration]:
    consent = Consent.objects.current().filter(
        person=OuterRef("course__person"), kind=ConsentKind.QUESTIONNAIRES
    )
    return (
        rows.open()
        .filter(due_on__lte=today + datetime.timedelta(days=DUE_AHEAD_DAYS))
        .annotate(has_consent=Exists(consent))
        .select_related("course__person", "course__peer__user", "version__instrument")
        .order_by("due_on", "pk")
    )


def _split(rows: QuerySet[Administration], today: datetime.date) -> DueLists:
    lists = DueLists()
    for row in rows:
        (lists.overdue if row.due_on < today else lists.due).append(row)
    return lists


def due_for(user: Any, *, today: datetime.date | None = None) -> DueLists:
    """Questionnaires due within a week and those overdue, of the courses the user may see
    (a peer's own caseload, a coordinator's units). One query."""
    today = today or timezone.localdate()
    return _split(_open_until(Administration.objects.visible_to(user), today), today)


def due_and_overdue(
    user: Any, *, today: datetime.date | None = None
) -> tuple[QuerySet[Administration], QuerySet[Administration]]:
    """The same two lists as querysets, for a page to page each (issue 19: a region's
    overdue questionnaires run to hundreds), with only the fields the list shows."""
    today = today or timezone.localdate()
    rows = _open_until(Administration.objects.visible_to(user), today)
    # The list shows no instrument: the join _open_until makes for due_for is left out.
    rows = rows.select_related(None).select_related("course__person", "course__peer__user")
    rows = rows.only(
        "course_id",
        "due_on",
        "timepoint",
        "status",
        "course__person_id",
        "course__person__given_name",
        "course__person__family_name",
        "course__peer__user__first_name",
        "course__peer__user__last_name",
        "course__peer__user__username",
    )
    return rows.filter(due_on__lt=today), rows.filter(due_on__gte=today)


def administration_for_token(token: str) -> Administration | None:
    """The administration a link belongs to, whether or not it can still be used."""
    if not token or len(token) > 100:
        return None
    return (
        Administration.objects.select_related("version__instrument", "course__person")
        .filter(token_hash=hash_token(token))
        .first()
    )


def administrations_for_course(course: Course) -> list[Administration]:
    return list(
        Administration.objects.for_course(course)
        .select_related("version__instrument", "score")
        .order_by("due_on", "pk")
    )


def scores_for_course(course: Course) -> list[Score]:
    return list(
        Score.objects.for_course(course)
        .select_related("version__instrument")
        .order_by("administered_on", "pk")
    )


def export_person(person: Any) -> dict[str, list[dict[str, Any]]]:
    """The person's questionnaires, answers and scores (GDPR art. 15). The link token's
    hash is never exported (lib/export.py)."""
    from brobygger.lib.export import rows

    from .models import Answer

    return {
        "outcomes.Administration": rows(
            Administration.objects.filter(course__person=person).select_related(
                "course", "version__instrument", "score"
            )
        ),
        "outcomes.Answer": rows(
            Answer.objects.filter(administration__course__person=person).select_related(
                "administration__version__instrument"
            )
        ),
        "outcomes.Score": rows(
            Score.objects.filter(course__person=person).select_related(
                "course", "version__instrument", "recorded_by"
            )
        ),
    }
