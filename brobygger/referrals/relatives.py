"""The relatives' track: the plan agreed with a relative on their course.

A relative peer supports the relative with their own situation (DOMAIN.md §1, §4); the
plan says what support, by whom and the next step. Each save is a new version, so the
earlier agreements stay readable, and each is audited.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brobygger.audit.services import record_event
from brobygger.people.models import PersonKind

from .models import Course, RelativePlan

PLAN_FIELDS = ("support", "by_whom", "next_step")


def current_plan(course: Course) -> RelativePlan | None:
    return course.relative_plans.select_related("written_by").order_by("-version").first()


def save_relative_plan(
    *, actor: Any, course: Course, support: str, by_whom: str, next_step: str
) -> RelativePlan:
    """A new version of the plan agreed with the relative; the same text again changes
    nothing. Only on an active course of a relative."""
    if course.person.kind != PersonKind.RELATIVE:
        raise ValidationError(_("Only a relative's course has a plan agreed with the relative."))
    if course.ended_on is not None:
        raise ValidationError(_("The course has ended: the plan can no longer be changed."))
    texts = (support, by_whom, next_step)
    values = {name: text.strip() for name, text in zip(PLAN_FIELDS, texts, strict=True)}
    for name in PLAN_FIELDS:
        if not values[name]:
            raise ValidationError({name: _("This field is required.")})
    with transaction.atomic():
        # Lock the course so two saves at once get versions n+1 and n+2, not both n+1.
        Course.objects.select_for_update().filter(pk=course.pk).first()
        latest = current_plan(course)
        if latest is not None and all(getattr(latest, n) == values[n] for n in PLAN_FIELDS):
            return latest
        plan = RelativePlan.objects.create(
            course=course,
            version=(latest.version + 1) if latest else 1,
            written_by=actor,
            written_at=timezone.now(),
            **values,
        )
        record_event(
            actor=actor,
            verb="relative_plan.saved",
            obj=plan,
            person_id=course.person_id,
            data={"course_id": course.pk, "version": plan.version},
        )
    return plan
