"""Session limits, per-user language and the two-factor requirement."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import auth, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

LOGIN_AT_KEY = "brobygger_login_at"


class SessionLimitsMiddleware:
    """End a session 10 hours after login, whatever the activity.

    The 30-minute idle limit is the cookie age renewed on every request
    (SESSION_SAVE_EVERY_REQUEST); this adds the absolute limit.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            login_at = request.session.get(LOGIN_AT_KEY)
            now = timezone.now().timestamp()
            if login_at is None:
                request.session[LOGIN_AT_KEY] = now
            elif now - float(login_at) > settings.SESSION_ABSOLUTE_SECONDS:
                auth.logout(request)
                messages.info(
                    request, _("You were signed out after 10 hours. Please sign in again.")
                )
                return redirect(settings.LOGIN_URL)
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


# Pages a signed-in but not yet verified user may still reach.
TWO_FACTOR_OPEN_URL_NAMES = {
    "accounts:verify",
    "accounts:setup_2fa",
    "accounts:logout",
    "accounts:set_language",
}


class TwoFactorRequiredMiddleware:
    """Users whose role needs two-factor must verify before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., HttpResponse], *args: object
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or getattr(view_func, "brobygger_public", False):
            return None
        if user.is_verified() or not user.needs_two_factor():  # type: ignore[attr-defined]
            return None
        match = request.resolver_match
        if match is not None and match.view_name in TWO_FACTOR_OPEN_URL_NAMES:
            return None
        from django_otp import devices_for_user

        if any(True for _device in devices_for_user(user, confirmed=True)):
            return redirect(reverse("accounts:verify"))
        return redirect(reverse("accounts:setup_2fa"))
