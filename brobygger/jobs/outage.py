"""A database outage answers 503 with a calm page, not a 500 with a stack (issue 20).

`server_error` is the project's handler500 (brobygger/urls.py): Django calls it for every
uncaught exception, in a view or in a middleware (the session, the user, the access log),
once DEBUG is off. When the cause is the database being unreachable or the connection
lost (OperationalError, InterfaceError), it answers 503 with Retry-After and a static page
in the visitor's language, which it decides from the language cookie or the browser only:
nothing here may touch the database, so no session, no user, no context processors.
Django drops a broken connection at the end of the request and, with CONN_HEALTH_CHECKS,
checks a kept one before reuse, so the next request after the database is back works.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader
from django.urls import reverse
from django.utils import translation

OUTAGE_ERRORS = (OperationalError, InterfaceError)


def outage_error(error: BaseException | None) -> BaseException | None:
    """The database error, if `error` or anything in its cause chain says the database is
    down or the connection lost (a session load fails as an AttributeError raised while
    handling the OperationalError, for one)."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, OUTAGE_ERRORS):
            return error
        error = error.__cause__ or error.__context__
        seen += 1
    return None


def outage_response(request: HttpRequest, error: BaseException) -> HttpResponse:
    if request.path_info == reverse("jobs:health"):
        # The monitoring reads JSON, also when a middleware met the outage first (a
        # session cookie sent along): the same answer /health/ gives itself.
        response: HttpResponse = JsonResponse(
            {"status": "fail", "database": {"ok": False, "error": type(error).__name__}},
            status=503,
        )
    else:
        response = _page(request)
    response["Retry-After"] = str(settings.OUTAGE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def _page(request: HttpRequest) -> HttpResponse:
    language = translation.get_language_from_request(request)
    with translation.override(language):
        body = loader.get_template("jobs/outage.html").render({"language": language})
    return HttpResponse(body, status=503)


def server_error(request: HttpRequest) -> HttpResponse:
    error = outage_error(sys.exc_info()[1])
    if error is not None:
        return outage_response(request, error)
    # Anything else: the project's plain 500 page, rendered as Django's default does.
    return HttpResponseServerError(loader.get_template("500.html").render())
