"""The coordinator's workforce pages: peer education, supervision (the overview is in
brobygger/desk, above the apps it reads)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from brobygger.accounts.access import role_required
from brobygger.accounts.models import PEER_ROLES, Role
from brobygger.audit.models import AccessAction
from brobygger.lib.forms import apply_validation_error
from brobygger.people import access as people_access
from brobygger.people.models import EducationStatus

from . import access, selectors, services
from .forms import EducationForm
from .models import EducationRecord

HISTORY_DAYS = 365


@role_required(Role.COORDINATOR)
def education_overview(request: HttpRequest) -> HttpResponse:
    """Who lacks completed peer education, whether it is planned, and the cost per year."""
    context = access.education_overview_for(request.user, page_number=request.GET.get("page"))
    return render(request, "workforce/education_overview.html", context)


@role_required(Role.COORDINATOR)
def peer_education(request: HttpRequest, pk: int) -> HttpResponse:
    peer = access.get_peer_for(request.user, pk)
    context = {
        "peer": peer,
        "records": selectors.education_records(peer),
        "completed": peer.education_status == EducationStatus.COMPLETED,
    }
    return render(request, "workforce/peer_education.html", context)


def _education_data(form: EducationForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in services.EDUCATION_FIELDS}


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def education_create(request: HttpRequest, pk: int) -> HttpResponse:
    peer = access.get_peer_for(request.user, pk, action=AccessAction.CHANGE)
    form = EducationForm(request.POST or None, initial={"status": "planned"})
    if request.method == "POST" and form.is_valid():
        try:
            services.create_education_record(actor=request.user, peer=peer, **_education_data(form))
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The course was saved."))
            return redirect("workforce:peer_education", pk=peer.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "workforce/education_form.html", {"form": form, "peer": peer}, status=status
    )


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def education_edit(request: HttpRequest, pk: int) -> HttpResponse:
    record = access.get_record_for(request.user, pk)
    initial = {name: getattr(record, name) for name in services.EDUCATION_FIELDS}
    form = EducationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_education_record(
                actor=request.user, record=record, **_education_data(form)
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("workforce:peer_education", pk=record.peer_id)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "peer": record.peer, "record": record}
    return render(request, "workforce/education_form.html", context, status=status)


@role_required(Role.COORDINATOR)
@require_POST
def education_delete(request: HttpRequest, pk: int) -> HttpResponse:
    record: EducationRecord = access.get_record_for(request.user, pk)
    peer_pk = record.peer_id
    try:
        services.delete_education_record(actor=request.user, record=record)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The course was removed."))
    return redirect("workforce:peer_education", pk=peer_pk)


def _supervision_context(peer: Any) -> dict[str, Any]:
    since = timezone.localdate() - datetime.timedelta(days=HISTORY_DAYS)
    rows = selectors.peer_sessions(peer, since=since)
    return {
        "peer": peer,
        "status": selectors.supervision_status([peer])[peer.pk],
        "upcoming": [r for r in reversed(rows) if r["future"]],
        "held": [r for r in rows if not r["future"]],
        "groups": selectors.peer_groups(peer),
    }


@role_required(Role.COORDINATOR)
def peer_supervision(request: HttpRequest, pk: int) -> HttpResponse:
    peer = access.get_peer_for(request.user, pk)
    return render(request, "workforce/peer_supervision.html", _supervision_context(peer))


@role_required(*PEER_ROLES)
def my_supervision(request: HttpRequest) -> HttpResponse:
    """The peer's own supervision and education, read only.

    Only the peer's own data and the groups' general themes: no one else's
    attendance is shown, so nothing here needs an access-log entry.
    """
    peer = access.own_peer(request.user)
    context = {
        **_supervision_context(peer),
        "records": selectors.education_records(peer),
        "own_page": True,
    }
    return render(request, "workforce/my_supervision.html", context)


@role_required(Role.COORDINATOR, Role.ADMINISTRATOR, Role.PEER_WORKER, Role.RELATIVE_PEER)
def peer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The peer's page (people:peer_detail): here, since it counts the peer's courses."""
    peer = people_access.get_peer_for(request.user, pk)
    return render(
        request,
        "workforce/peer_detail.html",
        {
            "peer": peer,
            "can_edit": people_access.can_edit_peer(request.user),
            "can_manage": people_access.can_manage_peer(request.user, peer),
            "is_self": peer.user_id == request.user.pk,
            "status": selectors.peer_status(peer),
        },
    )
