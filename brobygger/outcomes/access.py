"""Who may see and act on which questionnaire. Fetchers 404 for outsiders and log the look."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from brobygger.accounts.policy import purpose_for
from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction
from brobygger.referrals.access import can_edit_course

from .models import Administration


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
