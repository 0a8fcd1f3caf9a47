"""What each role's home page shows: a fixed number of queries whatever the data."""

from __future__ import annotations

import datetime
from typing import Any

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from brobygger.audit.models import AuditEvent
from brobygger.lib.dates import week_bounds, week_start
from brobygger.lib.suppress import suppress
from brobygger.people.models import PeerWorker

from .models import Role, Unit, User
from .services import PRIVILEGES_CHANGED


def coordinator_home(user: User) -> dict[str, Any]:
    from brobygger.people.models import PeerWorker, Person, PersonAccessRequest
    from brobygger.referrals.models import Course, Referral, ReferralStatus

    referrals = Referral.objects.visible_to(user)
    counts = dict(
        referrals.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    queue = [
        {"status": status, "label": label, "count": counts.get(status, 0)}
        for status, label in ReferralStatus.choices
    ]
    oldest = referrals.open().select_related("unit", "person").order_by("received_at")[:10]
    courses = Course.objects.visible_to(user).active()
    peers = (
        PeerWorker.objects.visible_to(user)
        .active()
        .select_related("user")
        .annotate(
            caseload=Count("courses", filter=Q(courses__ended_on__isnull=True), distinct=True)
        )
        .order_by("user__first_name")
    )
    from brobygger.people.selectors import contract_warnings

    return {
        "queue": queue,
        "oldest_referrals": oldest,
        "active_courses": courses.count(),
        "persons": Person.objects.visible_to(user).count(),
        "peers": peers,
        "contract_warnings": contract_warnings(user),
        "access_requests": PersonAccessRequest.objects.for_coordinator(user).open().count(),
    }


def peer_home(user: User) -> dict[str, Any]:
    from brobygger.referrals.models import Course

    courses = (
        Course.objects.visible_to(user)
        .active()
        .select_related("person", "unit")
        .order_by("person__given_name")
    )
    from brobygger.matching.selectors import proposals_for_peer
    from brobygger.scheduling.models import Appointment

    today = timezone.localdate()
    start, end = week_bounds(week_start(today))
    appointments = list(
        Appointment.objects.visible_to(user)
        .filter(status="booked")
        .overlapping(max(start, timezone.now() - datetime.timedelta(hours=2)), end)
        .select_related("person")
        .order_by("starts_at")
    )
    from brobygger.groups.selectors import sessions_for_peer

    peer_pk = PeerWorker.objects.filter(user=user).values_list("pk", flat=True).first()
    sessions = list(sessions_for_peer(peer_pk, start, end)) if peer_pk else []
    from brobygger.recruitment.selectors import sits_on_a_panel

    return {
        "courses": courses,
        "sessions": sessions,
        "on_panel": sits_on_a_panel(user),
        "proposals": proposals_for_peer(user),
        "today": [a for a in appointments if timezone.localtime(a.starts_at).date() == today],
        "this_week": [a for a in appointments if timezone.localtime(a.starts_at).date() > today],
    }


def clinician_home(user: User) -> dict[str, Any]:
    from brobygger.referrals.models import Referral

    referrals = (
        Referral.objects.visible_to(user)
        .select_related("person", "unit")
        .order_by("-received_at")[:50]
    )
    from brobygger.recruitment.selectors import sits_on_a_panel

    return {"referrals": referrals, "on_panel": sits_on_a_panel(user)}


def evaluator_home() -> dict[str, Any]:
    """Aggregates only, with small cells suppressed."""
    from brobygger.people.models import PeerWorker, Person, PersonKind
    from brobygger.referrals.models import Course, SupportModel

    kinds = dict(
        Person.objects.values_list("kind").annotate(n=Count("id")).values_list("kind", "n")
    )
    models_ = dict(
        Course.objects.active()
        .values_list("support_model")
        .annotate(n=Count("id"))
        .values_list("support_model", "n")
    )
    return {
        "persons_by_kind": [(label, suppress(kinds.get(k, 0))) for k, label in PersonKind.choices],
        "courses_by_model": [
            (label, suppress(models_.get(k, 0))) for k, label in SupportModel.choices
        ],
        "peer_count": suppress(PeerWorker.objects.active().count()),
    }


def admin_home() -> dict[str, Any]:
    from brobygger.audit.models import AccessLogEntry
    from brobygger.audit.selectors import latest_check

    users = dict(User.objects.values_list("role").annotate(n=Count("id")).values_list("role", "n"))
    return {
        "users_by_role": [(label, users.get(role, 0)) for role, label in Role.choices],
        "recent_access": AccessLogEntry.objects.select_related("user").order_by("-seq")[:20],
        "audit_check": latest_check(),
    }


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


ROLE_CHANGE_LIMIT = 500


def _role_label(role: str | None) -> str:
    return str(Role(role).label) if role in Role.values else "—"


def role_changes(limit: int = ROLE_CHANGE_LIMIT) -> list[dict[str, Any]]:
    """Every change of a role or units, newest first: who, whom, before, after, when.

    Read from the audit trail itself, so the report cannot differ from it. Three
    queries whatever the number of rows.
    """
    events = list(
        AuditEvent.objects.filter(verb=PRIVILEGES_CHANGED, object_type="accounts.user")
        .select_related("actor")
        .order_by("-seq")[:limit]
    )
    users = User.objects.in_bulk({e.object_id for e in events if e.object_id is not None})
    unit_ids = {pk for e in events for side in ("before", "after") for pk in e.data[side]["units"]}
    units = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))

    def side(data: dict[str, Any]) -> dict[str, Any]:
        names = sorted(units.get(pk, f"#{pk}") for pk in data["units"])
        return {"role": _role_label(data["role"]), "units": names}

    return [
        {
            "at": e.at,
            "actor": e.actor,
            "user": users.get(e.object_id) if e.object_id is not None else None,
            "before": side(e.data["before"]),
            "after": side(e.data["after"]),
        }
        for e in events
    ]


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
