"""Sending short messages: text messages through a pluggable backend, e-mail through Django.

The SMS backend is named by the setting BROBYGGER_SMS_BACKEND (env SMS_BACKEND: a dotted
path to a class with ``send(to, text)``), so a region can plug in its own gateway without
touching this code. With DEBUG off, the system check in
``brobygger/scheduling/checks.py`` refuses to start without a real one. It lives here,
low in the layering, so that notifications (and every app above them) can send. E-mail
goes through Django's mail (EMAIL_BACKEND); tests get the locmem outbox.

Messages go out after the transaction that decided to send them commits
(`send_on_commit`), never inside it: a message must not leave for a change that is then
rolled back, and a slow gateway must not hold the transaction and its row locks open.
A job claims the message (a unique row) in its transaction; if the send then fails, the
job's `on_failure` releases the claim so that the next run tries again.

A phone number is personal data and, next to a reminder, tells that someone sees a peer
worker: it never goes to the console or a log line, not even inside an error message.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

CONSOLE_SMS_BACKEND = "brobygger.notifications.messaging.ConsoleSMSBackend"
LOCMEM_SMS_BACKEND = "brobygger.notifications.messaging.LocmemSMSBackend"
# These send nothing: for development and tests only.
DEVELOPMENT_SMS_BACKENDS = frozenset({CONSOLE_SMS_BACKEND, LOCMEM_SMS_BACKEND})
CHANNELS = ("sms", "email")

# Six or more digits, perhaps with a leading + and spaces or dashes between them.
_NUMBER = re.compile(r"\+?\d(?:[ \-]?\d){5,}")


def mask_phone(number: str) -> str:
    """The last two digits only, e.g. "******50": enough to tell test phones apart."""
    digits = re.sub(r"\D", "", number)
    return "*" * max(len(digits) - 2, 0) + digits[-2:]


def scrub_numbers(text: str) -> str:
    """`text` with every phone-number-like run of digits masked."""
    return _NUMBER.sub(lambda match: mask_phone(match.group(0)), text)


class SMSSendError(Exception):
    """The SMS backend failed; the message says how, with no phone number in it."""


class SMSBackend(Protocol):
    def send(self, to: str, text: str) -> None: ...


@dataclass(frozen=True)
class SMSMessage:
    to: str
    text: str


class ConsoleSMSBackend:
    """Development: write the message to stdout and the log instead of sending it."""

    def send(self, to: str, text: str) -> None:
        sys.stdout.write(f"SMS to {mask_phone(to)}: {text}\n")
        sys.stdout.flush()
        if not settings.DEBUG:
            # In production this default means nobody receives anything: say so loudly.
            logger.warning("SMS_BACKEND is the console: a text message was not sent.")


# What LocmemSMSBackend has "sent"; tests read and clear it, like django.core.mail.outbox.
sms_outbox: list[SMSMessage] = []


class LocmemSMSBackend:
    """Tests: keep the messages in ``sms_outbox`` instead of sending them."""

    def send(self, to: str, text: str) -> None:
        sms_outbox.append(SMSMessage(to=to, text=text))


def get_sms_backend() -> SMSBackend:
    path = getattr(settings, "BROBYGGER_SMS_BACKEND", "")
    if not path:
        raise ImproperlyConfigured("Set SMS_BACKEND to the SMS gateway's backend.")
    backend: SMSBackend = import_string(path)()
    return backend


def _send_sms(to: str, text: str) -> None:
    try:
        get_sms_backend().send(to, text)
    except ImproperlyConfigured:
        raise
    except Exception as error:
        # Gateways like to name the recipient in their errors, and the callers log the
        # error with its traceback: pass on what went wrong, never to whom.
        raise SMSSendError(
            f"{type(error).__name__}: {scrub_numbers(str(error).replace(to, mask_phone(to)))}"
        ) from None


def send(channel: str, to: str, text: str, *, subject: str = "Brobygger") -> None:
    """Send `text` to `to` by "sms" or "email"; raises on failure so callers can retry."""
    if not to:
        raise ValueError("No address to send to.")
    if channel == "sms":
        _send_sms(to, text)
    elif channel == "email":
        send_mail(subject, text, None, [to], fail_silently=False)
    else:
        raise ValueError(f"Unknown channel {channel!r}; use one of {CHANNELS}.")


@dataclass
class Delivery:
    """What became of a message handed to `send_on_commit`: `sent` is None until the
    transaction commits (and stays None if it rolls back: then nothing was sent)."""

    sent: bool | None = None


def send_on_commit(
    channel: str,
    to: str,
    text: str,
    *,
    subject: str = "Brobygger",
    on_failure: Callable[[], None] | None = None,
) -> Delivery:
    """Send `text` to `to` when the current transaction commits (at once outside one).

    A failure is logged with the error's class only (a gateway's or mail server's message
    may name the address) and then `on_failure` runs, in autocommit, to release the claim.
    """
    delivery = Delivery()

    def deliver() -> None:
        try:
            send(channel, to, text, subject=subject)
        except Exception as error:
            delivery.sent = False
            logger.error("A message by %s could not be sent (%s).", channel, type(error).__name__)
            if on_failure is not None:
                on_failure()
        else:
            delivery.sent = True

    transaction.on_commit(deliver)
    return delivery
