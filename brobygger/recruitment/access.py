"""Who may see postings and applications. Fetchers 404 and write the access log.

Applications are sensitive (issue 9): only the coordinator of the posting's unit and
the interview panel of the posting see them, and every look is in the access log.
Everyone else gets 404 for every application URL, so nobody learns what exists.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page
from django.db.models import QuerySet
from django.http import Http404

from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction, Purpose
from brobygger.lib.paging import page_of

from . import selectors
from .models import Application, Interview, InterviewStatus, JobPosting, panel_posting_ids

RECRUITMENT_PURPOSE = Purpose.RECRUITMENT


def get_posting_for(user: Any, pk: int) -> JobPosting:
    """Postings hold no personal data: no access-log entry, but the unit still limits."""
    posting = JobPosting.objects.visible_to(user).select_related("unit").filter(pk=pk).first()
    if posting is None:
        raise Http404
    return posting


def get_posting_with_applications_for(user: Any, pk: int) -> tuple[JobPosting, bool]:
    """A posting whose applications `user` may list, and whether `user` manages it.

    The managing coordinator, or anyone on an interview panel of the posting.
    """
    posting = JobPosting.objects.visible_to(user).select_related("unit").filter(pk=pk).first()
    if posting is not None:
        return posting, True
    if getattr(user, "is_active", False):
        posting = (
            JobPosting.objects.filter(pk=pk, pk__in=panel_posting_ids(user))
            .select_related("unit")
            .first()
        )
    if posting is None:
        raise Http404
    return posting, False


def _log(user: Any, action: str, application: Application) -> None:
    shown(user=user, action=action, purpose=RECRUITMENT_PURPOSE, person_id=None, obj=application)


def get_application_for(user: Any, pk: int, *, action: str = AccessAction.VIEW) -> Application:
    """An application the coordinator or a panel member of its posting may read."""
    application = (
        Application.objects.visible_to(user).select_related("posting__unit").filter(pk=pk).first()
    )
    if application is None:
        raise Http404
    _log(user, action, application)
    return application


def get_managed_application_for(
    user: Any, pk: int, *, action: str = AccessAction.CHANGE
) -> Application:
    """An application only the managing coordinator may change (status, interviews)."""
    application = (
        Application.objects.managed_by(user).select_related("posting__unit").filter(pk=pk).first()
    )
    if application is None:
        raise Http404
    _log(user, action, application)
    return application


def manages(user: Any, application: Application) -> bool:
    return Application.objects.managed_by(user).filter(pk=application.pk).exists()


def get_managed_interview_for(user: Any, pk: int) -> Interview:
    interview = (
        Interview.objects.filter(pk=pk, application__in=Application.objects.managed_by(user))
        .select_related("application__posting")
        .first()
    )
    if interview is None:
        raise Http404
    _log(user, AccessAction.CHANGE, interview.application)
    return interview


def get_interview_for_panel(user: Any, pk: int, *, action: str = AccessAction.VIEW) -> Interview:
    """An interview `user` sits on the panel of (not a cancelled one): to write a note."""
    interview = (
        Interview.objects.filter(pk=pk, seats__user=user)
        .exclude(status=InterviewStatus.CANCELLED)
        .select_related("application__posting")
        .first()
    )
    if interview is None or not getattr(user, "is_active", False):
        raise Http404
    _log(user, action, interview.application)
    return interview


def applications_for_posting(
    user: Any, pk: int, *, criterion: str, status: str = "", page_number: Any = None
) -> tuple[JobPosting, bool, Page]:
    """A posting whose applications `user` may list, whether `user` manages it, and a
    page of the applications (names, status, dates; of one status, if chosen): one entry
    for the list."""
    posting, manages = get_posting_with_applications_for(user, pk)
    shown(
        user=user,
        action=AccessAction.SEARCH,
        purpose=RECRUITMENT_PURPOSE,
        criterion=criterion,
        obj=posting,
    )
    return (
        posting,
        manages,
        page_of(selectors.application_rows(posting, status=status), page_number),
    )


def interviews_for(user: Any) -> tuple[QuerySet[Interview], QuerySet[Interview]]:
    """The interviews `user` sits on the panel for, and a coordinator's postings' next
    ones. The list shows applicants' names: one entry, a search in the log."""
    shown(
        user=user,
        action=AccessAction.SEARCH,
        purpose=RECRUITMENT_PURPOSE,
        criterion="my-interviews",
    )
    return selectors.my_interviews(user), selectors.coordinator_interviews(user)
