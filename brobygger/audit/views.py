from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from brobygger.accounts.access import role_required
from brobygger.accounts.models import Role
from brobygger.lib.paging import page_of

from . import access


class ReportSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name or CPR number"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "type": "search"}),
    )


@role_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def access_report_search(request: HttpRequest) -> HttpResponse:
    form = ReportSearchForm(request.POST or None)
    results = None
    if request.method == "POST" and form.is_valid():
        results = access.find_persons_for_report(request.user, form.cleaned_data["q"])
    return render(
        request,
        "audit/report_search.html",
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
    return render(request, "audit/report.html", context)
