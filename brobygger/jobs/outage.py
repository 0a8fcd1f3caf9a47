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
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from django.utils import translation

OUTAGE_ERRORS = (OperationalError, InterfaceError)


def is_outage(error: BaseException | None) -> bool:
    """The database is down or the connection lost, here or anywhere in the cause chain."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, OUTAGE_ERRORS):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def outage_response(request: HttpRequest) -> HttpResponse:
    language = translation.get_language_from_request(request)
    with translation.override(language):
        body = loader.get_template("jobs/outage.html").render({"language": language})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(settings.OUTAGE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    if is_outage(sys.exc_info()[1]):
        return outage_response(request)
    # Anything else: the project's plain 500 page, rendered as Django's default does.
    return HttpResponseServerError(loader.get_template("500.html").render())
