"""Telling the treating unit's contacts and the coordinators that a peer is worried.

Through notifications.notify, urgent: the notification is in the inbox at once, and a
text message (or an e-mail) goes out after the commit. The title names the concern by
its number and urgency only: never the person's name, CPR number or what happened.
"""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from brobygger.accounts.models import Role, User
from brobygger.notifications.models import Notification, NotificationKind
from brobygger.notifications.services import notify

from .models import Concern, UnitContact, Urgency


def coordinators_for(concern: Concern) -> list[User]:
    """The coordinators who see the concern: those of its unit (all, if it has none)."""
    users = User.objects.filter(role=Role.COORDINATOR, is_active=True)
    if concern.unit_id is not None:
        users = users.filter(units=concern.unit_id)
    return list(users.order_by("pk").distinct())


def unit_contacts_for(concern: Concern) -> list[User]:
    if concern.unit_id is None:
        return []
    ids = UnitContact.objects.filter(unit=concern.unit_id).values("user")
    return list(User.objects.filter(Q(pk__in=ids), is_active=True).order_by("pk"))


def raised_recipients(concern: Concern) -> list[User]:
    seen: dict[int, User] = {}
    for user in [*unit_contacts_for(concern), *coordinators_for(concern)]:
        if user.pk != concern.raised_by_id:
            seen.setdefault(user.pk, user)
    return list(seen.values())


def raised_title(concern: Concern) -> str:
    """Lazy: rendered in each recipient's language. No name, no CPR, nothing clinical."""
    return format_lazy(  # type: ignore[return-value]
        _("A peer worker is worried: concern no. {number} ({urgency})"),
        number=concern.pk,
        urgency=Urgency(concern.urgency).label,
    )


def unacknowledged_title(concern: Concern) -> str:
    return format_lazy(  # type: ignore[return-value]
        _("Nobody has acknowledged concern no. {number} ({urgency})"),
        number=concern.pk,
        urgency=Urgency(concern.urgency).label,
    )


def concern_raised(concern: Concern) -> list[Notification]:
    """Call inside the transaction that raises the concern. The coordinators' notification
    names the person (so the inbox hides its link once the person leaves their scope);
    the unit's contacts reach the concern through the concern's own access rule."""
    recipients = raised_recipients(concern)
    coordinators = {user.pk for user in coordinators_for(concern)}
    common = {
        "kind": NotificationKind.CONCERN_RAISED,
        "title": raised_title(concern),
        "link": reverse("concerns:detail", args=[concern.pk]),
        "dedupe_key": f"concern-raised-{concern.pk}",
        "urgent": True,
    }
    return notify(
        recipients=[user for user in recipients if user.pk in coordinators],
        person=concern.person,
        **common,  # type: ignore[arg-type]
    ) + notify(
        recipients=[user for user in recipients if user.pk not in coordinators],
        **common,  # type: ignore[arg-type]
    )


def concern_unacknowledged(concern: Concern) -> list[Notification]:
    """Call inside the transaction that escalates the concern: the coordinators again."""
    return notify(
        kind=NotificationKind.CONCERN_UNACKNOWLEDGED,
        recipients=coordinators_for(concern),
        title=unacknowledged_title(concern),
        link=reverse("concerns:detail", args=[concern.pk]),
        person=concern.person,
        dedupe_key=f"concern-unacknowledged-{concern.pk}",
        urgent=True,
    )
