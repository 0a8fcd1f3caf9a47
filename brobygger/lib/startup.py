"""The system checks that must stop the app at start, also under gunicorn.

`manage.py` runs every system check before its commands; a WSGI server runs none, so
brobygger/wsgi.py calls `refuse_a_broken_start`. Apps register such checks with the tag
STARTUP (the SMS gateway, the file storage).
"""

from __future__ import annotations

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

STARTUP = "brobygger_startup"


def refuse_a_broken_start() -> None:
    errors = [message for message in checks.run_checks(tags=[STARTUP]) if message.is_serious()]
    if errors:
        raise ImproperlyConfigured("\n".join(str(error) for error in errors))
