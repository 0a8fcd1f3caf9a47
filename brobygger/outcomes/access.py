"""Who may see and act on which questionnaire. Fetchers 404 for outsiders and log the look."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page
from django.http import Http404

from brobygger.accounts.policy import purpose_for
from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction
from brobygger.lib.paging import page_of
from brobygger.referrals import access as referral_access
from brobygger.referrals.access import can_edit_course
from brobygger.referrals.models import Course

from . import selectors
from .models import Administration, Score


@dataclass(frozen=True)
class DuePages:
    overdue: Page
    due: Page


def get_administration_for(
    user: Any, pk: int, *, action: str = AccessAction.VIEW, edit: bool = False
) -> Administration:
    """Through the course: a peer reaches only their own courses, a coordinator their units'."""
    administration = (
        Administration.objects.visible_to(user)
        .filter(pk=pk)
        .select_related(
            "course__person", "course__peer__user", "course__unit", "version__instrument"
        )
        .first()
    )
    if administration is None:
        raise Http404
    if edit and not can_edit_course(user, administration.course):
        raise Http404
    shown(
        user=user,
        action=action,
        purpose=purpose_for(user),
        person_id=administration.course.person_id,
        obj=administration,
    )
    return administration


def due_pages_for(user: Any, *, overdue_page: Any = None, due_page: Any = None) -> DuePages:
    """A page of the overdue and of the due questionnaires the user may see (a peer's own
    caseload, a coordinator's units); the look names the persons of both pages shown."""
    overdue, due = selectors.due_and_overdue(user)
    pages = DuePages(overdue=page_of(overdue, overdue_page), due=page_of(due, due_page))
    shown(
        user=user,
        purpose=purpose_for(user),
        person_ids=[
            row.course.person_id for row in (*pages.overdue.object_list, *pages.due.object_list)
        ],
    )
    return pages


def administrations_for_course(user: Any, pk: int) -> tuple[Course, list[Administration]]:
    """A course the user may see (logged by its fetcher) and its questionnaires."""
    course = referral_access.get_course_for(user, pk)
    return course, selectors.administrations_for_course(course)


def scores_for_course(user: Any, pk: int) -> tuple[Course, list[Score]]:
    """A course the user may see (logged by its fetcher) and its scores over time."""
    course = referral_access.get_course_for(user, pk)
    return course, selectors.scores_for_course(course)
