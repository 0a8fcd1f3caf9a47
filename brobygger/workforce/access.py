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

from . import selectors
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


def _log_group(user: Any, group: SupervisionGroup, *, what: str) -> None:
    """One entry for a page listing a group's members and their attendance."""
    shown(
        user=user,
        action=AccessAction.SEARCH,
        purpose=Purpose.COORDINATION,
        criterion=f"supervision:{group.pk}:{what}",
        obj=group,
    )


def group_page_for(user: Any, pk: int) -> tuple[SupervisionGroup, dict[str, Any]]:
    """A group the coordinator manages, with its members and sessions; logged."""
    group = get_group_for(user, pk)
    _log_group(user, group, what="members")
    return group, selectors.group_page(group)


def session_rows_for(user: Any, pk: int) -> tuple[SupervisionSession, list[dict[str, Any]]]:
    """A session the coordinator manages, with its members' attendance; logged."""
    session = get_session_for(user, pk)
    _log_group(user, session.group, what=f"session:{session.pk}")
    return session, selectors.session_rows(session)


def log_overview(user: Any, criterion: str) -> None:
    """One access-log entry for a coordinator's list of their peers (the workforce overview
    in brobygger/desk, the education overview here)."""
    shown(
        user=user,
        action=AccessAction.SEARCH,
        purpose=Purpose.COORDINATION,
        criterion=f"workforce:{criterion}",
    )


def education_overview_for(user: Any, *, page_number: Any = None) -> dict[str, Any]:
    """Who lacks completed peer education (a page of them), whether it is planned, the
    cost per year. One entry."""
    peers = peers_for(user)
    log_overview(user, "education")
    page = selectors.lacking_education(selectors.active_peers(peers), page_number=page_number)
    return {"page": page, "lacking": page.object_list, "years": selectors.cost_per_year(peers)}
