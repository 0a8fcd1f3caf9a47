"""Who may see and act on which referral and course. Fetchers 404 and log the look."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from brobygger.accounts import policy
from brobygger.accounts.models import Role
from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction, Purpose
from brobygger.people.models import Consent

from .models import Course, Referral


def _purpose(user: Any) -> str:
    return policy.purpose_for(user)


def get_referral_for(user: Any, pk: int, *, action: str = AccessAction.VIEW) -> Referral:
    """Coordinators: referrals of their units (and those with no unit); clinicians: their own."""
    referral = (
        Referral.objects.visible_to(user)
        .select_related("person", "unit", "peer__user", "referred_by", "possible_duplicate")
        .filter(pk=pk)
        .first()
    )
    if referral is None:
        raise Http404
    shown(
        user=user, action=action, purpose=_purpose(user), person_id=referral.person_id, obj=referral
    )
    return referral


def can_manage_referral(user: Any) -> bool:
    return getattr(user, "role", None) == Role.COORDINATOR


def get_course_for(user: Any, pk: int, *, action: str = AccessAction.VIEW) -> Course:
    """A peer sees only their own courses; a coordinator those of their units."""
    course = (
        Course.objects.visible_to(user)
        .select_related("person", "peer__user", "unit", "referral")
        .filter(pk=pk)
        .first()
    )
    if course is None:
        raise Http404
    shown(user=user, action=action, purpose=_purpose(user), person_id=course.person_id, obj=course)
    return course


def can_edit_course(user: Any, course: Course) -> bool:
    role = getattr(user, "role", None)
    if role == Role.COORDINATOR:
        return True
    return role in (Role.PEER_WORKER, Role.RELATIVE_PEER) and course.peer.user_id == user.pk


def get_consent_for(user: Any, pk: int) -> Consent:
    """Consents are managed by the coordinator, for persons of their units."""
    from brobygger.people.models import Person

    if getattr(user, "role", None) != Role.COORDINATOR:
        raise Http404
    consent = (
        Consent.objects.filter(pk=pk, person__in=Person.objects.visible_to(user))
        .select_related("person")
        .first()
    )
    if consent is None:
        raise Http404
    shown(
        user=user,
        action=AccessAction.CHANGE,
        purpose=Purpose.COORDINATION,
        person_id=consent.person_id,
        obj=consent,
    )
    return consent
