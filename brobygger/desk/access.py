"""The one door for a home page: its reads, and one look naming every person it shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from brobygger.accounts import policy
from brobygger.accounts.models import PEER_ROLES, Role
from brobygger.audit.looks import shown

from . import selectors


@dataclass(frozen=True)
class HomePage:
    template: str
    context: dict[str, Any]


def _persons_shown(role: str | None, context: dict[str, Any]) -> list[int]:
    """The persons whose names the role's template renders (see templates/desk/)."""
    if role == Role.COORDINATOR:
        return [r.person_id for r in context["oldest_referrals"]]
    if role in PEER_ROLES:
        rows = [*context["courses"], *context["today"], *context["this_week"]]
        return [row.person_id for row in [*rows, *context["proposals"]]]
    if role == Role.CLINICIAN:
        return [r.person_id for r in context["referrals"]]
    return []  # the evaluator's counts and the administrator's overview name nobody


def home_page_for(user: Any) -> HomePage:
    """The signed-in user's home page. The response's access-log entry names every person
    on it (Sundhedsloven § 42a: each look at a person is logged), none for the evaluator's
    and the administrator's pages, which name nobody."""
    role = policy.role_of(user)
    if role == Role.COORDINATOR:
        page = HomePage("desk/home_coordinator.html", selectors.coordinator_home(user))
    elif role in PEER_ROLES:
        page = HomePage("desk/home_peer.html", selectors.peer_home(user))
    elif role == Role.CLINICIAN:
        page = HomePage("desk/home_clinician.html", selectors.clinician_home(user))
    elif role == Role.EVALUATOR:
        page = HomePage("desk/home_evaluator.html", selectors.evaluator_home())
    else:
        page = HomePage("desk/home_admin.html", selectors.admin_home())
    shown(
        user=user,
        purpose=policy.purpose_for(user),
        person_ids=_persons_shown(role, page.context),
    )
    return page
