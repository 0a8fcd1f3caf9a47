"""Who may see and manage which peer's education and supervision. Fetchers 404.

Coordinators manage the peers of their own units; a peer sees their own records
only (on their own page); everyone else sees nothing here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from brobygger.accounts.models import Role
from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction, Purpose
from brobygger.people.models import PeerWorker

from .models import EducationRecord, SupervisionGroup, SupervisionSession


def is_coordinator(user: Any) -> bool:
    return getattr(user, "role", None) == Role.COORDINATOR


def peers_for(user: Any) -> QuerySet[PeerWorker]:
    """The peers of the coordinator's units, including any who have left."""
    if not is_coordinator(user):
        return PeerWorker.objects.none()
    return PeerWorker.objects.visible_to(user)


def get_peer_for(user: Any, pk: int, *, action: str = AccessAction.VIEW) -> PeerWorker:
    """A peer of the coordinator's units; else 404. The look is logged."""
    peer = peers_for(user).select_related("user").filter(pk=pk).first()
    if peer is None:
        raise Http404
    shown(user=user, action=action, purpose=Purpose.COORDINATION, obj=peer)
    return peer


def own_peer(user: Any) -> PeerWorker:
    """The signed-in peer's own profile; 404 for an account without one."""
    peer = PeerWorker.objects.select_related("user").filter(user=user).first()
    if peer is None:
        raise Http404
    return peer


def get_record_for(user: Any, pk: int) -> EducationRecord:
    record = (
        EducationRecord.objects.filter(peer__in=peers_for(user), pk=pk)
        .select_related("peer__user")
        .first()
    )
    if record is None:
        raise Http404
    shown(user=user, action=AccessAction.CHANGE, purpose=Purpose.COORDINATION, obj=record.peer)
    return record


def get_group_for(user: Any, pk: int) -> SupervisionGroup:
    """A supervision group the coordinator manages; else 404 (nobody learns it exists)."""
    if not is_coordinator(user):
        raise Http404
    group = SupervisionGroup.objects.visible_to(user).select_related("unit").filter(pk=pk).first()
    if group is None:
        raise Http404
    return group


def get_session_for(user: Any, pk: int) -> SupervisionSession:
    if not is_coordinator(user):
        raise Http404
    session = (
        SupervisionSession.objects.visible_to(user)
        .select_related("group", "group__unit")
        .filter(pk=pk)
        .first()
    )
    if session is None:
        raise Http404
    return session


def log_group(user: Any, group: SupervisionGroup, *, what: str = "members") -> None:
    """One entry for a page listing a group's members and their attendance."""
    shown(
        user=user,
        action=AccessAction.SEARCH,
        purpose=Purpose.COORDINATION,
        criterion=f"supervision:{group.pk}:{what}",
        obj=group,
    )


def log_overview(user: Any, criterion: str) -> None:
    """One entry for the workforce overview (names, contracts, education, supervision)."""
    shown(
        user=user,
        action=AccessAction.SEARCH,
        purpose=Purpose.COORDINATION,
        criterion=f"workforce:{criterion}",
    )
