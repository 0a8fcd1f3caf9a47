"""Notifications about referrals: a new self-referral, and referrals left waiting.

The texts carry the referral's reference ("H-12") and nothing about the person; the link
leads to the referral, which the inbox offers only while the reader may see the person.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from brobygger.lib.dates import local_datetime
from brobygger.notifications.models import NotificationKind
from brobygger.notifications.selectors import coordinators_by_unit, coordinators_for_unit
from brobygger.notifications.services import notify

from .models import OPEN_STATUSES, Referral


def reference(referral: Referral | int) -> str:
    """The referral's reference in texts that may name no person: "H-12" (henvisning)."""
    pk = referral if isinstance(referral, int) else referral.pk
    return f"H-{pk}"


def notify_self_referral(referral: Referral) -> None:
    """Tell the coordinators of the unit (all of them, for no unit yet) that it came in."""
    notify(
        kind=NotificationKind.SELF_REFERRAL,
        recipients=coordinators_for_unit(referral.unit_id),
        title=format_lazy(gettext_lazy("New self-referral ({ref})"), ref=reference(referral)),
        link=reverse("referrals:referral_detail", args=[referral.pk]),
        person=referral.person,
        dedupe_key=f"self-referral:{referral.pk}",
    )


def notify_waiting(*, today: datetime.date | None = None) -> int:
    """Notify the coordinators once about each open referral received more than
    NOTIFY_REFERRAL_WAITING_DAYS days ago; idempotent. How many notifications were made."""
    today = today or timezone.localdate()
    days = settings.NOTIFY_REFERRAL_WAITING_DAYS
    cutoff = local_datetime(today - datetime.timedelta(days=days), datetime.time())
    waiting = list(
        Referral.objects.filter(status__in=OPEN_STATUSES, received_at__lt=cutoff)
        .select_related("person")
        .order_by("pk")
    )
    by_unit = coordinators_by_unit(r.unit_id for r in waiting if r.unit_id is not None)
    everyone = list(coordinators_for_unit(None)) if any(r.unit_id is None for r in waiting) else []
    made = 0
    for referral in waiting:
        recipients = by_unit.get(referral.unit_id, []) if referral.unit_id else everyone
        made += len(
            notify(
                kind=NotificationKind.REFERRAL_WAITING,
                recipients=recipients,
                title=format_lazy(
                    gettext_lazy("Referral {ref} has waited more than {days} days"),
                    ref=reference(referral),
                    days=days,
                ),
                link=reverse("referrals:referral_detail", args=[referral.pk]),
                person=referral.person,
                dedupe_key=f"referral-waiting:{referral.pk}",
            )
        )
    return made
