"""What each role's home page shows: a fixed number of queries whatever the data.

The page gathers from many apps, so these reads live here, above them; `access.py`
hands them to the view and records whom they show.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q
from django.utils import timezone

from brobygger.accounts import policy
from brobygger.accounts.models import Role, User
from brobygger.audit.models import AccessLogEntry
from brobygger.audit.selectors import latest_check
from brobygger.groups.selectors import sessions_for_peer, sessions_in_range, sessions_run_by
from brobygger.lib.dates import elapsed_minutes, local_datetime, week_bounds, week_start
from brobygger.lib.suppress import suppress
from brobygger.matching.selectors import proposals_for_peer
from brobygger.people.models import PeerWorker, Person, PersonAccessRequest, PersonKind
from brobygger.recruitment.selectors import sits_on_a_panel
from brobygger.referrals.models import Course, Referral, ReferralStatus, SupportModel
from brobygger.scheduling.models import Appointment
from brobygger.workforce import selectors as workforce_selectors

OLDEST_REFERRALS = 10
CONTRACT_WARNINGS = 10
CLINICIAN_REFERRALS = 50
# What a course row of the peer's home shows (templates/desk/home_peer.html).
COURSE_ROW = (
    "id",
    "person",
    "unit",
    "support_model",
    "phase",
    "started_on",
    "person__given_name",
    "person__family_name",
    "unit__name",
)


def coordinator_home(user: User) -> dict[str, Any]:
    """Counts and short lists: the page does not grow with the programme. The oldest open
    referrals and the first contract warnings, each linking to its whole list; the peers
    as a summary (their list, with the caseload of each, is the peer list)."""
    referrals = Referral.objects.visible_to(user)
    counts = dict(
        referrals.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    queue = [
        {"status": status, "label": label, "count": counts.get(status, 0)}
        for status, label in ReferralStatus.choices
    ]
    oldest = list(
        referrals.open()
        .select_related("unit", "person")
        .only(
            "pk",
            "status",
            "received_at",
            "person_id",
            "person__given_name",
            "person__family_name",
            "unit__name",
        )
        .order_by("received_at", "pk")[:OLDEST_REFERRALS]
    )
    courses = Course.objects.visible_to(user).active()
    busy = courses.filter(peer=OuterRef("pk"))
    peers = (
        PeerWorker.objects.visible_to(user)
        .active()
        .annotate(busy=Exists(busy))
        .aggregate(total=Count("pk"), idle=Count("pk", filter=Q(busy=False)))
    )
    warnings = contract_warnings(user)
    return {
        "queue": queue,
        "oldest_referrals": oldest,
        "active_courses": courses.count(),
        "persons": Person.objects.visible_to(user).count(),
        "peer_count": peers["total"],
        "idle_peers": peers["idle"],
        "contract_warnings": warnings[:CONTRACT_WARNINGS],
        "more_contract_warnings": max(0, len(warnings) - CONTRACT_WARNINGS),
        "access_requests": PersonAccessRequest.objects.for_coordinator(user).open().count(),
    }


def peer_home(user: User) -> dict[str, Any]:
    # Only the columns the page shows: a caseload's rows stay cheap to build (issue 19).
    courses = list(
        Course.objects.visible_to(user)
        .active()
        .select_related("person", "unit")
        .only(*COURSE_ROW)
        .order_by("person__given_name")
    )
    today = timezone.localdate()
    start, end = week_bounds(week_start(today))
    appointments = list(
        Appointment.objects.visible_to(user)
        .filter(status="booked")
        .overlapping(max(start, timezone.now() - datetime.timedelta(hours=2)), end)
        .select_related("person")
        .only("id", "person", "starts_at", "mode", "person__given_name", "person__family_name")
        .order_by("starts_at")
    )
    sessions = list(sessions_run_by(user, start, end))
    return {
        "courses": courses,
        "sessions": sessions,
        "on_panel": sits_on_a_panel(user),
        "proposals": list(proposals_for_peer(user)),
        "today": [a for a in appointments if timezone.localtime(a.starts_at).date() == today],
        "this_week": [a for a in appointments if timezone.localtime(a.starts_at).date() > today],
    }


def clinician_home(user: User) -> dict[str, Any]:
    referrals = list(
        Referral.objects.visible_to(user)
        .select_related("person", "unit")
        .order_by("-received_at", "-pk")[:CLINICIAN_REFERRALS]
    )
    return {"referrals": referrals, "on_panel": sits_on_a_panel(user)}


def evaluator_home() -> dict[str, Any]:
    """Aggregates only, with small cells suppressed."""
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
    users = dict(User.objects.values_list("role").annotate(n=Count("id")).values_list("role", "n"))
    return {
        "users_by_role": [(label, users.get(role, 0)) for role, label in Role.choices],
        "recent_access": AccessLogEntry.objects.select_related("user").order_by("-seq")[:20],
        "audit_check": latest_check(),
    }


def contract_warnings(
    user: Any, *, today: datetime.date | None = None, days: int | None = None
) -> list[dict[str, Any]]:
    """The coordinator's peers whose contract ends within `days` (or has ended), or who
    are leaving, while they still have active courses or booked conversations: soonest
    end first. Three queries whatever the number of peers (one when none is near the end):
    the peers near their end, then their active courses and their booked conversations
    counted per peer (a join of both would multiply one by the other, and a count per peer
    in a subquery makes SQLite walk every booked conversation of the region once per
    peer)."""
    today = today or timezone.localdate()
    days = settings.CONTRACT_END_WARNING_DAYS if days is None else days
    horizon = today + datetime.timedelta(days=days)
    since = local_datetime(today, datetime.time())
    near_end = (
        PeerWorker.objects.visible_to(user)
        .active()
        .filter(
            Q(contract_end__lte=horizon)
            | Q(departure__isnull=False, departure__completed_at__isnull=True)
        )
    )
    peers = list(near_end.select_related("user", "departure"))
    if not peers:
        return []
    ids = [peer.pk for peer in peers]
    active = dict(
        Course.objects.filter(peer__in=ids, ended_on__isnull=True)
        .values_list("peer")
        .annotate(n=Count("pk"))
        .values_list("peer", "n")
    )
    booked = dict(
        # The status counted, not filtered: SQLite then walks the (peer, start) index of
        # these peers instead of every booked conversation of the region.
        Appointment.objects.filter(peer__in=ids, starts_at__gte=since)
        .values_list("peer")
        .annotate(n=Count("pk", filter=Q(status="booked")))
        .values_list("peer", "n")
    )
    rows = []
    for peer in peers:
        courses, appointments = active.get(peer.pk, 0), booked.get(peer.pk, 0)
        departure = getattr(peer, "departure", None)
        leaving = departure is not None and not departure.is_completed
        ends = departure.last_day if leaving and departure else peer.contract_end
        if ends is None or not (courses or appointments):
            continue
        rows.append(
            {
                "peer": peer,
                "ends_on": ends,
                "days_left": (ends - today).days,
                "ended": ends < today,
                "leaving": leaving,
                "active_courses": courses,
                "future_appointments": appointments,
            }
        )
    rows.sort(key=lambda row: (row["ends_on"], row["peer"].name))
    return rows


# The peer's week and the coordinator's planning (scheduling:my_week, scheduling:planning):
# conversations and group sessions together.


def peer_week(user: Any, peer: PeerWorker, monday: datetime.date) -> dict[str, Any]:
    """A peer's conversations and the group sessions they run in one week, by day, with
    hours against the contract (scheduling:my_week).

    Every conversation counts in the hours; `shown` says whether `user` may still see
    whom it was with (accounts/policy.py: not once the course's read period is over).
    """
    start, end = week_bounds(monday)
    appointments = list(
        Appointment.objects.filter(peer=peer)
        .overlapping(start, end)
        .annotate(
            shown=ExpressionWrapper(policy.course_q(user, "course__"), output_field=BooleanField())
        )
        .select_related("person", "course")
        .order_by("starts_at")
    )
    sessions = list(sessions_for_peer(peer, start, end))
    days = []
    for offset in range(7):
        day = monday + datetime.timedelta(days=offset)
        days.append(
            {
                "date": day,
                "appointments": [
                    a for a in appointments if timezone.localtime(a.starts_at).date() == day
                ],
                "sessions": [s for s in sessions if timezone.localtime(s.starts_at).date() == day],
            }
        )
    minutes = sum(a.minutes for a in appointments if a.status != "cancelled") + sum(
        elapsed_minutes(s.starts_at, s.ends_at) for s in sessions
    )
    held = sum(a.minutes for a in appointments if a.status == "held")
    return {
        "days": days,
        "booked_hours": Decimal(minutes) / 60,
        "held_hours": Decimal(held) / 60,
        "monday": monday,
        "previous": monday - datetime.timedelta(days=7),
        "next": monday + datetime.timedelta(days=7),
    }


def peers_load(
    peers: Iterable[PeerWorker], first_monday: datetime.date, weeks: int = 6
) -> list[dict[str, Any]]:
    """Planned hours per peer per week for the coming weeks, against the contract band:
    booked conversations, group sessions run, supervision sessions of the peer's groups
    and peer education (workforce.selectors.planned_minutes), as the timesheet counts
    them once they have happened. Four queries whatever the number of peers."""
    peer_list = list(peers)
    start, _ = week_bounds(first_monday)
    _, end = week_bounds(first_monday + datetime.timedelta(weeks=weeks - 1))
    totals: dict[tuple[int, datetime.date], int] = defaultdict(int)
    rows = (
        Appointment.objects.active()
        .filter(peer__in=peer_list)
        .overlapping(start, end)
        .values_list("peer_id", "starts_at", "ends_at")
    )
    for peer_id, s, e in rows:
        monday = week_start(timezone.localtime(s).date())
        totals[(peer_id, monday)] += int((e - s).total_seconds() // 60)
    mondays = [first_monday + datetime.timedelta(weeks=i) for i in range(weeks)]
    for peer_id, s, e in sessions_in_range([p.pk for p in peer_list], start, end):
        totals[(peer_id, week_start(timezone.localtime(s).date()))] += int(
            (e - s).total_seconds() // 60
        )
    last_day = first_monday + datetime.timedelta(weeks=weeks, days=-1)
    planned = workforce_selectors.planned_minutes([p.pk for p in peer_list], first_monday, last_day)
    for peer_id, days in planned.items():
        for day, minutes in days.items():
            totals[(peer_id, week_start(day))] += minutes
    return [
        {
            "peer": peer,
            "weeks": [
                {
                    "monday": m,
                    "hours": Decimal(totals[(peer.pk, m)]) / 60,
                    "over": Decimal(totals[(peer.pk, m)]) / 60 > peer.hours_max,
                }
                for m in mondays
            ],
        }
        for peer in peer_list
    ]
