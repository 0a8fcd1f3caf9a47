"""The inbox: a user's own notifications, with a link only where it may still be followed.

The inbox names no person (titles carry a kind and a reference at most), so opening it is
not a look at anyone and writes no access-log entry. What it must not do is lead to a
person the reader may no longer see: a notification about a person shows its link only
while that person is in the reader's scope (`Person.visible_to`, accounts/policy.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page
from django.http import Http404

from brobygger.lib.paging import page_of
from brobygger.people.models import Person

from .models import Notification
from .selectors import UNREAD_SHOWN_UP_TO

PAGE_SIZE = 50


@dataclass(frozen=True)
class InboxRow:
    notification: Notification
    link: str  # empty when there is none, or the person is out of the reader's scope


def get_notification_for(user: Any, pk: int) -> Notification:
    """One of the user's own notifications; anyone else's is 404."""
    notification = Notification.objects.for_user(user).filter(pk=pk).first()
    if notification is None:
        raise Http404
    return notification


def followable_links(user: Any, notifications: list[Notification]) -> dict[int, str]:
    """The link of each notification that may be followed: one query for the persons."""
    person_ids = {n.person_id for n in notifications if n.person_id is not None}
    visible: set[int] = set()
    if person_ids:
        visible = set(
            Person.objects.visible_to(user).filter(pk__in=person_ids).values_list("pk", flat=True)
        )
    links = {}
    for n in notifications:
        if not n.link:
            continue
        if n.about_person and n.person_id not in visible:
            continue  # the person was deleted, merged away, or left the reader's scope
        links[n.pk] = n.link
    return links


def inbox_for(
    user: Any, *, page: str | int | None, unread_only: bool
) -> tuple[Page, list[InboxRow]]:
    """A page of the user's notifications, newest first, with the links they may follow."""
    notifications = Notification.objects.for_user(user)
    if unread_only:
        notifications = notifications.unread()
    current = page_of(notifications, page, per_page=PAGE_SIZE)
    items = list(current.object_list)
    links = followable_links(user, items)
    return current, [InboxRow(n, links.get(n.pk, "")) for n in items]


def unread_count(user: Any) -> int:
    """How many of the user's notifications are unread, up to one past
    `selectors.UNREAD_SHOWN_UP_TO` (shown as "99+"): one query."""
    return Notification.objects.for_user(user).unread()[: UNREAD_SHOWN_UP_TO + 1].count()
