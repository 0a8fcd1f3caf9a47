"""The one door for a home page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from brobygger.accounts import policy
from brobygger.accounts.models import PEER_ROLES, Role

from . import selectors


@dataclass(frozen=True)
class HomePage:
    template: str
    context: dict[str, Any]


def home_page_for(user: Any) -> HomePage:
    """The signed-in user's home page."""
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
    return page
