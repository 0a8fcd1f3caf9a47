"""Sending short messages: text messages through a pluggable backend, e-mail through Django.

The SMS backend is named by the setting BROBYGGER_SMS_BACKEND (a dotted path to a class
with ``send(to, text)``), so a region can plug in its own gateway without touching this
code. E-mail goes through Django's mail (EMAIL_BACKEND); tests get the locmem outbox.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

DEFAULT_SMS_BACKEND = "brobygger.scheduling.messaging.ConsoleSMSBackend"
CHANNELS = ("sms", "email")


class SMSBackend(Protocol):
    def send(self, to: str, text: str) -> None: ...


@dataclass(frozen=True)
class SMSMessage:
    to: str
    text: str


class ConsoleSMSBackend:
    """Development: write the message to stdout and the log instead of sending it."""

    def send(self, to: str, text: str) -> None:
        sys.stdout.write(f"SMS to {to}: {text}\n")
        sys.stdout.flush()
        if not settings.DEBUG:
            # In production this default means nobody receives anything: say so loudly.
            logger.warning("BROBYGGER_SMS_BACKEND is the console: a text message was not sent.")


# What LocmemSMSBackend has "sent"; tests read and clear it, like django.core.mail.outbox.
sms_outbox: list[SMSMessage] = []


class LocmemSMSBackend:
    """Tests: keep the messages in ``sms_outbox`` instead of sending them."""

    def send(self, to: str, text: str) -> None:
        sms_outbox.append(SMSMessage(to=to, text=text))


def get_sms_backend() -> SMSBackend:
    path = getattr(settings, "BROBYGGER_SMS_BACKEND", DEFAULT_SMS_BACKEND)
    backend: SMSBackend = import_string(path)()
    return backend


def send(channel: str, to: str, text: str, *, subject: str = "Brobygger") -> None:
    """Send `text` to `to` by "sms" or "email"; raises on failure so callers can retry."""
    if not to:
        raise ValueError("No address to send to.")
    if channel == "sms":
        get_sms_backend().send(to, text)
    elif channel == "email":
        send_mail(subject, text, None, [to], fail_silently=False)
    else:
        raise ValueError(f"Unknown channel {channel!r}; use one of {CHANNELS}.")
