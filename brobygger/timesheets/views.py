from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from brobygger.accounts.access import role_required
from brobygger.accounts.models import PEER_ROLES, Role
from brobygger.audit.models import AccessAction
from brobygger.lib.forms import apply_validation_error
from brobygger.people.models import PeerWorker
from brobygger.people.selectors import units_for

from . import access, months, payroll, selectors, services
from .forms import EntryForm, MonthForm, ReasonForm
from .models import IndirectEntry, TimesheetState


def _this_month() -> tuple[int, int]:
    today = timezone.localdate()
    return today.year, today.month


def _check_month(year: int, month: int) -> None:
    """A real month, and not one still to come (nothing can have happened in it)."""
    access.check_month(year, month)
    if (year, month) > _this_month():
        raise Http404


def _month_nav(year: int, month: int) -> dict[str, Any]:
    previous = months.add_months(year, month, -1)
    following = months.add_months(year, month, 1)
    return {
        "year": year,
        "month": month,
        "month_label": services.month_label(year, month),
        "first_day": months.first_day(year, month),
        "previous": previous,
        "previous_label": services.month_label(*previous),
        "next": following if following <= _this_month() else None,
        "next_label": services.month_label(*following),
    }


def _picker(year: int, month: int, first_year: int) -> MonthForm:
    this_year = _this_month()[0]
    years = list(range(this_year, min(first_year, this_year) - 1, -1))
    return MonthForm(initial={"year": year, "month": month}, years=years)


def _picked(request: HttpRequest, first_year: int) -> tuple[int, int] | None:
    if "month" not in request.GET:
        return None
    this_year = _this_month()[0]
    form = MonthForm(request.GET, years=list(range(this_year, first_year - 1, -1)))
    chosen = form.chosen()
    return chosen if chosen is not None and chosen <= _this_month() else None


# The peer's own hours


def _peer_context(
    peer: PeerWorker, year: int, month: int, *, form: EntryForm | None = None
) -> dict[str, Any]:
    page = selectors.month_page(peer, year, month)
    state = page["figures"].state
    today = timezone.localdate()
    default_day = min(today, months.last_day(year, month))
    return {
        **page,
        **_month_nav(year, month),
        "peer": peer,
        "form": form or EntryForm(initial={"date": default_day}),
        "picker": _picker(year, month, peer.contract_start.year),
        "editable": state == TimesheetState.DRAFT,
        "can_confirm": state == TimesheetState.DRAFT
        and today >= services.can_confirm_from(year, month),
        "confirm_from": services.can_confirm_from(year, month),
        "can_withdraw": state == TimesheetState.CONFIRMED,
    }


@role_required(*PEER_ROLES)
def my_month(
    request: HttpRequest, year: int | None = None, month: int | None = None
) -> HttpResponse:
    peer = access.own_peer(request.user)
    picked = _picked(request, peer.contract_start.year)
    if picked is not None:
        return redirect("timesheets:my_month_of", year=picked[0], month=picked[1])
    if year is None or month is None:
        year, month = _this_month()
    _check_month(year, month)
    return render(request, "timesheets/my_month.html", _peer_context(peer, year, month))


@role_required(*PEER_ROLES)
@require_POST
def entry_create(request: HttpRequest, year: int, month: int) -> HttpResponse:
    peer = access.own_peer(request.user)
    _check_month(year, month)
    form = EntryForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.add_entry(
                actor=request.user,
                peer=peer,
                date=data["date"],
                minutes=data["minutes"],
                category=data["category"],
                description=data["description"],
                general_words_confirmed=data["general_words"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The work was added."))
            return redirect("timesheets:my_month_of", year=entry.date.year, month=entry.date.month)
    context = _peer_context(peer, year, month, form=form)
    return render(request, "timesheets/my_month.html", context, status=422)


@role_required(*PEER_ROLES)
@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = access.get_entry_for(request.user, pk)
    initial = {
        "date": entry.date,
        "minutes": entry.minutes,
        "category": entry.category,
        "description": entry.description,
    }
    form = EntryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_entry(
                actor=request.user,
                entry=entry,
                date=data["date"],
                minutes=data["minutes"],
                category=data["category"],
                description=data["description"],
                general_words_confirmed=data["general_words"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The change was saved."))
            return redirect("timesheets:my_month_of", year=entry.date.year, month=entry.date.month)
    sheet = entry.timesheet
    context = {
        "form": form,
        "entry": entry,
        "month_label": services.month_label(sheet.year, sheet.month),
        "back": reverse("timesheets:my_month_of", args=[sheet.year, sheet.month]),
        "locked": sheet.state != TimesheetState.DRAFT,
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "timesheets/entry_form.html", context, status=status)


@role_required(*PEER_ROLES)
@require_POST
def entry_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry: IndirectEntry = access.get_entry_for(request.user, pk)
    sheet = entry.timesheet
    try:
        services.delete_entry(actor=request.user, entry=entry)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The work was deleted."))
    return redirect("timesheets:my_month_of", year=sheet.year, month=sheet.month)


@role_required(*PEER_ROLES)
@require_POST
def confirm(request: HttpRequest, year: int, month: int) -> HttpResponse:
    peer = access.own_peer(request.user)
    _check_month(year, month)
    try:
        services.confirm_month(actor=request.user, peer=peer, year=year, month=month)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("You have confirmed the month. Your coordinator will now approve it.")
        )
    return redirect("timesheets:my_month_of", year=year, month=month)


@role_required(*PEER_ROLES)
@require_POST
def withdraw(request: HttpRequest, year: int, month: int) -> HttpResponse:
    peer = access.own_peer(request.user)
    _check_month(year, month)
    try:
        services.withdraw_confirmation(actor=request.user, peer=peer, year=year, month=month)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The confirmation was taken back. You can change the month."))
    return redirect("timesheets:my_month_of", year=year, month=month)


# The coordinator's pages


def _unit_id(request: HttpRequest) -> int | None:
    raw = request.GET.get("enhed", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@role_required(Role.COORDINATOR)
def overview(
    request: HttpRequest, year: int | None = None, month: int | None = None
) -> HttpResponse:
    this_year = _this_month()[0]
    picked = _picked(request, this_year - 5)
    if picked is not None:
        unit = _unit_id(request)
        url = reverse("timesheets:overview_of", args=picked)
        return redirect(f"{url}?enhed={unit}" if unit else url)
    if year is None or month is None:
        year, month = _this_month()
    _check_month(year, month)
    unit_id = _unit_id(request)
    state = request.GET.get("status", "")
    if state not in TimesheetState.values:
        state = ""
    context = {
        **access.month_overview(
            request.user,
            year,
            month,
            unit_id=unit_id,
            state=state,
            page_number=request.GET.get("page"),
        ),
        "state": state,
        "states": TimesheetState.choices,
        **_month_nav(year, month),
        "picker": _picker(year, month, this_year - 5),
        "units": units_for(request.user),
        "unit_id": unit_id,
        "nav_query": f"?enhed={unit_id}" if unit_id else "",
    }
    return render(request, "timesheets/overview.html", context)


@role_required(Role.COORDINATOR)
def payroll_csv(request: HttpRequest, year: int, month: int) -> HttpResponse:
    _check_month(year, month)
    unit_id = _unit_id(request)
    data = access.month_overview(request.user, year, month, unit_id=unit_id, export=True)
    response = HttpResponse(payroll.payroll_csv(data, year, month), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="loen-{year}-{month:02d}.csv"'
    response["Cache-Control"] = "no-store"
    return response


def _coordinator_context(
    request: HttpRequest,
    peer: PeerWorker,
    year: int,
    month: int,
    *,
    reason_form: ReasonForm | None = None,
    failed: str = "",
) -> dict[str, Any]:
    page = selectors.month_page(peer, year, month)
    return {
        **page,
        **_month_nav(year, month),
        "peer": peer,
        "reason_form": reason_form or ReasonForm(),
        "failed": failed,
        "overview_url": reverse("timesheets:overview_of", args=[year, month]),
    }


@role_required(Role.COORDINATOR)
def peer_month(request: HttpRequest, pk: int, year: int, month: int) -> HttpResponse:
    _check_month(year, month)
    peer = access.get_peer_for(request.user, pk, year=year, month=month, action=AccessAction.VIEW)
    context = _coordinator_context(request, peer, year, month)
    return render(request, "timesheets/peer_month.html", context)


@role_required(Role.COORDINATOR)
@require_POST
def approve(request: HttpRequest, pk: int, year: int, month: int) -> HttpResponse:
    _check_month(year, month)
    peer = access.get_peer_for(request.user, pk, year=year, month=month, action=AccessAction.CHANGE)
    sheet = access.get_timesheet(peer, year, month)
    try:
        services.approve_month(actor=request.user, timesheet=sheet)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The month is approved and locked."))
    return redirect("timesheets:peer_month", pk=pk, year=year, month=month)


def _with_reason(request: HttpRequest, pk: int, year: int, month: int, action: str) -> HttpResponse:
    _check_month(year, month)
    peer = access.get_peer_for(request.user, pk, year=year, month=month, action=AccessAction.CHANGE)
    sheet = access.get_timesheet(peer, year, month)
    form = ReasonForm(request.POST)
    if form.is_valid():
        change = services.send_back if action == "send_back" else services.reopen_month
        try:
            change(actor=request.user, timesheet=sheet, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_validation_error(form, error)
    if form.errors:
        context = _coordinator_context(request, peer, year, month, reason_form=form, failed=action)
        return render(request, "timesheets/peer_month.html", context, status=422)
    if action == "send_back":
        messages.success(request, _("The month was sent back to the peer."))
    else:
        messages.success(request, _("The month is reopened. The peer must confirm it again."))
    return redirect("timesheets:peer_month", pk=pk, year=year, month=month)


@role_required(Role.COORDINATOR)
@require_POST
def send_back(request: HttpRequest, pk: int, year: int, month: int) -> HttpResponse:
    return _with_reason(request, pk, year, month, "send_back")


@role_required(Role.COORDINATOR)
@require_POST
def reopen(request: HttpRequest, pk: int, year: int, month: int) -> HttpResponse:
    return _with_reason(request, pk, year, month, "reopen")
