"""Every change to notifications: creating them (`notify`, which the apps above call) and
marking them read. Each writes its `AuditEvent` in the same transaction.

Titles: pass a lazy text (``gettext_lazy`` or ``format_lazy``) with no name, CPR number
or clinical detail, at most a reference such as "H-123"; `notify` renders it in each
recipient's own language. Creating a notification is not a look at the person: nothing
is shown to anyone until the inbox is opened (and the inbox shows references only).

Urgent notifications also go out as a text message (or an e-mail, for a user with no
phone) once the transaction has committed, so a rolled-back change sends nothing. That
message carries the kind only, never the title or a person: a phone's lock screen and a
mailbox are not the place for them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from brobygger.audit.services import record_event
from brobygger.lib.language import text_language

from . import messaging
from .models import Notification, NotificationKind

if TYPE_CHECKING:
    from brobygger.accounts.models import User
    from brobygger.people.models import Person

logger = logging.getLogger(__name__)

TITLE_LENGTH = Notification._meta.get_field("title").max_length or 200


def notify(
    *,
    kind: str,
    recipients: Iterable[User],
    title: str | Promise,
    link: str = "",
    person: Person | None = None,
    dedupe_key: str = "",
    urgent: bool = False,
) -> list[Notification]:
    """Put a notification in each recipient's inbox; the ones created are returned.

    `dedupe_key` makes a repeated call (a scheduled check run again) a no-op for every
    recipient who already has a notification with that key, read or not. Inactive users
    get nothing. With `urgent`, each new notification is also sent as a message after
    the transaction commits.
    """
    if kind not in NotificationKind.values:
        raise ValueError(f"Unknown notification kind {kind!r}.")
    users: dict[int, Any] = {}
    for user in recipients:
        if user is not None and user.is_active and user.pk not in users:
            users[user.pk] = user
    if not users:
        return []
    created: list[Notification] = []
    with transaction.atomic():
        already: set[int] = set()
        if dedupe_key:
            already = set(
                Notification.objects.filter(
                    recipient_id__in=users, dedupe_key=dedupe_key
                ).values_list("recipient_id", flat=True)
            )
        for user in users.values():
            if user.pk in already:
                continue
            with translation.override(text_language(user.language)):
                text = str(title)[:TITLE_LENGTH]
            try:
                # A savepoint: a concurrent run that made the same key first wins.
                with transaction.atomic():
                    notification = Notification.objects.create(
                        recipient=user,
                        kind=kind,
                        title=text,
                        link=link,
                        person=person,
                        about_person=person is not None,
                        dedupe_key=dedupe_key,
                        urgent=urgent,
                    )
            except IntegrityError:
                if not dedupe_key:
                    raise
                continue
            record_event(
                actor=None,
                verb="notification.created",
                obj=notification,
                person_id=person.pk if person is not None else None,
                data={"kind": kind, "recipient": user.pk, "urgent": urgent},
            )
            created.append(notification)
            if urgent:
                transaction.on_commit(partial(send_urgent, notification.pk))
    return created


def mark_read(notification: Notification, *, user: Any) -> None:
    """Mark one of `user`'s own notifications read (again reading it changes nothing)."""
    if notification.recipient_id != user.pk:
        raise PermissionError("A notification is marked read only by its recipient.")
    if notification.read_at is not None:
        return
    with transaction.atomic():
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        record_event(actor=user, verb="notification.read", obj=notification)


def mark_all_read(*, user: Any) -> int:
    """Mark every unread notification of `user` read; how many there were."""
    with transaction.atomic():
        count = Notification.objects.for_user(user).unread().update(read_at=timezone.now())
        if count:
            record_event(actor=user, verb="notification.all_read", obj=user, data={"count": count})
    return count


# --- The urgent message ---------------------------------------------------------------------


def urgent_message(notification: Notification) -> tuple[str, str]:
    """(subject, text) of the message about an urgent notification: its kind and where to
    read it, in the recipient's language. No title, no reference, no person."""
    base_url = getattr(settings, "BROBYGGER_BASE_URL", "").rstrip("/")
    with translation.override(text_language(notification.recipient.language)):
        kind = NotificationKind(notification.kind).label
        subject = _("Brobygger: an urgent notification")
        text = _("Brobygger: you have an urgent notification (%(kind)s).") % {"kind": kind}
        if base_url:
            url = base_url + reverse("notifications:inbox")
            text += " " + _("Read it here: %(url)s") % {"url": url}
        else:
            text += " " + _("Log in to Brobygger to read it.")
    return subject, text


def send_urgent(notification_id: int) -> bool:
    """Send the message about one urgent notification; True if it went.

    Runs after the commit. A failure is logged (without the address) and not raised: the
    change that caused the notification has already been made, and the notification is
    in the inbox either way.
    """
    notification = (
        Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    )
    if notification is None:
        return False
    user = notification.recipient
    channel, to = ("sms", user.phone) if user.phone else ("email", user.email)
    if not to:
        return False
    subject, text = urgent_message(notification)
    try:
        messaging.send(channel, to, text, subject=subject)
    except Exception as error:
        # No traceback: a gateway's or mail server's error may name the address.
        logger.error(
            "Urgent notification %s could not be sent by %s (%s).",
            notification_id,
            channel,
            type(error).__name__,
        )
        return False
    return True
