"""Password sign-in: Django's ModelBackend, with the signed-in user's devices read in the
same query as the user on every request, and that query the session's own (issue 19)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import F, OuterRef, QuerySet, Subquery
from django_otp import device_classes

from brobygger.lib.prepared import Prepared

from .models import Session, User

# Set on the user each request loads: whether any confirmed second-factor device existed
# when the request began. Only the two-factor gate, which runs before the view, reads it.
DEVICE_FLAG = "brobygger_has_device_at_load"
# Set with it: the first confirmed device of each kind, by its persistent id (as the
# session names the device that verified it), as (model, pk). The two-factor middleware
# (accounts/middleware.py) needs no query of its own when the session names one of them.
FIRST_DEVICES = "brobygger_first_devices_at_load"


# What apps above accounts read with the signed-in user on every request, in the user's
# own query instead of one query each: an attribute name and a function giving the
# annotation (an expression over the user row), registered in the app's ready().
_USER_LOAD: dict[str, Callable[[], Any]] = {}


def read_with_user(name: str, expression: Callable[[], Any]) -> None:
    """Have every request's user carry `name`, computed in the user's own query (e.g. the
    header's unread count, brobygger/notifications/apps.py). A user loaded another way
    (single sign-on, a test's own instance) lacks it: read the attribute with a fallback.
    Register in an app's ready(), before the first request compiles the query; the
    expression is compiled once per process, so it must not hold a value of its own
    moment (the time, a request's data): only columns and references to the user row."""
    _USER_LOAD[name] = expression
    _user_query.cache_clear()


@cache
def device_models() -> tuple[type[Any], ...]:
    """The installed kinds of second-factor device: found once per process (django_otp
    walks every model of every app to find them)."""
    return tuple(device_classes())


@cache
def _device_annotations() -> dict[str, tuple[type[Any], Subquery]]:
    """Per kind of device: the key of the user's first confirmed one, or None. Built once:
    a query copies an expression when it takes it in."""
    return {
        f"brobygger_device_{index}": (
            model,
            Subquery(
                model.objects.filter(user=OuterRef("pk"), confirmed=True)
                .order_by("pk")
                .values("pk")[:1]
            ),
        )
        for index, model in enumerate(device_models())
    }


def _read_with_user() -> dict[str, Any]:
    """What every request reads with its user: the first device of each kind and what
    apps registered (`read_with_user`)."""
    queries = {name: query for name, (_model, query) in _device_annotations().items()}
    queries.update({name: expression() for name, expression in _USER_LOAD.items()})
    return queries


@cache
def _user_query() -> Prepared[User]:
    """The request's user with its devices and what apps read with it, compiled once per
    process (lib/prepared.py): building and compiling it cost 0.7 ms a request."""

    def build(pk: int) -> QuerySet[User]:
        return User._default_manager.annotate(**_read_with_user()).filter(pk=pk)

    return Prepared(User, build, pk=(int, User._meta.pk))


# On a user read by `user_by_session`: the session's own columns.
SESSION_DATA = "brobygger_session_data"
SESSION_EXPIRES = "brobygger_session_expires"


@cache
def user_by_session() -> Prepared[User]:
    """The user of an unexpired session, as `_user_query` reads a user, with the session's
    data and expiry: the session and its user in one statement (accounts/sessions.py)."""

    def build(session_key: str, now: datetime.datetime) -> QuerySet[User]:
        # Filtered first, then annotated: the columns come from the one joined session.
        return (
            User._default_manager.filter(
                sessions__session_key=session_key, sessions__expire_date__gt=now
            )
            .annotate(**_read_with_user())
            .annotate(
                **{
                    SESSION_DATA: F("sessions__session_data"),
                    SESSION_EXPIRES: F("sessions__expire_date"),
                }
            )
        )

    return Prepared(User, build, **session_values())


def session_values() -> dict[str, tuple[type[Any], Any]]:
    """The values a live session is found by, for `Prepared`: its key, and the time its
    expiry must be after."""
    meta = Session._meta
    return {
        "session_key": (str, meta.get_field("session_key")),
        "now": (datetime.datetime, meta.get_field("expire_date")),
    }


_READ_WITH_SESSION: ContextVar[Any] = ContextVar("brobygger_read_with_session", default=None)


@contextmanager
def users_read_with(session: Any) -> Iterator[None]:
    """While Django's `auth.get_user(request)` runs in it, the backend takes the user that
    `session` (the request's session store) read with itself, if it is the session's
    user, instead of asking for it again. Only there: a store outlives nothing else."""
    token = _READ_WITH_SESSION.set(session)
    try:
        yield
    finally:
        _READ_WITH_SESSION.reset(token)


def _read_with_session(pk: int) -> User | None:
    user = getattr(_READ_WITH_SESSION.get(), "user_read_with", None)
    return user if user is not None and user.pk == pk else None


class StaffBackend(ModelBackend):
    """A user without an authenticator app passes the two-factor gate on every request (demo
    mode, a role for which two-factor is optional): the gate asked each device kind in a
    query of its own, as many queries as a page's own data for the smallest pages."""

    def get_user(self, user_id: Any) -> User | None:
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        user = _read_with_session(pk) or _user_query().first(pk=pk)
        if user is None:
            return None
        annotations = _device_annotations()
        first = {
            f"{model._meta.label_lower}/{device_pk}": (model, device_pk)
            for name, (model, _query) in annotations.items()
            if (device_pk := getattr(user, name)) is not None
        }
        setattr(user, DEVICE_FLAG, bool(first))
        setattr(user, FIRST_DEVICES, first)
        return user if self.user_can_authenticate(user) else None
