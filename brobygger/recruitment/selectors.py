from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from .models import Application, JobPosting


def postings_for(user: Any) -> QuerySet[JobPosting]:
    return (
        JobPosting.objects.visible_to(user)
        .select_related("unit")
        .annotate(application_count=Count("applications"))
        .order_by("-created_at", "-pk")
    )


def open_postings() -> QuerySet[JobPosting]:
    return JobPosting.objects.open().select_related("unit")


def application_rows(posting: JobPosting) -> QuerySet[Application]:
    """The list shows status and dates only: no free text about the applicant."""
    return posting.applications.only(
        "pk", "posting_id", "name", "status", "status_reason", "received_at", "cv_kind"
    ).order_by("received_at", "pk")
