from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from brobygger.accounts.access import role_required
from brobygger.accounts.models import Role
from brobygger.people.models import Person

from . import access, services
from .forms import ErasureForm, ExportForm, PersonSearchForm


@role_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    form = PersonSearchForm(request.POST or None)
    results = None
    if request.method == "POST" and form.is_valid():
        results = access.find_persons(request.user, form.cleaned_data["q"])
    status = 422 if request.method == "POST" and not form.is_valid() else 200
    return render(request, "rights/search.html", {"form": form, "results": results}, status=status)


def _page(
    request: HttpRequest,
    person: Person,
    *,
    export_form: ExportForm | None = None,
    erasure_form: ErasureForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "person": person,
        "export_form": export_form or ExportForm(prefix="copy"),
        "erasure_form": erasure_form or ErasureForm(prefix="erase"),
        "decision": services.erasure_decision(person),
    }
    return render(request, "rights/person.html", context, status=status)


@role_required(Role.ADMINISTRATOR)
def person(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, access.get_person(request.user, pk))


@role_required(Role.ADMINISTRATOR)
@require_POST
def make_copy(request: HttpRequest, pk: int) -> HttpResponse:
    form = ExportForm(request.POST, prefix="copy")
    if not form.is_valid():
        return _page(request, access.get_person(request.user, pk), export_form=form, status=422)
    person = access.get_person_to_export(request.user, pk)
    file = services.make_copy(
        actor=request.user,
        person=person,
        received_on=form.cleaned_data["received_on"],
        identity_check=form.cleaned_data["identity_check"],
        fmt=form.cleaned_data["format"],
    )
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    response["Cache-Control"] = "no-store"
    return response


@role_required(Role.ADMINISTRATOR)
@require_POST
def erase(request: HttpRequest, pk: int) -> HttpResponse:
    person = access.get_person(request.user, pk)
    form = ErasureForm(request.POST, prefix="erase")
    unconfirmed = form.is_valid() and not form.cleaned_data["confirm"]
    if unconfirmed and services.erasure_decision(person).allowed:
        form.add_error("confirm", _("Tick the box to confirm the erasure."))
    if not form.is_valid():
        return _page(request, person, erasure_form=form, status=422)
    decision, removed = services.request_erasure(
        actor=request.user,
        person=person,
        received_on=form.cleaned_data["received_on"],
        identity_check=form.cleaned_data["identity_check"],
    )
    if not decision.allowed:
        messages.error(request, _("The erasure was refused, for the reasons shown."))
        return redirect("rights:person", pk=pk)
    messages.success(
        request,
        _("The person was erased: %(n)s records deleted. The access log keeps the person's id.")
        % {"n": sum(removed.values())},
    )
    return redirect("rights:search")
