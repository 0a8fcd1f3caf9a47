"""Who may see and change which conversation. Fetchers 404 and log the look."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from brobygger.accounts.models import Role
from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction, Purpose
from brobygger.people.models import PeerWorker
from brobygger.referrals import access as referral_access
from brobygger.referrals.models import Course

from .models import Appointment, AvailabilityException


def get_appointment_for(user: Any, pk: int, *, action: str = AccessAction.VIEW) -> Appointment:
    appointment = (
        Appointment.objects.visible_to(user)
        .select_related("person", "peer__user", "course")
        .filter(pk=pk)
        .first()
    )
    if appointment is None:
        raise Http404
    purpose = Purpose.COORDINATION if user.role == Role.COORDINATOR else Purpose.SUPPORT
    shown(
        user=user, action=action, purpose=purpose, person_id=appointment.person_id, obj=appointment
    )
    return appointment


def own_peer_profile(user: Any) -> PeerWorker:
    peer = PeerWorker.objects.filter(user=user).select_related("user").first()
    if peer is None:
        raise Http404
    return peer


def course_to_book(user: Any, pk: int) -> Course:
    """A running course the user may book conversations in (its peer, or a coordinator).

    The form shows the person, so opening it is a look at them; booking is the change.
    """
    course = referral_access.get_course_for(user, pk, action=AccessAction.CHANGE)
    if not referral_access.can_edit_course(user, course) or course.ended_on:
        raise Http404
    return course


def exception_for(user: Any, pk: int) -> AvailabilityException:
    """A day off or extra time of a peer the user may plan for (their own, or their units')."""
    exception = (
        AvailabilityException.objects.filter(pk=pk, peer__in=PeerWorker.objects.visible_to(user))
        .select_related("peer")
        .first()
    )
    if exception is None:
        raise Http404
    return exception
