"""Reads for the admissions pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from brobygger.referrals.models import Course

from .models import Admission, AdmissionImport


def admissions_for_course(course: Course) -> QuerySet[Admission]:
    return Admission.objects.filter(course=course).select_related("unit", "created_by")


def recent_imports(user: Any, *, limit: int = 5) -> list[AdmissionImport]:
    """The coordinator's own latest imports (counts only: no persons)."""
    return list(AdmissionImport.objects.filter(imported_by=user).order_by("-imported_at")[:limit])


def export_person(person: Any) -> dict[str, list[dict[str, Any]]]:
    """The admissions recorded on the person's courses (GDPR art. 15)."""
    from brobygger.lib.export import rows

    return {
        "admissions.Admission": rows(
            Admission.objects.filter(course__person=person).select_related(
                "course", "unit", "created_by"
            )
        )
    }
