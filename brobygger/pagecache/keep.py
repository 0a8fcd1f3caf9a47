"""Pages kept between requests while nothing they read has changed (issue 19).

A coordinator's home or list costs 8-15 ms of Python to build (9-15 queries through the ORM,
a few hundred template variables); the same user reopening it a minute later, with nothing
changed, gets the same page. `@kept` on a view (inside its role check, which still runs on
every request) answers such a request from the page it made last time:

- The key is the view, the address with its query, the user, the session and a digest of
  its data, the language, the cookies and htmx headers the page could differ by, and the
  day in Copenhagen.
- The page is current while every table its request read (tracking.py: every statement,
  the middleware's included) has the change count it had before the page was built, and
  for PAGE_CACHE_SECONDS at most (relative times such as "om 10 min"); rows that end by
  time, not by a write (a break-the-glass grant), shorten that (`expiring`).
- Its looks are logged again each time it is shown (audit.looks.look_again): the access
  log gets the same entry as if the view had run, naming the same persons.
- Its CSRF tokens are masked afresh for each request, as Django does for a page it builds.

Kept only: a 200 HTML answer to a GET from a signed-in session with no message waiting,
that wrote no counted table, set no cookie, left the session unchanged, changed nothing
(audit), and read neither the access log nor a table outside the counts. Anything else is
answered by the view as before.

Pages live in the process's own memory (the cache "pages", settings.CACHES: local memory,
never a shared server, as they hold health data), for PAGE_CACHE_SECONDS; 0 turns keeping
off.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Callable
from functools import wraps
from typing import Any, NamedTuple, TypeVar

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import get_token
from django.utils import timezone, translation
from django.utils.autoreload import file_changed

from brobygger.audit.current import current
from brobygger.audit.looks import KeptLook, look_again, looks_since

from . import tracking

CACHE = "pages"
ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponseBase])

# Rows that stop counting at a time of their own: table -> the earliest such time to come.
_EXPIRING: dict[str, Callable[[], datetime.datetime | None]] = {}
# What a page could differ by besides its address and user (see the module's docstring).
_HEADERS = ("HX-Request", "HX-Target", "HX-Trigger", "HX-Trigger-Name", "HX-Boosted", "Accept")
# Their keys in the WSGI environ, read there: `request.headers` builds a dict of every
# header first (30 µs of a kept page).
_META_KEYS = tuple("HTTP_" + header.upper().replace("-", "_") for header in _HEADERS)
_TOKEN = re.compile(rb'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[A-Za-z0-9]{64}')
_MARK = b"\x00brobygger-csrf\x00"
_MAX_BYTES = 2_000_000


class Page(NamedTuple):
    versions: tuple[tuple[str, int], ...]
    until: datetime.datetime
    content: bytes
    headers: tuple[tuple[str, str], ...]
    looks: tuple[KeptLook, ...]


def expiring(table: str, next_end: Callable[[], datetime.datetime | None]) -> None:
    """Rows of `table` stop counting at a time of their own (`next_end`: the earliest such
    time still to come, or None): a page that read the table is kept until then at most."""
    _EXPIRING[table] = next_end


def forget_all(**kwargs: Any) -> None:
    """Drop every page this process keeps (a setting changed, a change not counted)."""
    _cache().clear()


setting_changed.connect(forget_all, dispatch_uid="brobygger.pagecache.settings")
# `manage.py runserver`: a template edited shows at once, not after PAGE_CACHE_SECONDS.
file_changed.connect(forget_all, dispatch_uid="brobygger.pagecache.files")


def _cache() -> BaseCache:
    return caches[CACHE]


def kept(view: ViewFunc) -> ViewFunc:
    """Answer a GET from the page this view made for the same request, while it is current
    (see the module's docstring). Put it inside the view's role check."""
    name = f"{view.__module__}.{view.__qualname__}"

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        reading = tracking.reading()
        if reading is None or not _may_keep(request):
            return view(request, *args, **kwargs)
        key = _key(name, request)
        page = _cache().get(key)
        now = timezone.now()
        seen = _seen(request, reading)
        if page is not None and now < page.until and _current(page, seen):
            return _show(page, request)
        gathered = current.get()
        start = len(gathered.looks) if gathered is not None else 0
        response = view(request, *args, **kwargs)
        if gathered is not None and _keepable(request, response, reading, gathered):
            assert isinstance(response, HttpResponse)
            _store(key, response, reading, seen, looks_since(gathered, start), now)
        return response

    return wrapper  # type: ignore[return-value]


def _seen(request: HttpRequest, reading: tracking.Reading) -> dict[str, int]:
    """The change counts, read before the data: a page is never older than its counts. The
    ones read with the user as the request came in, unless the request has written since
    (its own write would not show in them); else read now."""
    loaded = None if reading.wrote else tracking.counts_at_load(request.user)
    return loaded if loaded is not None else tracking.versions()


def _may_keep(request: HttpRequest) -> bool:
    return (
        request.method == "GET"
        and settings.PAGE_CACHE_SECONDS > 0
        and request.user.is_authenticated
        and request.session.session_key is not None
        and not len(get_messages(request))
    )


def _key(name: str, request: HttpRequest) -> str:
    session = request.session
    skip = {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME}
    parts = (
        name,
        request.get_host(),
        request.is_secure(),
        request.get_full_path(),
        request.user.pk,
        session.session_key,
        sorted((key, repr(value)) for key, value in session.items()),
        translation.get_language(),
        [request.META.get(key) for key in _META_KEYS],
        sorted((key, value) for key, value in request.COOKIES.items() if key not in skip),
        timezone.localdate().isoformat(),
    )
    return "page:" + hashlib.blake2b(repr(parts).encode(), digest_size=24).hexdigest()


def _keepable(
    request: HttpRequest, response: HttpResponseBase, reading: tracking.Reading, gathered: Any
) -> bool:
    return (
        type(response) is HttpResponse
        and response.status_code == 200
        and response.get("Content-Type", "").startswith("text/html")
        and not response.cookies
        and len(response.content) <= _MAX_BYTES
        and _MARK not in response.content
        and not reading.wrote
        and not gathered.changed
        and not request.session.modified
        and not len(get_messages(request))
        and not (reading.tables & (tracking.UNTRACKED - tracking.KEYED))
    )


def _store(
    key: str,
    response: HttpResponse,
    reading: tracking.Reading,
    seen: dict[str, int],
    looks: tuple[KeptLook, ...],
    now: datetime.datetime,
) -> None:
    until = now + datetime.timedelta(seconds=settings.PAGE_CACHE_SECONDS)
    for table in reading.tables & _EXPIRING.keys():
        end = _EXPIRING[table]()
        if end is not None:
            until = min(until, end)
    if reading.until is not None:
        until = min(until, reading.until)
    if until <= now:
        return
    tables = (reading.tables - tracking.KEYED) | {tracking.ALL}
    page = Page(
        versions=tuple(sorted((table, int(seen.get(table, 0))) for table in tables)),
        until=until,
        content=_TOKEN.sub(rb"\1" + _MARK, response.content),
        headers=tuple((k, v) for k, v in response.items() if k.lower() != "content-length"),
        looks=looks,
    )
    _cache().set(key, page, settings.PAGE_CACHE_SECONDS)


def _current(page: Page, seen: dict[str, int]) -> bool:
    """Every table the page's request read has the change count it had then."""
    return all(seen.get(table, 0) == version for table, version in page.versions)


def _show(page: Page, request: HttpRequest) -> HttpResponse:
    look_again(page.looks, user=request.user)
    content = page.content
    if _MARK in content:
        content = content.replace(_MARK, get_token(request).encode())
    response = HttpResponse(content)
    for header, value in page.headers:
        response.headers[header] = value
    return response
