from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from brobygger.accounts.access import any_staff

from . import access


@any_staff
def home(request: HttpRequest) -> HttpResponse:
    page = access.home_page_for(request.user)
    return render(request, page.template, page.context)


@any_staff
def ping(request: HttpRequest) -> HttpResponse:
    """The smallest signed-in page: the base template and the user's name, nothing read.

    The baseline of bench/throughput.py: what every page pays for the middleware, the
    session, the navigation and the base template, against which the main pages are
    measured (issue 19).
    """
    return render(request, "desk/ping.html")
