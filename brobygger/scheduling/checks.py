"""Refuse to run in production without a real SMS gateway (issue 16).

With the console backend (the development default) reminders by text message would be
printed instead of sent: people would miss conversations and nobody would notice. The
check is an error, so `manage.py` commands (migrate, send_reminders, check) stop, and
brobygger/wsgi.py runs it before the app serves anything (brobygger/lib/startup.py).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register
from django.utils.module_loading import import_string

from brobygger.lib.startup import STARTUP
from brobygger.notifications.messaging import DEVELOPMENT_SMS_BACKENDS

HINT = (
    "Set the environment variable SMS_BACKEND to the dotted path of your SMS gateway's "
    "backend: a class with send(to, text)."
)


@register(STARTUP)
def sms_backend_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.DEBUG:
        return []
    path = getattr(settings, "BROBYGGER_SMS_BACKEND", "")
    if not path:
        return [Error("No SMS backend is configured.", hint=HINT, id="brobygger.E001")]
    if path in DEVELOPMENT_SMS_BACKENDS:
        return [
            Error(
                f"SMS_BACKEND is {path}, which sends nothing: reminders would be lost.",
                hint=HINT,
                id="brobygger.E002",
            )
        ]
    try:
        backend = import_string(path)
    except ImportError as error:
        return [Error(f"SMS_BACKEND cannot be imported: {error}", hint=HINT, id="brobygger.E003")]
    if not callable(getattr(backend, "send", None)):
        return [Error(f"SMS_BACKEND {path} has no send(to, text).", hint=HINT, id="brobygger.E003")]
    return []
