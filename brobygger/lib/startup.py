"""What a WSGI process does once, at start (brobygger/wsgi.py).

`manage.py` runs every system check before its commands; a WSGI server runs none, so
wsgi.py calls `refuse_a_broken_start`. Apps register such checks with the tag STARTUP (the
SMS gateway, the file storage).

Then `settle` sets aside what the process holds for good, so that Python's garbage
collector stops walking it (issue 19).
"""

from __future__ import annotations

import gc

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.urls import get_resolver

STARTUP = "brobygger_startup"


def refuse_a_broken_start() -> None:
    errors = [message for message in checks.run_checks(tags=[STARTUP]) if message.is_serious()]
    if errors:
        raise ImproperlyConfigured("\n".join(str(error) for error in errors))


def settle() -> None:
    """Load every view, then move what the process holds after its start out of the
    garbage collector's reach.

    Python's full collection walks every container object of the process: Django, the
    apps and their libraries (numpy and scipy for matching, openpyxl, …), about 175,000
    objects after the start. What is made at start lives as long as the process, so
    `gc.freeze` puts it in the permanent generation, which no collection walks; what
    requests make is collected as before. (A cycle among the frozen objects that later
    becomes garbage is not freed: start-up objects are kept for the process's life.)

    Measured with bench/throughput.py at scale 10 on SQLite (one run of every page, the
    two workers' full collections logged from `gc.callbacks`): without it, 10 full
    collections of up to 127 ms each, 883 ms in all, each a stall for the request it fell
    in; with it, 39 of at most 12 ms, 207 ms in all. Requests per second did not change
    beyond the run-to-run noise: it is the pauses that go.
    """
    get_resolver().url_patterns  # noqa: B018 - imports every app's views and forms
    gc.collect()
    gc.freeze()
