"""Reads of the concerns app for other apps."""

from __future__ import annotations

from typing import Any

from .models import Concern, CrisisCard


def export_person(person: Any) -> dict[str, list[dict[str, Any]]]:
    """The person's copy (GDPR art. 15): the concerns raised about them, with their
    acknowledgement and outcome, and their own crisis card."""
    from brobygger.lib.export import rows

    return {
        "concerns.Concern": rows(
            Concern.objects.filter(person=person).select_related(
                "person", "course", "unit", "raised_by", "acknowledged_by", "closed_by"
            )
        ),
        "concerns.CrisisCard": rows(
            CrisisCard.objects.filter(person=person).select_related("person", "updated_by")
        ),
    }
