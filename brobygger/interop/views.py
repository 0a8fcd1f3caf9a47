from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from brobygger.accounts.access import role_required
from brobygger.accounts.models import Role
from brobygger.people.selectors import units_for
from brobygger.reports.forms import PeriodFilterForm

from . import access, dkcore, fhir

CONTENT_TYPE = "application/fhir+json; charset=utf-8"


def _download(request: HttpRequest, bundle: dict[str, Any], filename: str) -> HttpResponse:
    problems = dkcore.problems(bundle)
    if problems:  # never hand out what the receiver would reject: say what, not whom
        return render(request, "interop/problems.html", {"problems": problems}, status=422)
    response = HttpResponse(json.dumps(bundle, ensure_ascii=False, indent=1), CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@role_required(Role.COORDINATOR)
@require_POST
def person_bundle(request: HttpRequest, pk: int) -> HttpResponse:
    export = access.person_export(request.user, pk)
    bundle = fhir.bundle_for(export.persons, export.links)
    return _download(request, bundle, f"brobygger-fhir-person-{pk}.json")


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def period_bundle(request: HttpRequest) -> HttpResponse:
    form = PeriodFilterForm(
        request.POST or None,
        units=units_for(request.user),
        today=timezone.localdate(),
        fixed_year=False,
    )
    if request.method == "POST" and form.is_valid():
        period = fhir.Period(form.cleaned_data["fra"], form.cleaned_data["til"])
        export = access.period_export(request.user, period, unit=form.cleaned_data["enhed"])
        bundle = fhir.bundle_for(export.persons, export.links, period)
        name = f"brobygger-fhir-{period.start.isoformat()}-{period.end.isoformat()}.json"
        return _download(request, bundle, name)
    status = 422 if request.method == "POST" else 200
    return render(request, "interop/period.html", {"form": form}, status=status)
