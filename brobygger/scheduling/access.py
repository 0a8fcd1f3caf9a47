"""Who may see and change which conversation. Fetchers 404 and log the look."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from brobygger.accounts.models import Role
from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction, Purpose
from brobygger.people.models import PeerWorker

from .models import Appointment


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
