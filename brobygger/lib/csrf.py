"""The CSRF cookie, sent when it changes, not on every page (issue 19).

Django sends the CSRF cookie again with every page that shows a form, to push its expiry
on by a year (CSRF_COOKIE_AGE). Brobygger's CSRF cookie has no expiry: it lasts as long as
the browser's session, as the session cookie does (SESSION_EXPIRE_AT_BROWSER_CLOSE). So
sending it again unchanged renews nothing, and this middleware, just inside Django's
CsrfViewMiddleware, tells it to leave the cookie out when the browser already sent the
very same secret: a Set-Cookie header less on every page, and about 40 µs of the
smallest signed-in page. A new or rotated secret (first visit, login, logout) is sent as
before; with CSRF_COOKIE_AGE set, Django's renewal on every page is kept; and a view
decorated with csrf_protect (Django's login view) renews it through its own middleware.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.cache import patch_vary_headers


class UnchangedCsrfCookieMiddleware:
    """Placed just inside django.middleware.csrf.CsrfViewMiddleware: a response whose page
    used the secret the browser already holds, in a cookie without expiry, does not set
    the cookie again."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        # Django's flags (django.middleware.csrf.get_token): the secret this request's
        # page used, and that a page used it.
        if (
            request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and settings.CSRF_COOKIE_AGE is None
            and not settings.CSRF_USE_SESSIONS
            and request.COOKIES.get(settings.CSRF_COOKIE_NAME) == request.META.get("CSRF_COOKIE")
        ):
            request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
            # The page still varies with the cookie, as when Django sets it.
            patch_vary_headers(response, ("Cookie",))
        return response
