"""One access-log entry per response: the looks of a request are gathered, then written once.

The apps' access functions call `shown(...)` for every person-bearing object or list they
hand to a view. Inside a request (`LookMiddleware`) the looks are gathered and written as
ONE entry when the response is known, naming every person the response shows:

- a page (2xx, or 422 for a form shown again with its errors) writes one entry, with the
  strongest action of its looks (an export or printout over a view over a search); a
  fetch made for a change counts as a view, since the page shows the data, not a change;
- a redirect writes an entry only if the request changed something (an audit event was
  recorded): then one "changed" entry naming the persons it touched. A refused change
  (nothing recorded) writes nothing;
- a refusal or an error (4xx, 5xx) writes nothing.

If the entry cannot be written, the response is not sent (the error propagates): no
response shows a person without its log entry. Outside a request (commands, services,
jobs) `shown` writes its entry at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponse

from .current import Gathered, current
from .models import AccessAction, AccessLogEntry
from .services import log_access, object_ref

# Strongest first: the action an entry for several looks carries.
_RANK: list[str] = [
    AccessAction.EXPORT,
    AccessAction.PRINT,
    AccessAction.REVEAL,
    AccessAction.VIEW,
    AccessAction.SEARCH,
]
_WRITES = {AccessAction.CHANGE, AccessAction.CREATE}
FORM_ERRORS = 422


@dataclass
class Look:
    user: Any
    action: str
    purpose: str
    person_ids: list[int]
    criterion: str | None
    obj: tuple[str, int | None]


def entry_for(gathered: Gathered, *, status: int) -> AccessLogEntry | None:
    """The one entry of a response with this status (see the module's docstring)."""
    looks: list[Look] = gathered.looks
    if not looks or status >= 500:
        return None
    if 300 <= status < 400:
        return _write(looks, _write_action(looks)) if gathered.changed else None
    if status >= 400 and status != FORM_ERRORS:
        return None
    reads = [look.action for look in looks if look.action not in _WRITES]
    action = min(reads, key=lambda action: _RANK.index(action)) if reads else AccessAction.VIEW
    if gathered.changed and not reads:
        action = _write_action(looks)
    return _write(looks, action)


def _write_action(looks: list[Look]) -> str:
    """A request that created a record (a service's "create" look) logs a creation."""
    if any(look.action == AccessAction.CREATE for look in looks):
        return AccessAction.CREATE
    return AccessAction.CHANGE


def _write(looks: list[Look], action: str) -> AccessLogEntry | None:
    persons: list[int] = []
    for look in looks:
        persons.extend(pk for pk in look.person_ids if pk not in persons)
    criteria = [look.criterion for look in looks if look.criterion is not None]
    main = next((look for look in looks if look.person_ids), looks[0])
    return log_access(
        user=main.user,
        action=action,
        purpose=main.purpose,
        person_id=main.person_ids[0] if main.person_ids else None,
        person_ids=persons,
        criterion="\n".join(criteria) if criteria else None,
        ref=main.obj if main.obj[0] else looks[0].obj,
    )


def shown(
    *,
    user: Any,
    purpose: str,
    person_id: int | None = None,
    person_ids: Iterable[int | None] = (),
    action: str = AccessAction.VIEW,
    criterion: str | None = None,
    obj: models.Model | None = None,
) -> None:
    """Record that `user` is being shown these persons (or ran this search), and why.

    The only way an access function logs a read. A list that shows nobody, is no search
    and names no object records nothing.
    """
    if action not in AccessAction.values:
        raise ValueError(f"Unknown access action {action!r}")
    ids = [int(pk) for pk in ([person_id] if person_id is not None else []) if pk is not None]
    ids.extend(int(pk) for pk in person_ids if pk is not None and int(pk) not in ids)
    if not ids and criterion is None and obj is None:
        return
    look = Look(user, action, purpose, ids, criterion, object_ref(obj))
    gathered = current.get()
    if gathered is None:  # not answering a request: the entry now
        entry_for(Gathered(looks=[look], changed=action in _WRITES), status=200)
        return
    gathered.looks.append(look)


# A look as a kept page stores it: (action, purpose, person ids, criterion, object).
KeptLook = tuple[str, str, tuple[int, ...], str | None, tuple[str, int | None]]


def looks_since(gathered: Gathered, start: int) -> tuple[KeptLook, ...]:
    """The looks gathered after the first `start`, without their user: what a page kept
    between requests (brobygger/pagecache) shows, to be logged again each time it is."""
    return tuple(
        (look.action, look.purpose, tuple(look.person_ids), look.criterion, look.obj)
        for look in gathered.looks[start:]
    )


def look_again(kept: Iterable[KeptLook], *, user: Any) -> None:
    """`user` is shown a kept page again: its looks join this request's, as if its view had
    run (the one entry of the response names the same persons, with the same purpose)."""
    gathered = current.get()
    if gathered is None:
        raise RuntimeError("A kept page is shown only inside a request (LookMiddleware).")
    for action, purpose, person_ids, criterion, obj in kept:
        gathered.looks.append(Look(user, action, purpose, list(person_ids), criterion, obj))


@contextmanager
def gathering() -> Iterator[Gathered]:
    """Gather the looks of one request (or one test) into one entry."""
    gathered = Gathered()
    token = current.set(gathered)
    try:
        yield gathered
    finally:
        current.reset(token)


@contextmanager
def one_entry() -> Iterator[None]:
    """Outside a request (a command, a job): the looks of the block become one entry, written
    when the block ends without an error, as a page's are once its response is known."""
    with gathering() as gathered:
        yield
    entry_for(gathered, status=200)


class LookMiddleware:
    """Writes the one access-log entry of each response (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with gathering() as gathered:
            response = self.get_response(request)
            entry_for(gathered, status=response.status_code)
        return response
