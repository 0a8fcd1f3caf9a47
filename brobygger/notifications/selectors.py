"""Who gets a notification, and the counts of the daily digest."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery

from brobygger.accounts.models import Membership, Role, Unit, User

from .models import Notification


def coordinators_for_unit(unit: Unit | int | None) -> QuerySet[User]:
    """The active coordinators of a unit; for no unit (a self-referral before triage),
    every active coordinator, as every coordinator sees those (accounts/policy.py)."""
    users = User.objects.filter(role=Role.COORDINATOR, is_active=True)
    if unit is not None:
        users = users.filter(memberships__unit=unit)
    return users.distinct().order_by("pk")


def coordinators_by_unit(unit_ids: Iterable[int]) -> dict[int, list[User]]:
    """The active coordinators of each of these units, in one query."""
    found: dict[int, list[User]] = defaultdict(list)
    memberships = (
        Membership.objects.filter(
            unit_id__in=set(unit_ids), user__role=Role.COORDINATOR, user__is_active=True
        )
        .select_related("user")
        .order_by("user_id")
    )
    for membership in memberships:
        found[membership.unit_id].append(membership.user)
    return found


def digest_counts(since: datetime.datetime) -> dict[int, dict[str, int]]:
    """Unread notifications per user and kind, made since `since`: one query."""
    rows = (
        Notification.objects.unread()
        .filter(created_at__gte=since, recipient__is_active=True)
        .values("recipient_id", "kind")
        .annotate(n=Count("pk"))
        .order_by("recipient_id", "kind")
    )
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for row in rows:
        counts[row["recipient_id"]][row["kind"]] = row["n"]
    return dict(counts)


def export_person(person: Any) -> dict[str, list[dict[str, Any]]]:
    """The staff notifications about the person, as plain data (GDPR art. 15): their
    kind, text (a reference, no name), recipient and when they were made and read."""
    from brobygger.lib.export import rows

    return {
        "notifications.Notification": rows(
            Notification.objects.filter(person=person)
            .select_related("recipient")
            .order_by("created_at", "pk"),
            drop=("dedupe_key",),
        )
    }


# The unread count is counted up to one past this many, and shown as "99+" beyond it: a
# coordinator at a region's scale had 1,300 unread notifications, all counted on every
# request with the user (0.45 ms of the server's time each, bench/throughput.py).
UNREAD_SHOWN_UP_TO = 99


def shown_unread(count: int) -> int | str:
    """The count as the header and the inbox show it."""
    return count if count <= UNREAD_SHOWN_UP_TO else f"{UNREAD_SHOWN_UP_TO}+"


class _CountOf(Subquery):
    """How many rows the subquery gives (its slice bounds the work)."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS counted)"
    output_field = IntegerField()


@cache
def unread_count_of_user() -> Subquery:
    """The user row's unread notifications, up to one past UNREAD_SHOWN_UP_TO, as an
    annotation of a query over users (read with the signed-in user on every request:
    apps.py); the same count as `access.unread_count`. Built once: a query copies an
    expression when it takes it in."""
    unread = (
        Notification.objects.unread()
        .filter(recipient=OuterRef("pk"))
        .order_by()
        .values("pk")[: UNREAD_SHOWN_UP_TO + 1]
    )
    return _CountOf(unread)
