"""The project's addresses plus a few views that probe what the page cache keeps."""

from __future__ import annotations

from collections import Counter

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path
from django.utils.dateparse import parse_datetime

from brobygger.accounts.access import any_staff
from brobygger.accounts.models import Unit
from brobygger.audit.models import AccessLogEntry
from brobygger.lib.routing import by_first_segment
from brobygger.pagecache.keep import kept
from brobygger.pagecache.tracking import current_until
from brobygger.urls import PATTERNS

PAGE = engines["django"].from_string(
    "<form method='post'>{% csrf_token %}</form><p>{{ text }}</p>"
    '<div hx-headers=\'{"X-CSRFToken": "{{ csrf_token }}"}\'></div>'
)


# How often each probe's view ran: a kept page is answered without it.
CALLS: Counter[str] = Counter()


def page(request: HttpRequest, text: str) -> HttpResponse:
    CALLS[request.path] += 1
    return HttpResponse(PAGE.render({"text": text}, request))


@any_staff
@kept
def units(request: HttpRequest) -> HttpResponse:
    return page(request, " ".join(Unit.objects.order_by("name").values_list("name", flat=True)))


@any_staff
@kept
def reads_log(request: HttpRequest) -> HttpResponse:
    return page(request, f"{AccessLogEntry.objects.count()} entries")


@any_staff
@kept
def writes(request: HttpRequest) -> HttpResponse:
    Unit.objects.filter(name="Nowhere").update(name="Nowhere")
    return page(request, "wrote")


@any_staff
@kept
def sets_cookie(request: HttpRequest) -> HttpResponse:
    response = page(request, "cookie")
    response.set_cookie("probe", "1")
    return response


@any_staff
@kept
def not_found(request: HttpRequest) -> HttpResponse:
    CALLS[request.path] += 1
    return HttpResponse("gone", status=404)


@any_staff
@kept
def until(request: HttpRequest) -> HttpResponse:
    end = parse_datetime(request.GET["t"])
    assert end is not None
    current_until(end)
    return page(request, f"{Unit.objects.count()} units")


urlpatterns = by_first_segment(
    [
        path("probe/units/", units),
        path("probe/log/", reads_log),
        path("probe/writes/", writes),
        path("probe/cookie/", sets_cookie),
        path("probe/404/", not_found),
        path("probe/until/", until),
        *PATTERNS,
    ]
)
