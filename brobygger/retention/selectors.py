"""Reads for the administrator's retention page (no person data: ids only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet

from .models import LegalHold, RetentionPolicy, RetentionRun
from .registry import RECORD_TYPES, RecordType
from .services import current_periods


@dataclass
class PolicyRow:
    type: RecordType
    period_days: int
    changed: RetentionPolicy | None
    last_count: int | None


def policy_rows(last_run: RetentionRun | None) -> list[PolicyRow]:
    periods = current_periods()
    changed = {p.record_type: p for p in RetentionPolicy.objects.select_related("changed_by")}
    counts = last_run.counts if last_run else {}
    return [
        PolicyRow(
            type=t,
            period_days=periods[t.key],
            changed=changed.get(t.key),
            last_count=counts.get(t.key),
        )
        for t in RECORD_TYPES
    ]


def last_run() -> RetentionRun | None:
    return RetentionRun.objects.select_related("ran_by").first()


def holds() -> QuerySet[LegalHold]:
    """Active holds first, then the lifted ones (newest first)."""
    return LegalHold.objects.select_related("placed_by", "lifted_by").order_by(
        F("lifted_at").desc(nulls_first=True), "-placed_at", "-id"
    )


def export_person(person: Any) -> dict[str, list[dict[str, Any]]]:
    """The person's copy (GDPR art. 15): legal holds on the person or their courses, and
    the date their identifying data were cleared, if they were."""
    from brobygger.lib.export import rows

    from .models import AnonymisedPerson

    return {
        "retention.LegalHold": rows(
            LegalHold.objects.filter(Q(person=person) | Q(course__person=person)).select_related(
                "person", "course", "placed_by", "lifted_by"
            )
        ),
        "retention.AnonymisedPerson": rows(
            AnonymisedPerson.objects.filter(person=person).select_related("person")
        ),
    }
