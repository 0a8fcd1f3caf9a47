"""The session store: Django's database sessions, with the signed-in user read in the same
statement as the session (issue 19).

Every signed-in request reads its session and then its user. The session's row names its
user (models.Session.user, set from the session's data whenever the session is saved), so
one statement, compiled once per process (lib/prepared.py, accounts/backends.py), reads
the session and its user with what every request reads alongside it. The user read so is
kept on the store for this request only, and the authentication backend takes it instead
of asking again (`users_read_with`). A session without a user (anonymous, or saved before
the column existed) is read alone, as Django reads it. Writing, expiry and clearing are
Django's own.
"""

from __future__ import annotations

import datetime
from functools import cache
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db.models import QuerySet
from django.utils import timezone

from brobygger.lib.prepared import Prepared

from .backends import SESSION_DATA, SESSION_EXPIRES, session_values, user_by_session
from .models import Session, User


@cache
def _live_session() -> Prepared[Session]:
    def build(session_key: str, now: datetime.datetime) -> QuerySet[Session]:
        return Session.objects.filter(session_key=session_key, expire_date__gt=now)

    return Prepared(Session, build, **session_values())


def user_key(data: dict[str, Any]) -> int | None:
    """The signed-in user's key in a session's data (Django stores it as text), if any."""
    try:
        return int(data[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None


class SessionStore(DatabaseSessionStore):
    # The user read with the session by this store's last load (None: none was).
    user_read_with: User | None = None

    @classmethod
    def get_model_class(cls) -> type[Session]:
        return Session

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        session: Any = super().create_model_instance(data)  # this store's model: Session
        session.user_id = user_key(data)
        return session

    def _get_session_from_db(self) -> Any:
        # The same answer as Django's: the unexpired session with this key, else None
        # with the key forgotten (a key the cookie made up is refused before any query).
        self.user_read_with = None
        if self.session_key is None:
            return None
        now = timezone.now()
        user = user_by_session().first(session_key=self.session_key, now=now)
        if user is not None:
            # The session's columns go to the session, not along with the user.
            columns = vars(user)
            read = Session(
                session_key=self.session_key,
                session_data=columns.pop(SESSION_DATA),
                expire_date=columns.pop(SESSION_EXPIRES),
                user_id=user.pk,
            )
            self.user_read_with = user
            return read
        session = _live_session().first(session_key=self.session_key, now=now)
        if session is None:
            self._session_key = None
        return session
