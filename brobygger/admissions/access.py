"""Who may see and change admissions: coordinators, for their units' courses. Logged.

Admissions are used only in aggregate (readmissions and bed days for the evaluation), so
peers, clinicians and evaluators never see one admission; the coordinator enters and
corrects them. Every look is logged with the evaluation purpose.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from brobygger.accounts.models import Role
from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction, Purpose
from brobygger.referrals.models import Course

from . import selectors
from .importfile import ParsedFile
from .importing import ImportPlan, plan_import
from .models import Admission

# Admissions serve the programme's evaluation and statistics. The audit app's Purpose
# names it EVALUATION where it has one; the stored code is the same either way.
PURPOSE: str = getattr(Purpose, "EVALUATION", "evaluation")


def can_manage_admissions(user: Any) -> bool:
    return getattr(user, "role", None) == Role.COORDINATOR


def get_course_for(user: Any, pk: int, *, action: str = AccessAction.VIEW) -> Course:
    """A course of the coordinator's units (or with no unit); 404 for anyone else."""
    if not can_manage_admissions(user):
        raise Http404
    course = Course.objects.visible_to(user).select_related("person", "unit").filter(pk=pk).first()
    if course is None:
        raise Http404
    shown(user=user, action=action, purpose=PURPOSE, person_id=course.person_id, obj=course)
    return course


def admissions_for_course(
    user: Any, pk: int, *, action: str = AccessAction.VIEW
) -> tuple[Course, QuerySet[Admission]]:
    """A course of the coordinator's units (logged) and its admissions."""
    course = get_course_for(user, pk, action=action)
    return course, selectors.admissions_for_course(course)


def get_admission_for(user: Any, pk: int, *, action: str = AccessAction.VIEW) -> Admission:
    if not can_manage_admissions(user):
        raise Http404
    admission = (
        Admission.objects.filter(pk=pk, course__in=Course.objects.visible_to(user))
        .select_related("course__person", "unit")
        .first()
    )
    if admission is None:
        raise Http404
    shown(
        user=user,
        action=action,
        purpose=PURPOSE,
        person_id=admission.course.person_id,
        obj=admission,
    )
    return admission


def preview_import(user: Any, parsed: ParsedFile) -> ImportPlan:
    """What saving the file would do, matched by CPR number within the user's units."""
    return show_plan(user, plan_import(user, parsed))


def show_plan(user: Any, plan: ImportPlan) -> ImportPlan:
    """A preview looks persons up by CPR number and tells what is on file for them: one
    entry for the page, naming every person its rows are about.

    The criterion is the file's hash (itself hashed by the log), never a CPR number; the
    saved import then writes its own entry pointing at the import with its counts.
    """
    shown(
        user=user,
        action=AccessAction.SEARCH,
        purpose=PURPOSE,
        person_ids=plan.shown_person_ids(),
        criterion=f"admissions-import:{plan.file.sha256}",
    )
    return plan
