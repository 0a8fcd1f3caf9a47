"""Telling the treating unit's contacts and the coordinators that a peer is worried.

The message says that there is a concern, how urgent, and where to open it: never the
person's name, CPR number or what happened (a text message or an e-mail leaves the
hospital's systems; the page behind the link asks for a login and logs the look).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from brobygger.accounts.models import Role, User
from brobygger.scheduling import messaging

from .models import Concern, UnitContact

logger = logging.getLogger(__name__)


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


def link_for(concern: Concern) -> str:
    return reverse("concerns:detail", args=[concern.pk])


def raised_text(concern: Concern) -> str:
    """In the language active when called: no name, no CPR, nothing of what happened."""
    return _(
        "Brobygger: a peer worker is worried about a person (%(urgency)s). "
        "Please open concern no. %(number)s in Brobygger and acknowledge it: %(link)s"
    ) % {"urgency": concern.get_urgency_display(), "number": concern.pk, "link": _url(concern)}


def unacknowledged_text(concern: Concern) -> str:
    return _(
        "Brobygger: concern no. %(number)s (%(urgency)s) has not been acknowledged by anyone. "
        "Please open it in Brobygger: %(link)s"
    ) % {"urgency": concern.get_urgency_display(), "number": concern.pk, "link": _url(concern)}


def _url(concern: Concern) -> str:
    base = getattr(settings, "BROBYGGER_BASE_URL", "") or ""
    return base.rstrip("/") + link_for(concern)


def concern_raised(concern: Concern) -> list[User]:
    """Called when the concern is committed: tell the unit's contacts and coordinators."""
    recipients = raised_recipients(concern)
    _send(recipients, concern, raised_text)
    return recipients


def concern_unacknowledged(concern: Concern) -> list[User]:
    """Called when an unacknowledged concern is escalated: tell the coordinators again."""
    recipients = coordinators_for(concern)
    _send(recipients, concern, unacknowledged_text)
    return recipients


def _send(recipients: Iterable[User], concern: Concern, text_for: Any) -> None:
    """A text message to the staff phone, else an e-mail. A failed send is logged (with
    no number or address) and does not undo the concern: it is on the page either way."""
    for user in recipients:
        with translation.override(user.language or settings.LANGUAGE_CODE):
            text = text_for(concern)
        channel, to = _channel(user)
        if not to:
            continue
        try:
            messaging.send(channel, to, text, subject=_("Brobygger: concern"))
        except Exception as error:
            logger.warning(
                "Concern %s: the %s to user %s failed: %s",
                concern.pk,
                channel,
                user.pk,
                type(error).__name__,
            )


def _channel(user: User) -> tuple[str, str]:
    if user.phone and getattr(settings, "BROBYGGER_SMS_BACKEND", ""):
        return "sms", user.phone
    return "email", user.email
