"""Who may see postings and applications. Fetchers 404 and write the access log."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from brobygger.audit.models import AccessAction, Purpose
from brobygger.audit.services import log_access

from .models import Application, JobPosting

# Purpose has no recruitment value yet; hiring is administration of the programme.
RECRUITMENT_PURPOSE = getattr(Purpose, "RECRUITMENT", Purpose.ADMINISTRATION)


def get_posting_for(user: Any, pk: int) -> JobPosting:
    """Postings hold no personal data: no access-log entry, but the unit still limits."""
    posting = JobPosting.objects.visible_to(user).select_related("unit").filter(pk=pk).first()
    if posting is None:
        raise Http404
    return posting


def get_application_for(user: Any, pk: int, *, action: str = AccessAction.VIEW) -> Application:
    application = (
        Application.objects.visible_to(user).select_related("posting__unit").filter(pk=pk).first()
    )
    if application is None:
        raise Http404
    log_access(
        user=user, action=action, purpose=RECRUITMENT_PURPOSE, person_id=None, obj=application
    )
    return application


def log_application_list(user: Any, posting: JobPosting, criterion: str) -> None:
    log_access(
        user=user,
        action=AccessAction.SEARCH,
        purpose=RECRUITMENT_PURPOSE,
        person_id=None,
        criterion=criterion,
        obj=posting,
    )
