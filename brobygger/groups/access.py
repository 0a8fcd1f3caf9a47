"""Who may see and run which group. Fetchers 404; pages with names write the access log."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from brobygger.accounts import policy
from brobygger.accounts.models import Role
from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction

from .models import GroupSession, RecoveryGroup

PEER_ROLES = (Role.PEER_WORKER, Role.RELATIVE_PEER)


def purpose_for(user: Any) -> str:
    return policy.purpose_for(user)


def get_group_for(user: Any, pk: int, *, for_update: bool = False) -> RecoveryGroup:
    """The group, if the user coordinates its unit or runs it; else 404.

    Nobody learns that a group they may not see exists.
    """
    group = (
        RecoveryGroup.objects.visible_to(user)
        .select_related("unit")
        .prefetch_related("facilitators__user")
        .filter(pk=pk)
        .first()
    )
    if group is None:
        raise Http404
    if for_update and not can_manage_group(user):
        raise Http404
    return group


def get_session_for(user: Any, pk: int) -> GroupSession:
    session = (
        GroupSession.objects.visible_to(user)
        .select_related("group", "group__unit")
        .filter(pk=pk)
        .first()
    )
    if session is None:
        raise Http404
    return session


def can_manage_group(user: Any) -> bool:
    """Coordinators plan groups, sessions and sign-ups; facilitators run the sessions."""
    return getattr(user, "role", None) == Role.COORDINATOR


def can_run_session(user: Any, session: GroupSession) -> bool:
    """Attendance and the group note: the facilitators, and the coordinator standing in."""
    role = getattr(user, "role", None)
    if role == Role.COORDINATOR:
        return True
    if role in PEER_ROLES:
        return session.group.facilitators.filter(user=user).exists()
    return False


def log_roster(user: Any, group: RecoveryGroup, *, what: str = "roster") -> None:
    """One access-log entry for a page listing the group's participants.

    The criterion names the group, so "who looked at this person" can be answered
    by joining the group's enrolments.
    """
    shown(
        user=user,
        action=AccessAction.SEARCH,
        purpose=purpose_for(user),
        criterion=f"group:{group.pk}:{what}",
        obj=group,
    )


def get_enrolment_for(group: Any, person_pk: int) -> Any:
    """A current enrolment (or waiting place) of the group; 404 otherwise."""
    from .models import Enrolment, EnrolmentStatus

    enrolment = (
        Enrolment.objects.filter(group=group, person_id=person_pk)
        .exclude(status=EnrolmentStatus.LEFT)
        .select_related("person")
        .first()
    )
    if enrolment is None:
        raise Http404
    return enrolment
