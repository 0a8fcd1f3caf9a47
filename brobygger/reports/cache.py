"""Report figures kept between requests, refreshed in the background after a change.

At a region's scale computing the dashboard's figures or the funder report takes seconds
(issue 19: bench/reports.py), and in a working programme something changes every few
seconds, so figures kept only until the next change would be computed afresh on almost
every request. Instead, as reporting tools do, a page shows the figures of its most
recent computation with the time they were made ("Opgjort kl. 14.32"):

- An entry is kept with the newest audit event at the time it was computed
  (audit.selectors.last_change; every change writes one in its transaction) and the time.
  The head is read before the data, so an entry never holds data older than its mark.
- While no change has been recorded since, the entry is current and is served as it is.
- After a change, an entry younger than REPORT_CACHE_SECONDS is still served, marked as
  made at its time, and a refresh is enqueued (once per entry at a time) for the task
  worker (`manage.py db_worker`) to compute and store: the next request shows it.
- An entry older than that, or none, is computed in the request. So figures are never
  older than REPORT_CACHE_SECONDS (5 minutes), also after a write that bypassed the
  services (a repair in the shell). 0 turns the keeping off (the test suite does,
  conftest.py, since its databases start over with every test).

Entries live in the cache named "reports" (settings.CACHES): a table in the database
(Django's database cache), shared by the web processes and the task worker.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.utils import timezone

from brobygger.audit.selectors import last_change

T = TypeVar("T")
CACHE = "reports"


@dataclass(frozen=True)
class Kept(Generic[T]):
    """A computed report and when it was computed. `current`: nothing has changed since."""

    value: T
    computed_at: datetime.datetime
    current: bool


def _cache() -> BaseCache:
    return caches[CACHE]


def _key(kind: str, parts: tuple[object, ...]) -> str:
    digest = hashlib.sha256(repr((kind, parts)).encode()).hexdigest()
    return f"brobygger:reports:{kind}:{digest}"


def _claim(key: str) -> str:
    return f"{key}:refresh"


def _store(key: str, compute: Callable[[], T]) -> Kept[T]:
    mark = last_change()  # before the data: the entry is never older than its mark
    computed_at = timezone.now()
    value = compute()
    _cache().set(key, (value, mark, computed_at), settings.REPORT_CACHE_SECONDS)
    # A refresh still waiting is not needed for this entry; the next change claims anew.
    _cache().delete(_claim(key))
    return Kept(value, computed_at, current=True)


def kept(
    kind: str,
    parts: tuple[object, ...],
    compute: Callable[[], T],
    *,
    refresh: Callable[[], object] | None = None,
) -> Kept[T]:
    """What `compute()` gave for the same `kind` and `parts`, if it was computed since the
    last change, or less than REPORT_CACHE_SECONDS ago (then `refresh()` is called to have
    it computed again in the background); otherwise `compute()` now.

    `parts` must name everything the result depends on besides the data (the scope, the
    language) and have a stable repr.
    """
    seconds = settings.REPORT_CACHE_SECONDS
    if seconds <= 0:
        return Kept(compute(), timezone.now(), current=True)
    key = _key(kind, parts)
    found = _cache().get(key)
    if found is not None:
        value, mark, computed_at = found
        age = (timezone.now() - computed_at).total_seconds()
        if 0 <= age < seconds:
            if mark == last_change():
                return Kept(value, computed_at, current=True)
            if refresh is not None:
                # One refresh per entry at a time; the task clears the claim when done.
                if _cache().add(_claim(key), True, seconds):
                    refresh()
                return Kept(value, computed_at, current=False)
    return _store(key, compute)


def store(kind: str, parts: tuple[object, ...], compute: Callable[[], T]) -> Kept[T]:
    """Compute and keep the entry for `kind` and `parts` now (the background refresh)."""
    key = _key(kind, parts)
    try:
        return _store(key, compute)
    finally:  # also when the computation failed: the next request may try again
        _cache().delete(_claim(key))
