"""Report figures kept while nothing has changed: the dashboard and the funder report.

At a region's scale computing them takes seconds (issue 19: bench/reports.py). A figure
changes only when data does, and every change writes an audit event in the transaction
of the change (the services' rule), so an entry is kept under the newest audit event
(audit.selectors.last_change): the first request after any change computes afresh. The
head is read before the data, so an entry never holds data older than its key. The
figures also move with the clock (the scope holds today; group sessions count once they
have begun), and a write that bypassed the services (a repair in the shell) would not
show: entries live REPORT_CACHE_SECONDS (5 minutes) at most. 0 turns the cache off (the
test suite does, conftest.py, since its databases start over with every test).

The cache is Django's (CACHES): per process by default; each process computes once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

from brobygger.audit.selectors import last_change

T = TypeVar("T")


def kept(kind: str, parts: tuple[object, ...], compute: Callable[[], T]) -> T:
    """`compute()`, or what it gave for the same `kind` and `parts` since the last change.

    `parts` must name everything the result depends on besides the data (the scope, the
    language, the reader's view of it) and have a stable repr.
    """
    seconds = settings.REPORT_CACHE_SECONDS
    if seconds <= 0:
        return compute()
    seq, mac = last_change()
    digest = hashlib.sha256(repr((kind, parts, seq, mac)).encode()).hexdigest()
    key = f"brobygger:reports:{kind}:{digest}"
    found: T | None = cache.get(key)
    if found is not None:
        return found
    value = compute()
    cache.set(key, value, seconds)
    return value
