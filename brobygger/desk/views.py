from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from brobygger.accounts.access import any_staff, public, role_required
from brobygger.accounts.models import Role
from brobygger.jobs import health as health_checks
from brobygger.jobs.selectors import job_states
from brobygger.lib.dates import week_start
from brobygger.lib.links import object_links
from brobygger.lib.paging import page_of
from brobygger.pagecache.keep import kept
from brobygger.people.models import PeerKind
from brobygger.people.selectors import units_for
from brobygger.scheduling import selectors as scheduling_selectors
from brobygger.workforce.forms import PeerFilterForm

from . import access, selectors
from .forms import ReportSearchForm
from .workforce_overview import CONTRACT_WARNING_DAYS


@any_staff
@kept
def home(request: HttpRequest) -> HttpResponse:
    page = access.home_page_for(request.user)
    if "oldest_referrals" in page.context:  # the coordinator's
        _with_links(page.context)
    return render(request, page.template, page.context)


def _with_links(context: dict[str, Any]) -> None:
    """The coordinator's home's row links, from one reversed pattern each (lib/links.py):
    a referral's page; a peer's page, or their handover while they are leaving."""
    referral = object_links("referrals:referral_detail")
    for row in context["oldest_referrals"]:
        row.detail_url = referral(row.pk)
    handover, peer = object_links("people:peer_handover"), object_links("people:peer_detail")
    for warning in context["contract_warnings"]:
        key = warning["peer"].pk
        warning["url"] = handover(key) if warning["leaving"] else peer(key)


@any_staff
def ping(request: HttpRequest) -> HttpResponse:
    """The smallest signed-in page: the base template and the user's name, nothing read.

    The baseline of bench/throughput.py: what every page pays for the middleware, the
    session, the navigation and the base template, against which the main pages are
    measured (issue 19).
    """
    return render(request, "desk/ping.html")


# The administrator's "who looked at this person" report (the access log by person).


@role_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def access_report_search(request: HttpRequest) -> HttpResponse:
    form = ReportSearchForm(request.POST or None)
    results = None
    if request.method == "POST" and form.is_valid():
        results = access.find_persons_for_report(request.user, form.cleaned_data["q"])
    return render(
        request,
        "desk/access_report_search.html",
        {"form": form, "results": results},
        status=422 if request.method == "POST" and not form.is_valid() else 200,
    )


@role_required(Role.ADMINISTRATOR)
def access_report(request: HttpRequest, pk: int) -> HttpResponse:
    person = access.get_person_for_report(request.user, pk)
    # Every entry, a page at a time (a person in care for a year is named in thousands of
    # list entries); it used to stop silently at the newest 1,000.
    page = page_of(access.access_entries_for(person), request.GET.get("page"), per_page=50)
    entries = access.glass_reasons_for(person, list(page.object_list))
    context = {"person": person, "page": page, "entries": entries}
    return render(request, "desk/access_report.html", context)


# The scheduled jobs (brobygger/jobs): the administrator's page and /health/.


@role_required(Role.ADMINISTRATOR)
@require_safe
def jobs_overview(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = [
        {"state": s, "overdue": s.overdue(now), "red": not s.healthy(now)} for s in job_states()
    ]
    return render(
        request,
        "desk/jobs.html",
        {"rows": rows, "red_count": sum(r["red"] for r in rows)},
    )


@public
@require_safe
@never_cache
def health(request: HttpRequest) -> HttpResponse:
    """For monitoring: 200 when all is well, 503 when the database is down or a job is
    overdue or failed. No login; nothing personal in it (jobs/health.py)."""
    ok, body = health_checks.report()
    return JsonResponse(body, status=200 if ok else 503)


# The coordinator's workforce overview: one row per peer, the flags and their counts.


@role_required(Role.COORDINATOR)
def workforce_overview(request: HttpRequest) -> HttpResponse:
    units = units_for(request.user)
    form = PeerFilterForm(request.GET or None, units=units)
    chosen: dict[str, Any] = {"unit": None, "kind": "", "flags": False}
    if form.is_bound and form.is_valid():
        chosen = form.cleaned_data
    page = access.workforce_overview_for(
        request.user,
        unit=chosen["unit"],
        kind=chosen["kind"],
        flags_only=chosen["flags"],
        page_number=request.GET.get("page"),
    )
    context = {
        "form": form,
        "contract_warning_days": CONTRACT_WARNING_DAYS,
        "peer_kinds": PeerKind,
        **page,
    }
    return render(request, "desk/workforce_overview.html", context)


# The peer's week and the coordinator's planning (scheduling:my_week, scheduling:planning).


def _monday(request: HttpRequest) -> datetime.date:
    raw = request.GET.get("uge", "")
    try:
        day = datetime.date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    return week_start(day)


@role_required(Role.PEER_WORKER, Role.RELATIVE_PEER)
@kept
def my_week(request: HttpRequest) -> HttpResponse:
    context = access.own_week(request.user, _monday(request))
    return render(request, "desk/my_week.html", context)


@role_required(Role.COORDINATOR)
def planning(request: HttpRequest) -> HttpResponse:
    """The coordinator's view across peers: load for the coming weeks and this week."""
    monday = _monday(request)
    peers = scheduling_selectors.coordinator_peers(
        request.user, unit_pk=request.GET.get("enhed", "")
    )
    # One page of peers for the chart and both tables (a region has about 1,400).
    page = page_of(peers, request.GET.get("page"))
    shown = list(page.object_list)
    load = selectors.peers_load(shown, monday)
    context = {
        "monday": monday,
        "page": page,
        "load": load,
        "chart": scheduling_selectors.load_chart(load),
        "week": scheduling_selectors.day_overview(shown, monday),
        "days": [monday + datetime.timedelta(days=i) for i in range(7)],
        "units": units_for(request.user),
        "unit": request.GET.get("enhed", ""),
        "previous": monday - datetime.timedelta(days=7),
        "next": monday + datetime.timedelta(days=7),
    }
    return render(request, "desk/planning.html", context)
