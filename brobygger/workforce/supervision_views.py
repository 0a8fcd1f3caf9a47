"""The coordinator's supervision pages: groups, their sessions and attendance."""

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
from brobygger.accounts.models import Role
from brobygger.groups.forms import AttendanceForm
from brobygger.lib.dates import local_datetime
from brobygger.lib.forms import apply_validation_error
from brobygger.lib.paging import page_of
from brobygger.people.selectors import units_for

from . import access, selectors, services
from .forms import SessionForm, SupervisionGroupEditForm, SupervisionGroupForm
from .models import SupervisionGroup, SupervisionSession


def _group_form(
    request: HttpRequest,
    data: Any = None,
    *,
    form_class: type[SupervisionGroupForm] = SupervisionGroupForm,
    **kwargs: Any,
) -> SupervisionGroupForm:
    return form_class(
        data,
        units=units_for(request.user),
        peers=selectors.active_peers(access.peers_for(request.user)),
        **kwargs,
    )


@role_required(Role.COORDINATOR)
def group_list(request: HttpRequest) -> HttpResponse:
    include_closed = request.GET.get("lukkede") == "1"
    groups = selectors.group_list(request.user, include_closed=include_closed)
    page = page_of(groups, request.GET.get("page"))
    context = {"page": page, "groups": page.object_list, "include_closed": include_closed}
    return render(request, "workforce/group_list.html", context)


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def group_create(request: HttpRequest) -> HttpResponse:
    form = _group_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        members = list(data.pop("members"))
        try:
            group = services.create_group(actor=request.user, members=members, **data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The supervision group was created. Now plan a session."))
            return redirect("workforce:session_create", pk=group.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "workforce/group_form.html", {"form": form}, status=status)


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = access.get_group_for(request.user, pk)
    if not group.is_open:
        return redirect("workforce:group_detail", pk=group.pk)
    initial = {name: getattr(group, name) for name in services.GROUP_FIELDS}
    initial["members"] = selectors.member_ids(group)
    form = _group_form(
        request, request.POST or None, form_class=SupervisionGroupEditForm, initial=initial
    )
    assert isinstance(form, SupervisionGroupEditForm)
    outside = form.show_override()
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        chosen = list(data.pop("members"))
        override = data.pop("override")
        del data["book_anyway"], data["override_reason"]
        # Members from other coordinators' units are not on this form: keep them.
        others = selectors.members_outside(group, access.peers_for(request.user))
        try:
            services.update_group(
                actor=request.user,
                group=group,
                members=[*chosen, *others],
                override_reason=override,
                **data,
            )
        except ValidationError as error:
            # A new member away, on a public holiday or outside their hours at a coming
            # session: the form shows "Book anyway".
            outside = form.show_override(error)
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("workforce:group_detail", pk=group.pk)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "group": group, "outside": outside}
    return render(request, "workforce/group_form.html", context, status=status)


@role_required(Role.COORDINATOR)
@require_POST
def group_close(request: HttpRequest, pk: int) -> HttpResponse:
    group = access.get_group_for(request.user, pk)
    try:
        services.close_group(actor=request.user, group=group)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The group was closed."))
    return redirect("workforce:group_detail", pk=group.pk)


@role_required(Role.COORDINATOR)
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group, page = access.group_page_for(request.user, pk)
    context = {"group": group, **page}
    return render(request, "workforce/group_detail.html", context)


def _session_times(form: SessionForm) -> datetime.datetime | None:
    """The aware start, or None with an error on the form for a time that does not exist."""
    try:
        return local_datetime(form.cleaned_data["date"], form.cleaned_data["time"])
    except ValueError:
        form.add_error("time", _("That time does not exist on that day (summer time)."))
        return None


def _save_session(
    request: HttpRequest,
    form: SessionForm,
    *,
    group: SupervisionGroup,
    session: SupervisionSession | None = None,
) -> tuple[SupervisionSession | None, bool]:
    """Run the service; on a warning about the themes, ask for the confirmation box."""
    starts_at = _session_times(form)
    if starts_at is None:
        return None, False
    data = form.cleaned_data
    fields = {
        "starts_at": starts_at,
        "minutes": data["minutes"],
        "place": data["place"],
        "themes": data["themes"],
        "confirmed": data["confirm"],
        "override_reason": data["override"],
    }
    try:
        if session is None:
            saved = services.add_session(actor=request.user, group=group, **fields)
        else:
            saved = services.update_session(actor=request.user, session=session, **fields)
    except ValidationError as error:
        # A member away, on a public holiday or outside their hours: the form then shows
        # "Book anyway" (form.show_override).
        form.outside = form.show_override(error)
        apply_validation_error(form, error)
        warned = any(
            e.code == services.THEMES_WARNING
            for e in getattr(error, "error_dict", {}).get("themes", [])
        )
        return None, warned
    # A member busy then (a conversation, a group, an interview) was refused above by
    # the one agenda (agenda.services), with the clash in words.
    return saved, False


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest, pk: int) -> HttpResponse:
    group = access.get_group_for(request.user, pk)
    if not group.is_open:
        return redirect("workforce:group_detail", pk=group.pk)
    last = selectors.last_session(group)
    initial: dict[str, Any] = {
        "date": timezone.localdate() + datetime.timedelta(days=7),
        "time": datetime.time(13, 0),
        "minutes": 120,
    }
    if last is not None:
        initial |= {
            "time": timezone.localtime(last.starts_at).time(),
            "minutes": last.minutes,
            "place": last.place,
        }
    form = SessionForm(request.POST or None, initial=initial)
    show_confirm = False
    if request.method == "POST" and form.is_valid():
        saved, show_confirm = _save_session(request, form, group=group)
        if saved is not None:
            messages.success(request, _("The session was added."))
            return redirect("workforce:session_detail", pk=saved.pk)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "group": group, "show_confirm": show_confirm}
    return render(request, "workforce/session_form.html", context, status=status)


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = access.get_session_for(request.user, pk)
    local = timezone.localtime(session.starts_at)
    initial = {
        "date": local.date(),
        "time": local.time(),
        "minutes": session.minutes,
        "place": session.place,
        "themes": session.themes,
    }
    form = SessionForm(request.POST or None, initial=initial)
    show_confirm = False
    if request.method == "POST" and form.is_valid():
        saved, show_confirm = _save_session(request, form, group=session.group, session=session)
        if saved is not None:
            messages.success(request, _("The changes were saved."))
            return redirect("workforce:session_detail", pk=session.pk)
    status = 422 if request.method == "POST" else 200
    context = {
        "form": form,
        "group": session.group,
        "session": session,
        "show_confirm": show_confirm,
    }
    return render(request, "workforce/session_form.html", context, status=status)


@role_required(Role.COORDINATOR)
@require_POST
def session_delete(request: HttpRequest, pk: int) -> HttpResponse:
    session = access.get_session_for(request.user, pk)
    group_pk = session.group_id
    try:
        services.delete_session(actor=request.user, session=session)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("workforce:session_detail", pk=session.pk)
    messages.success(request, _("The session was removed from the plan."))
    return redirect("workforce:group_detail", pk=group_pk)


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session, rows = access.session_rows_for(request.user, pk)
    peer_ids = [row["peer"].pk for row in rows]
    form = AttendanceForm(request.POST or None, ids=peer_ids)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            statuses = form.statuses(everyone_present="everyone_present" in request.POST)
            try:
                services.record_attendance(actor=request.user, session=session, statuses=statuses)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("Attendance was saved."))
                return redirect("workforce:session_detail", pk=session.pk)
        status = 422
        # Keep what was ticked when the save failed: nothing typed is lost.
        for row in rows:
            row["status"] = form.data.get(f"p{row['peer'].pk}", row["status"])
    context = {
        "session": session,
        "group": session.group,
        "rows": rows,
        "form": form,
        "started": session.starts_at <= timezone.now(),
        "counts": selectors.attendance_counts(rows),
    }
    return render(request, "workforce/session_detail.html", context, status=status)
