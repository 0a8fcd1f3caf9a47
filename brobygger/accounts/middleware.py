"""Session limits, per-user language and the two-factor requirement."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.middleware import get_user as request_user
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import middleware as otp_middleware

from .backends import FIRST_DEVICES, users_read_with

LOGIN_AT_KEY = "brobygger_login_at"
# When the session's idle expiry was last renewed (a POSIX timestamp).
RENEWED_AT_KEY = "brobygger_renewed_at"


def start_session_clock(session: SessionBase) -> None:
    """At login: the 10 hours start now, and the session (saved by the login anyway) has
    just been renewed. Every way of signing in calls this."""
    now = timezone.now().timestamp()
    session[LOGIN_AT_KEY] = now
    session[RENEWED_AT_KEY] = now


class OTPMiddleware(otp_middleware.OTPMiddleware):
    """django_otp's middleware (`request.user.otp_device`, `user.is_verified()`), without
    a query of its own on most requests (issue 19).

    The user's own query (accounts/backends.py) already found the first confirmed
    device of each kind. When the session names one of those, it is the device that
    verified the session, it is the user's and it is still confirmed: the very checks
    django_otp makes after loading it. The device itself is then loaded only if a page
    reads it. Any other session (another device, a device since removed or unconfirmed,
    an old form of the id) goes through django_otp's own check, which loads the device
    and forgets it when it fails.

    The user is read when the request comes in, not lazily: every request that reaches a
    view reads it anyway (the sign-in and two-factor gates), and each attribute a page
    read of the lazy object went through two proxies, AuthenticationMiddleware's and
    django_otp's (issue 19). A request without a signed-in session asks no query for it.
    """

    def __call__(self, request: HttpRequest) -> Any:
        if self._is_async:
            return super().__call__(request)
        # Django's reading of the session's user, taking the user the session store read
        # with the session (accounts/sessions.py) instead of a query of its own.
        with users_read_with(request.session):
            user = request_user(request)
        request.user = self._verify_user_sync(request, user)
        return self.get_response(request)

    def _verify_user_sync(self, request: HttpRequest, user: Any) -> Any:
        persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
        first = getattr(user, FIRST_DEVICES, None) if user.is_authenticated else None
        known = first.get(persistent_id) if first and persistent_id else None
        if known is None:
            return super()._verify_user_sync(request, user)
        model, pk = known
        self._init_user_fields(user)
        user.otp_device = SimpleLazyObject(lambda: model.objects.get(pk=pk))
        return user


class SessionLimitsMiddleware:
    """The session's two limits: 30 minutes idle and 10 hours after login.

    Idle: the session row expires SESSION_COOKIE_AGE after it was last saved, and the
    session backend refuses an expired one. A signed-in request renews that expiry by
    saving the session, but at most once every SESSION_REFRESH_SECONDS: a write per
    request (SESSION_SAVE_EVERY_REQUEST) cost every page a database write (issue 19).
    Absolute: 10 hours after login the session ends, whatever the activity.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            session = request.session
            login_at = session.get(LOGIN_AT_KEY)
            now = timezone.now().timestamp()
            if login_at is None:
                session[LOGIN_AT_KEY] = now
            elif now - float(login_at) > settings.SESSION_ABSOLUTE_SECONDS:
                auth.logout(request)
                messages.info(
                    request, _("You were signed out after 10 hours. Please sign in again.")
                )
                return redirect(settings.LOGIN_URL)
            renewed_at = session.get(RENEWED_AT_KEY)
            if renewed_at is None or now - float(renewed_at) >= settings.SESSION_REFRESH_SECONDS:
                # A changed session is saved with a new expiry by SessionMiddleware.
                session[RENEWED_AT_KEY] = now
        return self.get_response(request)


class UserLanguageMiddleware:
    """A signed-in user's stored language wins over cookie and browser."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = getattr(request.user, "language", None)
        if request.user.is_authenticated and language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


# The only pages a session that has given the password but not the code may reach (the
# public site and the login page it sees as anyone else does, signed out).
CODE_STEP_OPEN_URL_NAMES = frozenset({"accounts:verify", "accounts:logout"})


class TwoFactorRequiredMiddleware:
    """The one place that holds a half-signed-in session at the code step.

    Every request of a signed-in user passes here before its view: a session that has
    not passed the code step reaches the code page and logout; public pages treat it
    as signed out; everything else sends it to the code page. An account that needs
    two-factor but has no device is signed out: its first authenticator comes only
    through an invitation or an administrator's setup link, never from a session that
    has only the password.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., HttpResponse], *args: object
    ) -> HttpResponse | None:
        from .access import SSO_SESSION_KEY, TwoFactorState, two_factor_state

        user = request.user
        if not user.is_authenticated:
            return None
        if request.session.get(SSO_SESSION_KEY):
            request.two_factor_state = TwoFactorState.VERIFIED  # type: ignore[attr-defined]
            return None
        state = two_factor_state(user, as_loaded=True)
        request.two_factor_state = state  # type: ignore[attr-defined]
        if state in (TwoFactorState.VERIFIED, TwoFactorState.NOT_NEEDED):
            return None
        if state == TwoFactorState.SETUP_NEEDED:
            auth.logout(request)
            messages.error(request, two_factor_missing_message())
            if getattr(view_func, "brobygger_public", False):
                return None
            return redirect(settings.LOGIN_URL)
        match = request.resolver_match
        if match is not None and match.view_name in CODE_STEP_OPEN_URL_NAMES:
            return None
        if getattr(view_func, "brobygger_public", False):
            request.user = AnonymousUser()
            return None
        return redirect(reverse("accounts:verify"))


def two_factor_missing_message() -> str:
    return _(
        "Your account must use two-factor login, and it is not set up yet. "
        "Ask an administrator for a setup link."
    )
