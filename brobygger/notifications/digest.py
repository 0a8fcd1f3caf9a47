"""The daily digest: one e-mail per staff user with new unread notifications.

Counts per kind and the inbox's address; no title, no reference, no person (a mailbox
is read on many devices and forwarded). `manage.py send_digest`, daily from cron; it is
idempotent: the claim (DigestSent, unique per user and day) is made in the transaction
that sends, so a second run the same day sends nothing, and a failed send is retried.
"""

from __future__ import annotations

import datetime
import logging
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from brobygger.accounts.models import User
from brobygger.audit.services import record_event
from brobygger.lib.language import text_language

from . import messaging
from .models import DigestSent, Notification, NotificationKind
from .selectors import digest_counts

logger = logging.getLogger(__name__)


def digest_message(
    counts: dict[str, int], *, unread: int, base_url: str, language: str
) -> tuple[str, str]:
    """(subject, text) of a user's digest: counts per kind and the inbox's address."""
    url = base_url.rstrip("/") + reverse("notifications:inbox")
    with translation.override(text_language(language)):
        subject = _("Brobygger: new notifications")
        lines = [
            ngettext(
                "You have %(count)d unread notification in Brobygger.",
                "You have %(count)d unread notifications in Brobygger.",
                unread,
            )
            % {"count": unread},
            "",
            _("New since yesterday:"),
        ]
        for kind in NotificationKind:
            if counts.get(kind.value):
                lines.append(f"- {kind.label}: {counts[kind.value]}")
        lines += [
            "",
            _("Read them in Brobygger: %(url)s") % {"url": url},
            "",
            _("You get this e-mail at most once a day, when there is something new."),
        ]
    return subject, "\n".join(lines)


def _release(claim: DigestSent) -> None:
    """The e-mail failed after the claim committed: give it back for the next run."""
    with transaction.atomic():
        DigestSent.objects.filter(pk=claim.pk).delete()
        record_event(actor=None, verb="notification.digest_failed", obj=claim.user)
    # No traceback: a mail server's error may name the address.
    logger.error("Notification digest to user %s failed; it will be retried.", claim.user_id)


def _send_one(user: Any, counts: dict[str, int], *, base_url: str, today: datetime.date) -> bool:
    unread = Notification.objects.for_user(user).unread().count()
    try:
        with transaction.atomic():
            claim = DigestSent.objects.create(user=user, day=today, unread=unread)
            subject, text = digest_message(
                counts, unread=unread, base_url=base_url, language=user.language
            )
            # Sent when the claim commits, never inside the transaction (messaging.py).
            delivery = messaging.send_on_commit(
                "email", user.email, text, subject=subject, on_failure=partial(_release, claim)
            )
            record_event(
                actor=None,
                verb="notification.digest_sent",
                obj=claim,
                data={"unread": unread, "kinds": counts},
            )
    except IntegrityError:
        return False  # already sent today
    return delivery.sent is not False


def send_digests(*, base_url: str, today: datetime.date | None = None) -> int:
    """E-mail every active staff user with unread notifications made in the last day,
    once a day. How many e-mails went."""
    today = today or timezone.localdate()
    since = timezone.now() - datetime.timedelta(days=1)
    counts = digest_counts(since)
    done = set(DigestSent.objects.filter(day=today).values_list("user_id", flat=True))
    users = (
        User.objects.filter(pk__in=set(counts) - done, is_active=True)
        .exclude(email="")
        .order_by("pk")
    )
    return sum(_send_one(u, counts[u.pk], base_url=base_url, today=today) for u in users)
