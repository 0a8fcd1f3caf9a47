from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from brobygger.accounts.access import role_required
from brobygger.accounts.models import Role
from brobygger.audit.models import Purpose
from brobygger.lib.forms import apply_validation_error
from brobygger.lib.links import object_links
from brobygger.lib.paging import page_of

from . import access, selectors, services, workforce_services
from .forms import (
    AccessRequestForm,
    DepartureForm,
    PauseForm,
    PeerFilterForm,
    PeerForm,
    PersonForm,
    RelativeLinkForm,
)
from .models import PersonKind


def _cpr_refusal(number: str | None, error: ValidationError) -> dict[str, Any]:
    """What the page adds when the CPR number cannot be used: a link to the person the
    user may see, or the way to ask for access (issue 16)."""
    for item in getattr(error, "error_dict", {}).get("cpr", []):
        if item.code == "duplicate":
            return {"existing_person_pk": (item.params or {}).get("pk")}
        if item.code == "cpr_unavailable":
            return {"access_form": AccessRequestForm(initial={"cpr": number})}
    return {}


def _save_person_form(
    request: HttpRequest, form: PersonForm, **extra: Any
) -> tuple[Any, dict[str, Any]]:
    """Run the service; on ValidationError put the messages on the form and return None
    with what the page shows about a refused CPR number."""
    data = dict(form.cleaned_data)
    try:
        if form.instance.pk:
            return services.update_person(actor=request.user, person=form.instance, **data), {}
        return services.create_person(actor=request.user, **data, **extra), {}
    except ValidationError as error:
        apply_validation_error(form, error)
        return None, _cpr_refusal(data.get("cpr"), error)


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    units = selectors.units_for(request.user)
    patient, link_form = None, None
    patient_pk = request.GET.get("patient")
    if patient_pk and patient_pk.isdigit():
        patient = access.get_person_for(request.user, int(patient_pk), purpose=Purpose.COORDINATION)
        if patient.kind != PersonKind.PATIENT:
            raise Http404
        link_form = RelativeLinkForm(request.POST or None)
    initial = {"kind": PersonKind.RELATIVE if patient else PersonKind.PATIENT}
    form = PersonForm(request.POST or None, initial=initial, units=units)
    refusal: dict[str, Any] = {}
    if request.method == "POST" and form.is_valid() and (link_form is None or link_form.is_valid()):
        extra: dict[str, Any] = {}
        if patient is not None and link_form is not None:
            extra = {"patient": patient, "relationship": link_form.cleaned_data["relationship"]}
        person, refusal = _save_person_form(request, form, **extra)
        if person is not None:
            messages.success(request, _("The person was registered."))
            return redirect("people:person_detail", pk=person.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "people/person_form.html",
        {"form": form, "link_form": link_form, "patient": patient, **refusal},
        status=status,
    )


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = access.get_person_for(request.user, pk, purpose=Purpose.COORDINATION)
    form = PersonForm(
        request.POST or None,
        instance=person,
        units=selectors.units_for(request.user),
        hide_address=not access.may_see_address(request.user, person),
    )
    refusal: dict[str, Any] = {}
    if request.method == "POST" and form.is_valid():
        saved, refusal = _save_person_form(request, form)
        if saved is not None:
            messages.success(request, _("The changes were saved."))
            return redirect("people:person_detail", pk=person.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "people/person_form.html",
        {"form": form, "person": person, **refusal},
        status=status,
    )


@role_required(Role.COORDINATOR)
@require_POST
def person_access_request(request: HttpRequest) -> HttpResponse:
    """Ask for access to the person a refused CPR number belongs to. The answer is the
    same whoever, if anyone, has the number."""
    form = AccessRequestForm(request.POST)
    if form.is_valid():
        try:
            services.request_person_access(
                actor=request.user,
                number=form.cleaned_data["cpr"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "Your access request was sent. If it can be granted, a coordinator "
                    "will contact you."
                ),
            )
            return redirect("people:person_list")
    return render(request, "people/access_request.html", {"access_form": form}, status=422)


@role_required(Role.COORDINATOR)
def access_requests(request: HttpRequest) -> HttpResponse:
    """Requests for access to persons of the coordinator's units, oldest first."""
    context = {"requests": access.open_access_requests_for(request.user)}
    return render(request, "people/access_requests.html", context)


@role_required(Role.COORDINATOR)
@require_POST
def access_request_answer(request: HttpRequest, pk: int) -> HttpResponse:
    access_request = access.get_access_request_for(request.user, pk)
    services.answer_access_request(actor=request.user, request=access_request)
    messages.success(request, _("The request is marked as answered."))
    return redirect("people:access_requests")


@role_required(Role.COORDINATOR, Role.ADMINISTRATOR)
def peer_list(request: HttpRequest) -> HttpResponse:
    filters = PeerFilterForm(request.GET or None, units=selectors.units_for(request.user))
    options: dict[str, Any] = {}
    if filters.is_valid():
        options = {k: v for k, v in filters.cleaned_data.items() if v}
    page = page_of(selectors.peer_list(request.user, **options), request.GET.get("page"))
    peer_url = object_links("people:peer_detail")  # one reversal for the page's rows
    for peer in page.object_list:
        peer.detail_url = peer_url(peer.pk)
    return render(request, "people/peer_list.html", {"filters": filters, "page": page})


def _peer_form_data(form: PeerForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    for name in ("first_name", "last_name", "username", "email", "experience_tags", "units"):
        data.pop(name, None)
    return data


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def peer_create(request: HttpRequest) -> HttpResponse:
    form = PeerForm(request.POST or None, units=selectors.units_for(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            peer = services.create_peer_with_account(
                actor=request.user,
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                experience_tags=list(data["experience_tags"]),
                units=list(data["units"]),
                **_peer_form_data(form),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The peer worker was created."))
            return redirect("people:peer_detail", pk=peer.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "people/peer_form.html", {"form": form}, status=status)


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def peer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    peer = access.get_peer_for(request.user, pk)
    initial = {
        **{name: getattr(peer, name) for name in services.PEER_FIELDS},
        "employee_number": peer.user.employee_number,
        "experience_tags": list(peer.experience_tags.all()),
        "units": list(peer.units.all()),
    }
    form = PeerForm(
        request.POST or None, initial=initial, editing=True, units=selectors.units_for(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_peer_worker(
                actor=request.user,
                peer=peer,
                experience_tags=list(form.cleaned_data["experience_tags"]),
                units=list(form.cleaned_data["units"]),
                **_peer_form_data(form),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("people:peer_detail", pk=peer.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "people/peer_form.html", {"form": form, "peer": peer}, status=status)


# -- pauses and departures ---------------------------------------------------------------

PEER_ROLES = (Role.PEER_WORKER, Role.RELATIVE_PEER)


@role_required(*PEER_ROLES)
def my_pauses(request: HttpRequest) -> HttpResponse:
    """The peer's own pause page (linked from their home)."""
    peer = selectors.own_peer(request.user)
    if peer is None:
        raise Http404
    return redirect("people:peer_pauses", pk=peer.pk)


@role_required(Role.COORDINATOR, *PEER_ROLES)
@require_http_methods(["GET", "POST"])
def peer_pauses(request: HttpRequest, pk: int) -> HttpResponse:
    peer = access.get_managed_peer_for(request.user, pk)
    form = PauseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workforce_services.set_pause(actor=request.user, peer=peer, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The pause was saved."))
            return redirect("people:peer_pauses", pk=peer.pk)
    context = {
        "peer": peer,
        "form": form,
        "pauses": selectors.pause_history(peer),
        "today": timezone.localdate(),
        "is_self": peer.user_id == request.user.pk,
        "max_days": workforce_services.PAUSE_MAX_DAYS,
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "people/peer_pauses.html", context, status=status)


@role_required(Role.COORDINATOR, *PEER_ROLES)
@require_POST
def pause_cancel(request: HttpRequest, pk: int, pause_pk: int) -> HttpResponse:
    peer = access.get_managed_peer_for(request.user, pk)
    pause = access.get_pause_for(request.user, peer, pause_pk)
    try:
        workforce_services.cancel_pause(actor=request.user, pause=pause)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The pause was cancelled."))
    return redirect("people:peer_pauses", pk=peer.pk)


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def peer_leave(request: HttpRequest, pk: int) -> HttpResponse:
    """Start "the peer leaves": the last working day, then the handover page."""
    peer = access.get_managed_peer_for(request.user, pk)
    departure = selectors.departure_of(peer)
    if departure is not None and departure.is_completed:
        raise Http404
    initial = {"last_day": departure.last_day, "note": departure.note} if departure else {}
    form = DepartureForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            workforce_services.plan_departure(actor=request.user, peer=peer, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("people:peer_handover", pk=peer.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "people/peer_leave.html",
        {"peer": peer, "form": form, "departure": departure},
        status=status,
    )


@role_required(Role.COORDINATOR)
@require_POST
def departure_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    peer = access.get_managed_peer_for(request.user, pk)
    departure = selectors.departure_of(peer)
    if departure is None:
        raise Http404
    try:
        workforce_services.cancel_departure(actor=request.user, departure=departure)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The departure was cancelled. The peer stays."))
    return redirect("people:peer_detail", pk=peer.pk)
