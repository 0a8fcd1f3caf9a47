"""The session store: Django's database sessions, read with a query compiled once per
process (issue 19, lib/prepared.py). Every signed-in request reads its session; building
and compiling Django's `get(session_key=…, expire_date__gt=now)` cost more than running it.
Writing, expiry and clearing are Django's own."""

from __future__ import annotations

import datetime
from functools import cache
from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.db.models import QuerySet
from django.utils import timezone

from brobygger.lib.prepared import Prepared


@cache
def _live_session() -> Prepared[Session]:
    def build(session_key: str, now: datetime.datetime) -> QuerySet[Session]:
        return Session.objects.filter(session_key=session_key, expire_date__gt=now)

    meta = Session._meta
    return Prepared(
        Session,
        build,
        session_key=(str, meta.get_field("session_key")),
        now=(datetime.datetime, meta.get_field("expire_date")),
    )


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self) -> Any:
        # The same answer as Django's: the unexpired session with this key, else None
        # with the key forgotten (a key the cookie made up is refused before any query).
        if self.session_key is None:
            return None
        session = _live_session().first(session_key=self.session_key, now=timezone.now())
        if session is None:
            self._session_key = None
        return session
