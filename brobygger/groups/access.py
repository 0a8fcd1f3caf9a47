"""Who may see and run which group. Fetchers 404; pages with names log every person shown."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from brobygger.accounts import policy
from brobygger.accounts.models import PEER_ROLES, Role
from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction, Purpose
from brobygger.people.models import Person

from . import selectors
from .models import Enrolment, EnrolmentStatus, GroupSession, RecoveryGroup


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


def _roster(user: Any, group: RecoveryGroup, what: str, person_ids: list[int]) -> None:
    """One look at a page listing the group's participants: the persons on it, and a
    criterion naming the group and the page."""
    shown(
        user=user,
        action=AccessAction.SEARCH,
        purpose=purpose_for(user),
        criterion=f"group:{group.pk}:{what}",
        person_ids=person_ids,
        obj=group,
    )


def group_page_for(user: Any, group: RecoveryGroup) -> dict[str, Any]:
    """The group page: sessions, participants and the waiting list, every person logged."""
    page = selectors.group_page(group)
    persons = [e.person_id for e in page["enrolled"]] + [e.person_id for e in page["waiting"]]
    _roster(user, group, "roster", persons)
    return page


def session_page_for(user: Any, session: GroupSession) -> dict[str, Any]:
    """The session's attendance roster: every participant on it logged."""
    page = selectors.session_page(session)
    persons = [row["person"].pk for row in page["rows"]]
    _roster(user, session.group, f"session:{session.pk}", persons)
    return page


def enrol_candidates_for(user: Any, group: RecoveryGroup, text: str) -> list[Person]:
    """Patients `user` may sign up for the group who match the search; the search and
    every person found are logged, also when nobody is found."""
    found = selectors.candidates(user, group, text)
    shown(
        user=user,
        action=AccessAction.SEARCH,
        purpose=Purpose.COORDINATION,
        criterion=f"group:{group.pk}:enrol:{text}",
        person_ids=[p.pk for p in found],
        obj=group,
    )
    return found


def get_enrolment_for(user: Any, group: RecoveryGroup, person_pk: int) -> Enrolment:
    """A current enrolment (or waiting place) of the group, fetched for a change; 404
    otherwise. Logged only if the change is made (audit/looks.py)."""
    enrolment = (
        Enrolment.objects.filter(group=group, person_id=person_pk)
        .exclude(status=EnrolmentStatus.LEFT)
        .select_related("person")
        .first()
    )
    if enrolment is None:
        raise Http404
    shown(
        user=user,
        action=AccessAction.CHANGE,
        purpose=Purpose.COORDINATION,
        person_id=enrolment.person_id,
        obj=group,
    )
    return enrolment
