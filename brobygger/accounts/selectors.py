"""Reads for the accounts pages: two-factor overview, role changes, locked sign-ins.

The role home pages gather from many apps and live in `brobygger.desk`, above them.
"""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.core.paginator import Page
from django.db.models import Max, Sum
from django.utils import timezone

from brobygger.audit.models import AuditEvent
from brobygger.lib.paging import page_of

from .models import Role, Unit, User
from .services import PRIVILEGES_CHANGED


def two_factor_overview(user: User) -> dict[str, Any]:
    """The user's authenticator app and how many recovery codes are left."""
    from django_otp.plugins.otp_static.models import StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return {
        "authenticator": TOTPDevice.objects.filter(user=user, confirmed=True)
        .order_by("-created_at")
        .first(),
        "codes_left": StaticToken.objects.filter(device__user=user, device__confirmed=True).count(),
    }


def _role_label(role: str | None) -> str:
    return str(Role(role).label) if role in Role.values else "—"


def role_changes(page_number: Any = None) -> Page:
    """Every change of a role or units, newest first: who, whom, before, after, when; 25
    a page (lib/paging, issue 19: it stopped silently at the newest 500).

    Read from the audit trail itself, so the report cannot differ from it. Four
    queries whatever the number of rows (the count, the page's events, their users and
    units).
    """
    page = page_of(
        AuditEvent.objects.filter(verb=PRIVILEGES_CHANGED, object_type="accounts.user")
        .select_related("actor")
        .order_by("-seq"),
        page_number,
    )
    events = list(page.object_list)
    users = User.objects.in_bulk({e.object_id for e in events if e.object_id is not None})
    unit_ids = {pk for e in events for side in ("before", "after") for pk in e.data[side]["units"]}
    units = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))

    def side(data: dict[str, Any]) -> dict[str, Any]:
        names = sorted(units.get(pk, f"#{pk}") for pk in data["units"])
        return {"role": _role_label(data["role"]), "units": names}

    page.object_list = [
        {
            "at": e.at,
            "actor": e.actor,
            "user": users.get(e.object_id) if e.object_id is not None else None,
            "before": side(e.data["before"]),
            "after": side(e.data["after"]),
        }
        for e in events
    ]
    return page


def locked_logins() -> list[dict[str, Any]]:
    """Accounts whose sign-in django-axes has locked now, with when the lock runs out.

    Only user names of real accounts: whatever else was typed in the user-name field
    (a mistyped name, even a password) is not shown.
    """
    cool_off = get_cool_off()
    attempts = AccessAttempt.objects.all()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    rows = (
        attempts.values("username")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
    )
    by_name = {row["username"]: row for row in rows}
    users = User.objects.filter(username__in=list(by_name)).order_by("username")
    return [
        {
            "user": user,
            "failures": by_name[user.username]["failures"],
            "until": by_name[user.username]["last"] + cool_off if cool_off else None,
        }
        for user in users
    ]
