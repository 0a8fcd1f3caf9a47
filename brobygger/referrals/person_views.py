"""The person pages of the people namespace (people:person_list, people:person_detail,
people:person_reveal_cpr): a person with their courses, so they live in the app above
people that has the courses; brobygger/urls.py adds them to the people namespace."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from brobygger.accounts import policy
from brobygger.accounts.access import role_required
from brobygger.accounts.models import Role
from brobygger.lib.htmx import HtmxHttpRequest
from brobygger.lib.links import object_links
from brobygger.pagecache.keep import kept
from brobygger.people import access as people_access
from brobygger.people import selectors as people_selectors
from brobygger.people.forms import PersonFilterForm, SearchForm

from . import access

PAGE_SIZE = 25
PERSON_READERS = (Role.COORDINATOR, Role.PEER_WORKER, Role.RELATIVE_PEER, Role.CLINICIAN)


def _purpose_for(user: Any) -> str:
    return policy.purpose_for(user)


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
@kept
def person_list(request: HtmxHttpRequest) -> HttpResponse:
    units = people_selectors.units_for(request.user)
    filters = PersonFilterForm(request.GET or None, units=units)
    kind, unit = "", None
    if filters.is_valid():
        kind, unit = filters.cleaned_data["kind"], filters.cleaned_data["unit"]
    # Search text travels in the POST body: names and CPR numbers never go in a URL.
    search = SearchForm(request.POST or None)
    text = search.cleaned_data["q"] if search.is_valid() else ""
    page = access.person_list_page_for(
        request.user,
        kind=kind,
        unit=unit,
        text=text,
        page_number=request.GET.get("page"),
        per_page=PAGE_SIZE,
    )
    person_url = object_links("people:person_detail")  # one reversal for the page's rows
    for person in page.object_list:
        person.detail_url = person_url(person.pk)
    context = {"filters": filters, "search": search, "page": page, "searching": bool(text)}
    template = "referrals/person_list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


@role_required(*PERSON_READERS)
@kept
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = people_access.get_person_for(
        request.user, pk, purpose=_purpose_for(request.user), glass=True
    )
    context = {
        "person": person,
        "through_glass": policy.through_glass(person),
        "can_edit": people_access.can_edit_person(request.user, person),
        **access.person_page_for(request.user, person),
    }
    return render(request, "referrals/person_detail.html", context)


@role_required(*PERSON_READERS)
@require_POST
def person_reveal_cpr(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    person = people_access.get_person_to_reveal_for(
        request.user, pk, purpose=_purpose_for(request.user)
    )
    if not person.cpr:
        raise Http404
    number = people_access.reveal_cpr(request.user, person, purpose=_purpose_for(request.user))
    context = {"person": person, "revealed_cpr": number}
    if request.htmx:
        return render(request, "referrals/person_detail.html#cpr", context)
    return render(
        request,
        "referrals/person_detail.html",
        context
        | {
            "can_edit": people_access.can_edit_person(request.user, person),
            **access.person_page_for(request.user, person),
        },
    )
