from __future__ import annotations

import datetime
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
from brobygger.audit.models import AccessAction, Purpose
from brobygger.lib.forms import apply_validation_error
from brobygger.lib.paging import page_of
from brobygger.people import access as people_access
from brobygger.people.models import PeerWorker
from brobygger.people.selectors import units_for

from . import access, selectors, services
from .forms import (
    AttendanceForm,
    GroupEditForm,
    GroupForm,
    NoteForm,
    SearchForm,
    SessionForm,
    TopicForm,
)
from .models import EnrolmentStatus, GroupSession

GROUP_ROLES = (Role.COORDINATOR, Role.PEER_WORKER, Role.RELATIVE_PEER)


def _group_form(
    request: HttpRequest,
    data: Any = None,
    *,
    form_class: type[GroupForm] = GroupForm,
    **kwargs: Any,
) -> GroupForm:
    peers = PeerWorker.objects.visible_to(request.user).active().select_related("user")
    return form_class(data, units=units_for(request.user), peers=peers, **kwargs)


@role_required(*GROUP_ROLES)
def group_list(request: HttpRequest) -> HttpResponse:
    include_closed = request.GET.get("closed") == "1"
    groups = selectors.group_list(request.user, include_closed=include_closed)
    page = page_of(groups, request.GET.get("page"))
    context = {
        "page": page,
        "groups": page.object_list,
        "include_closed": include_closed,
        "can_manage": access.can_manage_group(request.user),
    }
    return render(request, "groups/group_list.html", context)


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def group_create(request: HttpRequest) -> HttpResponse:
    form = _group_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.create_group(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The group was created. Now plan its sessions."))
            return redirect("groups:session_create", pk=group.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "groups/group_form.html", {"form": form}, status=status)


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = access.get_group_for(request.user, pk, for_update=True)
    if not group.is_open:
        raise Http404
    initial = {
        "title": group.title,
        "theme": group.theme,
        "unit": group.unit,
        "place": group.place,
        "capacity": group.capacity,
        "facilitators": list(group.facilitators.all()),
    }
    form = _group_form(request, request.POST or None, form_class=GroupEditForm, initial=initial)
    assert isinstance(form, GroupEditForm)
    outside = form.show_override()
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        override = data.pop("override")
        del data["book_anyway"], data["override_reason"]
        try:
            services.update_group(
                actor=request.user,
                group=group,
                facilitators=list(data.pop("facilitators")),
                override_reason=override,
                **data,
            )
        except ValidationError as error:
            # A new facilitator away, on a public holiday or outside their hours at a
            # session they take over: the form shows "Book anyway".
            outside = form.show_override(error)
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("groups:group_detail", pk=group.pk)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "group": group, "outside": outside}
    return render(request, "groups/group_form.html", context, status=status)


@role_required(Role.COORDINATOR)
@require_POST
def group_close(request: HttpRequest, pk: int) -> HttpResponse:
    group = access.get_group_for(request.user, pk, for_update=True)
    try:
        services.close_group(actor=request.user, group=group)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The group was closed."))
    return redirect("groups:group_detail", pk=group.pk)


@role_required(*GROUP_ROLES)
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = access.get_group_for(request.user, pk)
    context = {
        "group": group,
        "can_manage": access.can_manage_group(request.user) and group.is_open,
        "now": timezone.now(),
        **access.group_page_for(request.user, group),
    }
    return render(request, "groups/group_detail.html", context)


@role_required(*GROUP_ROLES)
def session_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable plan: dates, times, place and topics; never the participants."""
    group = access.get_group_for(request.user, pk)
    context = {"group": group, "sessions": selectors.session_plan(group)}
    return render(request, "groups/session_plan.html", context)


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest, pk: int) -> HttpResponse:
    group = access.get_group_for(request.user, pk, for_update=True)
    if not group.is_open:
        raise Http404
    initial = {"date": timezone.localdate() + datetime.timedelta(days=7), "weeks": 1}
    form = SessionForm(request.POST or None, initial=initial)
    outside = form.show_override()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sessions = services.add_weekly_sessions(
                actor=request.user,
                group=group,
                first_day=data["date"],
                start_time=data["time"],
                minutes=data["minutes"],
                weeks=data["weeks"],
                topic=data["topic"],
                override_reason=data["override"],
            )
        except ValidationError as error:
            outside = form.show_override(error)
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("%(count)s session(s) were added to the plan.") % {"count": len(sessions)},
            )
            return redirect("groups:group_detail", pk=group.pk)
    status = 422 if request.method == "POST" else 200
    context = {
        "form": form,
        "group": group,
        "planned": selectors.session_plan(group),
        "outside": outside,
    }
    return render(request, "groups/session_form.html", context, status=status)


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest, pk: int) -> HttpResponse:
    """Find a patient and sign them up. The search text travels in the POST body only."""
    group = access.get_group_for(request.user, pk, for_update=True)
    if not group.is_open:
        raise Http404
    search = SearchForm(request.POST or None)
    status = 200
    if request.method == "POST" and request.POST.get("action") == "enrol":
        person_pk = request.POST.get("person", "")
        if not person_pk.isdigit():
            raise Http404
        person = people_access.get_person_for(
            request.user, int(person_pk), purpose=Purpose.COORDINATION, action=AccessAction.CHANGE
        )
        try:
            enrolment = services.enrol(actor=request.user, group=group, person=person)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, f"{person.full_name}: {message}")
            status = 422
        else:
            if enrolment.status == EnrolmentStatus.ENROLLED:
                text = _("%(name)s is now enrolled in the group.")
            else:
                text = _("The group is full: %(name)s is number %(position)s on the waiting list.")
            messages.success(
                request, text % {"name": person.full_name, "position": enrolment.position}
            )
    results = None
    if request.method == "POST" and search.is_valid():
        text = search.cleaned_data["q"]
        results = access.enrol_candidates_for(request.user, group, text)
    enrolled = selectors.enrolled_count(group)
    context = {
        "group": group,
        "search": search,
        "results": results,
        "enrolled_count": enrolled,
        "full": enrolled >= group.capacity,
    }
    return render(request, "groups/enrol.html", context, status=status)


@role_required(Role.COORDINATOR)
@require_POST
def leave(request: HttpRequest, pk: int, person_pk: int) -> HttpResponse:
    group = access.get_group_for(request.user, pk, for_update=True)
    enrolment = access.get_enrolment_for(request.user, group, person_pk)
    person = enrolment.person
    try:
        services.leave(actor=request.user, group=group, person=person)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(name)s has left the group.") % {"name": person.full_name})
    return redirect("groups:group_detail", pk=group.pk)


def _session_context(request: HttpRequest, session: GroupSession, **forms: Any) -> dict[str, Any]:
    page = access.session_page_for(request.user, session)
    person_ids = [row["person"].pk for row in page["rows"]]
    attendance_form = forms.get("attendance_form")
    if attendance_form is not None and attendance_form.is_bound:
        # Keep what was ticked when the save failed: nothing typed is lost.
        for row in page["rows"]:
            row["status"] = attendance_form.data.get(f"p{row['person'].pk}", row["status"])
    return {
        "session": session,
        "group": session.group,
        "can_manage": access.can_manage_group(request.user) and session.group.is_open,
        "attendance_form": forms.get("attendance_form") or AttendanceForm(ids=person_ids),
        "note_form": forms.get("note_form") or NoteForm(initial={"note": session.note}),
        "topic_form": forms.get("topic_form") or TopicForm(initial={"topic": session.topic}),
        "show_confirm": forms.get("show_confirm", False),
        **page,
    }


@role_required(*GROUP_ROLES)
@require_http_methods(["GET", "POST"])
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Attendance and the group note, on a phone between two conversations."""
    session = access.get_session_for(request.user, pk)
    if request.method == "GET":
        return render(request, "groups/session_detail.html", _session_context(request, session))
    if not access.can_run_session(request.user, session):
        raise Http404
    action = request.POST.get("action")
    forms: dict[str, Any] = {}
    try:
        if action == "attendance":
            page = access.session_page_for(request.user, session)
            person_ids = [row["person"].pk for row in page["rows"]]
            form = AttendanceForm(request.POST, ids=person_ids)
            forms = {"attendance_form": form}
            if form.is_valid():
                statuses = form.statuses(everyone_present="everyone_present" in request.POST)
                services.record_attendance(actor=request.user, session=session, statuses=statuses)
                messages.success(request, _("Attendance was saved."))
                return redirect("groups:session_detail", pk=session.pk)
        elif action == "note":
            note_form = NoteForm(request.POST)
            forms = {"note_form": note_form}
            if note_form.is_valid():
                services.save_group_note(
                    actor=request.user,
                    session=session,
                    text=note_form.cleaned_data["note"],
                    confirmed=note_form.cleaned_data["confirm"],
                )
                messages.success(request, _("The group note was saved."))
                return redirect("groups:session_detail", pk=session.pk)
        elif action == "topic":
            topic_form = TopicForm(request.POST)
            forms = {"topic_form": topic_form}
            if topic_form.is_valid():
                services.update_session_topic(
                    actor=request.user, session=session, topic=topic_form.cleaned_data["topic"]
                )
                messages.success(request, _("The topic was saved."))
                return redirect("groups:session_detail", pk=session.pk)
        elif action == "cancel" and access.can_manage_group(request.user):
            services.cancel_session(actor=request.user, session=session)
            messages.success(request, _("The session was cancelled."))
            return redirect("groups:group_detail", pk=session.group_id)
        else:
            messages.error(request, _("Something was missing from the form. Try again."))
    except ValidationError as error:
        target = forms.get("attendance_form") or forms.get("note_form") or forms.get("topic_form")
        if target is None:
            for message in error.messages:
                messages.error(request, message)
        else:
            apply_validation_error(target, error)
            if action == "note":
                forms["show_confirm"] = any(
                    e.code == services.NOTE_WARNING
                    for e in getattr(error, "error_dict", {}).get("note", [])
                )
    context = _session_context(request, session, **forms)
    return render(request, "groups/session_detail.html", context, status=422)
