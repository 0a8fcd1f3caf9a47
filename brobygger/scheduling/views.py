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
from brobygger.lib.forms import apply_validation_error
from brobygger.lib.redirects import back_to
from brobygger.people.access import get_peer_for

from . import access, selectors, services
from .forms import (
    BookForm,
    CancelForm,
    ExceptionForm,
    RescheduleForm,
    UncancelForm,
    WindowsForm,
)
from .models import AppointmentStatus


def _needs_confirmation(error: ValidationError, code: str = "over_contract") -> bool:
    return hasattr(error, "error_list") and any(
        getattr(e, "code", "") == code for e in error.error_list
    )


def _over_contract(form: Any, error: ValidationError | None = None) -> bool:
    """Show the over-contract tick: asked for, or already ticked (nothing typed is lost)."""
    if error is not None and _needs_confirmation(error):
        return True
    return form.is_bound and bool(form.data.get(form.add_prefix("allow_over_contract")))


@role_required(Role.COORDINATOR, *PEER_ROLES)
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, course_pk: int) -> HttpResponse:
    course = access.course_to_book(request.user, course_pk)
    # The person's way of being contacted suggests how to meet.
    preferred_mode = {"phone": "phone", "sms": "phone", "in_person": "in_person"}
    initial: dict[str, Any] = {
        "minutes": 45,
        "mode": preferred_mode.get(course.person.contact_channel, "in_person"),
    }
    slot = request.GET.get("tid", "")
    if slot:
        try:
            moment = timezone.localtime(datetime.datetime.fromisoformat(slot))
            initial |= {"date": moment.date(), "time": moment.time().replace(second=0)}
        except ValueError:
            pass
    form = BookForm(request.POST or None, initial=initial)
    confirm = _over_contract(form)
    outside = form.show_override()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appointment = services.book(
                actor=request.user,
                course=course,
                starts_at=data["starts_at"],
                minutes=data["minutes"],
                mode=data["mode"],
                place_kind=data["place_kind"],
                place=data["place"],
                allow_over_contract=data["allow_over_contract"],
                override_reason=data["override"],
            )
        except ValidationError as error:
            confirm = _over_contract(form, error)
            outside = form.show_override(error)
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The conversation is booked."))
            return redirect("scheduling:appointment", pk=appointment.pk)
    part = request.GET.get("del", "")
    slots = selectors.free_slots(course.peer, course.person, part_of_day=part)
    context = {
        "course": course,
        "person": course.person,
        "form": form,
        "slots": slots,
        "confirm": confirm,
        "outside": outside,
        "part": part,
    }
    return render(
        request, "scheduling/book.html", context, status=422 if request.method == "POST" else 200
    )


@role_required(Role.COORDINATOR, *PEER_ROLES)
@require_http_methods(["GET", "POST"])
def appointment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = access.get_appointment_for(request.user, pk)
    reschedule_form = RescheduleForm(
        initial={
            "date": timezone.localtime(appointment.starts_at).date(),
            "time": timezone.localtime(appointment.starts_at).time(),
            "minutes": appointment.minutes,
        }
    )
    role = getattr(request.user, "role", "")
    cancel_form = CancelForm(initial={"by": "coordinator" if role == Role.COORDINATOR else "peer"})
    uncancel_form = UncancelForm(prefix=None)
    confirm = outside = uncancel_outside = False
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "reschedule":
                reschedule_form = RescheduleForm(request.POST)
                confirm = _over_contract(reschedule_form)
                outside = reschedule_form.show_override()
                if reschedule_form.is_valid():
                    data = reschedule_form.cleaned_data
                    services.reschedule(
                        actor=request.user,
                        appointment=appointment,
                        starts_at=data["starts_at"],
                        minutes=data["minutes"],
                        allow_over_contract=data["allow_over_contract"],
                        override_reason=data["override"],
                    )
                    messages.success(request, _("The conversation was moved."))
                    return redirect("scheduling:appointment", pk=appointment.pk)
            elif action == "cancel":
                cancel_form = CancelForm(request.POST)
                if cancel_form.is_valid():
                    services.cancel(
                        actor=request.user,
                        appointment=appointment,
                        by=cancel_form.cleaned_data["by"],
                        reason=cancel_form.cleaned_data["reason"],
                    )
                    messages.success(request, _("The conversation was cancelled."))
                    return redirect("scheduling:appointment", pk=appointment.pk)
            elif action == "uncancel":
                uncancel_form = UncancelForm(request.POST)
                uncancel_outside = uncancel_form.show_override()
                if uncancel_form.is_valid():
                    services.uncancel(
                        actor=request.user,
                        appointment=appointment,
                        override_reason=uncancel_form.cleaned_data["override"],
                    )
                    messages.success(request, _("The conversation is booked again."))
                    return redirect("scheduling:appointment", pk=appointment.pk)
            elif action in (AppointmentStatus.HELD, AppointmentStatus.NO_SHOW):
                services.mark(actor=request.user, appointment=appointment, status=action)
                messages.success(request, _("Saved."))
                return redirect("scheduling:appointment", pk=appointment.pk)
        except ValidationError as error:
            target = reschedule_form if action == "reschedule" else cancel_form
            if action == "uncancel" and uncancel_form.show_override(error):
                # Away, a public holiday or outside the hours: ask for "Book anyway".
                uncancel_outside = True
                apply_validation_error(uncancel_form, error)
            elif action in ("reschedule", "cancel"):
                confirm = _over_contract(target, error)
                outside = action == "reschedule" and reschedule_form.show_override(error)
                apply_validation_error(target, error)
            else:
                for message in error.messages:
                    messages.error(request, message)
                return redirect("scheduling:appointment", pk=appointment.pk)
    context = {
        "appointment": appointment,
        "reschedule_form": reschedule_form,
        "cancel_form": cancel_form,
        "confirm": confirm,
        "outside": outside,
        "uncancel_form": uncancel_form,
        "uncancel_outside": uncancel_outside,
        "now": timezone.now(),
    }
    return render(
        request,
        "scheduling/appointment.html",
        context,
        status=422 if request.method == "POST" else 200,
    )


def _availability(request: HttpRequest, peer: Any, back: str) -> HttpResponse:
    windows = selectors.windows_of(peer)
    form = WindowsForm(request.POST or None, initial=WindowsForm.initial_for(windows), prefix="w")
    exception_form = ExceptionForm(None, prefix="x")
    if request.method == "POST" and request.POST.get("action") == "exception":
        exception_form = ExceptionForm(request.POST, prefix="x")
        form = WindowsForm(initial=WindowsForm.initial_for(windows), prefix="w")
        if exception_form.is_valid():
            try:
                services.add_exception(actor=request.user, peer=peer, **exception_form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(exception_form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect(back)
    elif request.method == "POST" and form.is_valid():
        services.set_windows(actor=request.user, peer=peer, windows=form.cleaned_data["windows"])
        messages.success(request, _("Your weekly times were saved."))
        return redirect(back)
    context = {
        "peer": peer,
        "form": form,
        "exception_form": exception_form,
        "exceptions": selectors.upcoming_exceptions(peer),
        "rows": [
            (label, [form[f"d{day}_{n}_{part}"] for n in (1, 2) for part in ("from", "to")])
            for day, label in selectors.WEEKDAYS
        ],
    }
    return render(
        request,
        "scheduling/availability.html",
        context,
        status=422 if request.method == "POST" else 200,
    )


@role_required(*PEER_ROLES)
@require_http_methods(["GET", "POST"])
def my_availability(request: HttpRequest) -> HttpResponse:
    peer = access.own_peer_profile(request.user)
    return _availability(request, peer, request.path)


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def peer_availability(request: HttpRequest, pk: int) -> HttpResponse:
    peer = get_peer_for(request.user, pk)
    return _availability(request, peer, request.path)


@role_required(Role.COORDINATOR, *PEER_ROLES)
@require_POST
def delete_exception(request: HttpRequest, pk: int) -> HttpResponse:
    exception = access.exception_for(request.user, pk)
    services.delete_exception(actor=request.user, exception=exception)
    messages.success(request, _("Removed."))
    return redirect(back_to(request, "scheduling:my_availability"))
