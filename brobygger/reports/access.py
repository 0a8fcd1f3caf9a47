"""What each reader of the reports sees, and the log of what names someone.

The figures are aggregates and name nobody, so they write no access-log entry. The
coordinator's dashboard also names the peers of their units with their hours against
the contract: a staff member's personal data, so that page writes one entry (as the
timesheet overview does). Evaluators see no names.
"""

from __future__ import annotations

from typing import Any

from brobygger.accounts.models import Role
from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction, Purpose

from .cache import Kept
from .published import Published, publish
from .refresh import figures_for
from .scope import Scope


def dashboard_for(user: Any, scope: Scope) -> Kept[Published]:
    """The dashboard's figures as `user` may see them: an evaluator's with small counts
    hidden and no peer's name, a coordinator's exact and with their peers' hours; with
    the time they were computed (reports/cache.py)."""
    evaluator = getattr(user, "role", None) == Role.EVALUATOR
    computed = figures_for(scope)
    published = publish(computed.value, suppress=evaluator, with_peer_names=not evaluator)
    if published.peer_rows:
        units = ",".join(str(pk) for pk in scope.unit_ids) if scope.unit_ids else "all"
        shown(
            user=user,
            action=AccessAction.SEARCH,
            purpose=Purpose.EVALUATION,
            criterion=f"reports:peer-hours:{scope.date_from}:{scope.date_to}:units={units}",
        )
    return Kept(published, computed.computed_at, computed.current)
