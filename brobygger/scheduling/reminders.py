"""Reminders before a conversation: to the person (text or e-mail) and to the peer (e-mail).

``send_due_reminders`` is run by ``manage.py send_reminders`` from cron or a
database-backed task runner; there is no broker. It may run as often and as many times
at once as you like: each reminder is claimed by inserting its Reminder row (unique per
appointment and recipient) in the same transaction that sends it, so a second run either
waits and then fails the insert, or finds the row and skips.

The texts are deliberately bare. A text message or e-mail can be read by anyone who
picks up the phone, so they never name the person, the peer, the diagnosis, the ward,
the unit or the place (Sundhedsloven § 40: confidentiality covers the fact of treatment).
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from brobygger.audit.models import AccessAction, Purpose
from brobygger.audit.services import log_access, record_event
from brobygger.lib import when
from brobygger.lib.dates import TZ
from brobygger.lib.language import text_language
from brobygger.notifications import messaging
from brobygger.people.models import ConsentKind, ContactChannel, Person, ProcessingStop
from brobygger.people.services import has_current_consent

from .models import Appointment, AppointmentStatus, Mode, Reminder, ReminderRecipient

logger = logging.getLogger(__name__)

REMIND_AHEAD = datetime.timedelta(hours=24)


@dataclass(frozen=True)
class Outgoing:
    channel: str
    to: str
    subject: str
    text: str


def person_address(person: Person) -> tuple[str, str] | None:
    """The channel and address for the person's reminder, or None if there is none."""
    if person.contact_channel == ContactChannel.SMS:
        return ("sms", person.phone) if person.phone else None
    if person.contact_channel == ContactChannel.EMAIL:
        return ("email", person.email) if person.email else None
    # A call, a visit or a letter cannot carry an automatic reminder: use what we have,
    # a text message first because it reaches most people soonest.
    if person.phone:
        return "sms", person.phone
    if person.email:
        return "email", person.email
    return None


def format_when(moment: datetime.datetime) -> str:
    """E.g. "torsdag 26. november kl. 10:00", in the active language, Copenhagen time."""
    local = timezone.localtime(moment, TZ)
    weekday = dateformat.format(local, "l")
    if text_language() == "da":
        weekday = weekday.lower()  # Danish writes weekdays in small letters
    return _("%(weekday)s %(day)s %(month)s at %(time)s") % {
        "weekday": weekday,
        "day": local.day,
        "month": dateformat.format(local, "F"),
        "time": when.format_when(local, "time"),
    }


def _mode_words(mode: str) -> str:
    words: dict[str, str] = {
        Mode.PHONE: pgettext("reminder", "by phone"),
        Mode.VIDEO: pgettext("reminder", "by video"),
        Mode.IN_PERSON: pgettext("reminder", "in person"),
    }
    return words.get(mode, "")


def person_message(appointment: Appointment, *, to: tuple[str, str]) -> Outgoing:
    with translation.override(text_language(appointment.person.language)):
        text = _(
            "Reminder: you have a conversation with your peer worker on %(when)s (%(how)s)."
        ) % {"when": format_when(appointment.starts_at), "how": _mode_words(appointment.mode)}
        subject = pgettext("reminder subject", "Reminder")
    channel, address = to
    return Outgoing(channel=channel, to=address, subject=subject, text=text)


def peer_message(appointment: Appointment) -> Outgoing | None:
    user = appointment.peer.user
    if not user.email or not user.is_active:
        return None
    with translation.override(text_language(user.language)):
        # The reference, not the person's name: the peer's mailbox may be read on a
        # shared or private phone, and the details are one login away.
        text = _("Reminder: conversation %(reference)s %(when)s. See details in Brobygger.") % {
            "reference": appointment.reference,
            "when": format_when(appointment.starts_at),
        }
        subject = pgettext("reminder subject", "Reminder")
    return Outgoing(channel="email", to=user.email, subject=subject, text=text)


def _message_for(appointment: Appointment, recipient: str) -> Outgoing | None:
    if recipient == ReminderRecipient.PEER:
        return peer_message(appointment)
    person = appointment.person
    # Withdrawn consent to be contacted means no contact at all, reminders included.
    if not has_current_consent(person, ConsentKind.CONTACT):
        return None
    address = person_address(person)
    if address is None:
        return None
    return person_message(appointment, to=address)


def _release(reminder_id: int, appointment: Appointment, recipient: str, channel: str) -> None:
    """The send failed after the claim committed: give the claim back so that the next
    run tries again, and say so in the audit trail."""
    with transaction.atomic():
        Reminder.objects.filter(pk=reminder_id).delete()
        record_event(
            actor=None,
            verb="reminder.failed",
            obj=appointment,
            person_id=appointment.person_id,
            data={"channel": channel, "recipient": recipient},
        )
    logger.error(
        "Reminder for appointment %s to the %s failed; it will be retried.",
        appointment.pk,
        recipient,
    )


def remind(appointment: Appointment, recipient: str) -> bool:
    """Claim, audit and (after the commit) send one reminder; True if this call claimed it
    and the send did not fail. A failed send releases the claim for the next run."""
    try:
        with transaction.atomic():
            # Re-read the status under a row lock: a cancellation committed after the
            # due-list was read must win, and one made now waits for us (PostgreSQL;
            # SQLite's immediate transactions serialise writers anyway).
            status = (
                Appointment.objects.select_for_update()
                .filter(pk=appointment.pk)
                .values_list("status", flat=True)
                .first()
            )
            if status != AppointmentStatus.BOOKED:
                return False
            message = _message_for(appointment, recipient)
            if message is None:
                # No row is written, so the reminder still goes if consent or an
                # address arrives before the conversation.
                return False
            # The claim: a concurrent run holding the same (appointment, recipient) makes
            # this insert wait and then fail, so nobody gets the reminder twice.
            reminder = Reminder.objects.create(
                appointment=appointment, recipient=recipient, channel=message.channel
            )
            # Sent when the claim commits, never inside the transaction (messaging.py).
            delivery = messaging.send_on_commit(
                message.channel,
                message.to,
                message.text,
                subject=message.subject,
                on_failure=partial(_release, reminder.pk, appointment, recipient, message.channel),
            )
            record_event(
                actor=None,
                verb="reminder.sent",
                obj=reminder,
                person_id=appointment.person_id,
                data={"channel": message.channel, "recipient": recipient},
            )
            if recipient == ReminderRecipient.PERSON:
                # The person's address was used to reach them: one entry in their "who
                # looked at me" report per reminder, written (or rolled back) with the
                # claim. The peer's reminder names only the reference: no entry.
                log_access(
                    user=None,
                    action=AccessAction.CREATE,
                    purpose=Purpose.SUPPORT,
                    person_id=appointment.person_id,
                    obj=reminder,
                )
    except IntegrityError:
        return False  # another run claimed it first
    except Exception:
        # The claim is rolled back with the transaction, so the next run tries again.
        logger.exception(
            "Reminder for appointment %s to the %s failed; it will be retried.",
            appointment.pk,
            recipient,
        )
        return False
    return delivery.sent is not False


def due_appointments(now: datetime.datetime) -> list[Appointment]:
    """Booked conversations starting within REMIND_AHEAD that still lack a reminder."""
    reminded = Reminder.objects.filter(appointment=OuterRef("pk"))
    stopped = ProcessingStop.objects.current().filter(person=OuterRef("person_id"))
    return list(
        Appointment.objects.filter(
            status=AppointmentStatus.BOOKED,
            starts_at__gt=now,
            starts_at__lte=now + REMIND_AHEAD,
        )
        # Never a reminder to a person who has died, moved away or is restricted.
        .exclude(Exists(stopped))
        .annotate(
            person_reminded=Exists(reminded.filter(recipient=ReminderRecipient.PERSON)),
            peer_reminded=Exists(reminded.filter(recipient=ReminderRecipient.PEER)),
        )
        .filter(Q(person_reminded=False) | Q(peer_reminded=False))
        .select_related("person", "peer__user")
        .order_by("starts_at", "pk")
    )


def send_due_reminders(*, now: datetime.datetime | None = None) -> int:
    """Send every reminder that is due; returns how many were sent. Idempotent."""
    now = now or timezone.now()
    sent = 0
    for appointment in due_appointments(now):
        if not appointment.person_reminded:  # type: ignore[attr-defined]
            sent += remind(appointment, ReminderRecipient.PERSON)
        if not appointment.peer_reminded:  # type: ignore[attr-defined]
            sent += remind(appointment, ReminderRecipient.PEER)
    return sent
