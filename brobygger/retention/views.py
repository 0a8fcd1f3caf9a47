from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from brobygger.accounts.access import role_required
from brobygger.accounts.models import Role

from . import access, selectors, services
from .forms import HoldForm, LiftForm, PeriodForm


def _page(request: HttpRequest, *, status: int = 200, **forms: Any) -> HttpResponse:
    run = selectors.last_run()
    context = {
        "rows": selectors.policy_rows(run),
        "run": run,
        "holds": selectors.holds(),
        "hold_form": forms.get("hold_form") or HoldForm(),
        "period_error": forms.get("period_form"),
        "lift_error": forms.get("lift_form"),
        "lift_pk": forms.get("lift_pk"),
    }
    return render(request, "retention/overview.html", context, status=status)


@role_required(Role.ADMINISTRATOR)
def overview(request: HttpRequest) -> HttpResponse:
    return _page(request)


@role_required(Role.ADMINISTRATOR)
@require_POST
def set_period(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.POST)
    if form.is_valid():
        try:
            services.set_period(
                actor=request.user,
                record_type=form.cleaned_data["record_type"],
                days=form.cleaned_data["days"],
            )
        except ValidationError as e:
            form.add_error("days", e)
        else:
            messages.success(request, _("The period is changed."))
            return redirect("retention:overview")
    return _page(request, status=422, period_form=form)


@role_required(Role.ADMINISTRATOR)
@require_POST
def place_hold(request: HttpRequest) -> HttpResponse:
    form = HoldForm(request.POST)
    if form.is_valid():
        person_id, course_id = form.cleaned_data["person"], form.cleaned_data["course"]
        target = access.hold_target(request.user, person_id=person_id, course_id=course_id)
        if target is None:
            form.add_error(
                "person" if person_id is not None else "course", _("There is no such number.")
            )
        else:
            try:
                services.place_hold(
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    person=target if person_id is not None else None,
                    course=target if course_id is not None else None,
                )
            except ValidationError as e:
                form.add_error(None, e)
            else:
                messages.success(request, _("The legal hold is placed."))
                return redirect("retention:overview")
    return _page(request, status=422, hold_form=form)


@role_required(Role.ADMINISTRATOR)
@require_POST
def lift_hold(request: HttpRequest, pk: int) -> HttpResponse:
    hold = access.get_hold_for(request.user, pk)
    if hold is None:
        raise Http404
    form = LiftForm(request.POST)
    if form.is_valid():
        try:
            services.lift_hold(actor=request.user, hold=hold, reason=form.cleaned_data["reason"])
        except ValidationError as e:
            form.add_error("reason", e)
        else:
            messages.success(request, _("The legal hold is lifted."))
            return redirect("retention:overview")
    return _page(request, status=422, lift_form=form, lift_pk=hold.pk)
