from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from brobygger.accounts import policy
from brobygger.accounts.access import role_required
from brobygger.accounts.models import PEER_ROLES, Role
from brobygger.lib.forms import apply_validation_error
from brobygger.lifecycle import views as lifecycle_views
from brobygger.pagecache.keep import kept
from brobygger.referrals import access as referral_access

from . import access, selectors, services
from .forms import RecordForm, TopicForm
from .models import TopicStatus


@role_required(Role.COORDINATOR, *PEER_ROLES)
@require_http_methods(["GET", "POST"])
def record(request: HttpRequest, pk: int) -> HttpResponse:
    """Write (or change) the note of one conversation, with the person."""
    appointment = access.appointment_to_note(request.user, pk)
    course = appointment.course
    existing = getattr(appointment, "record", None)
    initial = {"minutes": appointment.minutes} if existing is None else None
    form = RecordForm(
        request.POST or None,
        instance=existing,
        initial=initial,
        topics=selectors.topics_for(course),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if existing is None:
                services.record_conversation(
                    actor=request.user,
                    appointment=appointment,
                    minutes=data["minutes"],
                    topics=list(data["topics"]),
                    chime=data["chime"],
                    **form.note(),
                )
            else:
                services.update_record(
                    actor=request.user,
                    record=existing,
                    minutes=data["minutes"],
                    topics=list(data["topics"]),
                    chime=data["chime"],
                    **form.note(),
                )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The note was saved."))
            return redirect("referrals:course_detail", pk=course.pk)
    versions = existing.versions.select_related("written_by") if existing else []
    return render(
        request,
        "conversations/record.html",
        {
            "appointment": appointment,
            "course": course,
            "form": form,
            "existing": existing,
            "versions": versions,
        },
        status=422 if request.method == "POST" else 200,
    )


@role_required(Role.COORDINATOR, *PEER_ROLES)
@require_http_methods(["GET", "POST"])
def guide(request: HttpRequest, pk: int) -> HttpResponse:
    course, can_edit = access.course_for_guide(request.user, pk)
    errors: list[str] = []
    if request.method == "POST":
        if not can_edit:
            raise Http404
        for topic in selectors.topics_for(course):
            status = request.POST.get(f"status-{topic.pk}")
            if status is None:
                continue
            try:
                services.set_topic(
                    actor=request.user,
                    course=course,
                    topic=topic,
                    status=status,
                    follow_up=request.POST.get(f"follow-{topic.pk}", ""),
                )
            except ValidationError as error:
                errors.append(f"{topic.title}: {' '.join(error.messages)}")
        if not errors:
            messages.success(request, _("The discharge guide was saved."))
            return redirect("conversations:guide", pk=course.pk)
    context = {
        "course": course,
        "person": course.person,
        "phases": selectors.guide(course),
        "can_edit": can_edit,
        "errors": errors,
        "statuses": TopicStatus.choices,
    }
    return render(request, "conversations/guide.html", context, status=422 if errors else 200)


@role_required(Role.COORDINATOR, *PEER_ROLES)
def printout(request: HttpRequest, pk: int) -> HttpResponse:
    """The person's copy: notes, topics covered and the closing summary."""
    course = access.course_to_print(request.user, pk)
    context = {
        "course": course,
        "person": course.person,
        "records": selectors.records(course),
        "phases": selectors.guide(course),
        "printed_at": timezone.now(),
    }
    return render(request, "conversations/printout.html", context)


@role_required(Role.COORDINATOR, *PEER_ROLES)
@require_http_methods(["GET", "POST"])
def bridge(request: HttpRequest, pk: int) -> HttpResponse:
    course = access.course_to_follow_up(request.user, pk)
    proposals = selectors.bridge_proposals(course)
    if request.method == "POST":
        chosen = []
        for value in request.POST.getlist("slot"):
            try:
                moment = datetime.datetime.fromisoformat(value)
            except ValueError:
                continue
            if timezone.is_aware(moment):
                chosen.append(moment)
        if chosen:
            booked, problems = services.book_followups(
                actor=request.user, course=course, moments=chosen
            )
            if booked:
                messages.success(request, _("%(n)d follow-up calls were booked.") % {"n": booked})
            for problem in problems:
                messages.error(request, problem)
            return redirect("referrals:course_detail", pk=course.pk)
        # Nothing ticked: the same page again, with what to do.
        messages.error(request, _("Tick at least one time."))
    return render(
        request,
        "conversations/bridge.html",
        {
            "course": course,
            "person": course.person,
            "proposals": proposals,
            "bookable": any(p["slot"] for p in proposals),
        },
    )


@role_required(Role.COORDINATOR)
def topic_list(request: HttpRequest) -> HttpResponse:
    return render(request, "conversations/topic_list.html", {"topics": access.all_topics()})


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def topic_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    topic = access.get_topic(pk) if pk is not None else None
    form = TopicForm(request.POST or None, instance=topic)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        if not saved.key:
            saved.key = access.unique_topic_key(slugify(saved.title_da) or "emne")
        services.save_topic(actor=request.user, topic=saved)
        messages.success(request, _("The topic was saved."))
        return redirect("conversations:topic_list")
    return render(
        request,
        "conversations/topic_form.html",
        {"form": form, "topic": topic},
        status=422 if request.method == "POST" else 200,
    )


@role_required(Role.COORDINATOR, *PEER_ROLES)
@require_http_methods(["GET", "POST"])
@kept
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The course as its peer and coordinator use it every day. Changing the phase and
    dates or ending the course has its own page (`course_change`), so the page everyone
    opens renders no forms and computes no ending preview (issue 19); a post here is
    handled as there, for forms and bookmarks that still post to this address.

    Here, above referrals and scheduling, since it shows the conversations and the
    discharge guide with the course (referrals:course_detail, brobygger/urls.py)."""
    if request.method == "POST":
        return lifecycle_views.course_change(request, pk)
    # Reading may go through a break-the-glass grant; a change never does.
    course = referral_access.get_course_for(request.user, pk, glass=True)
    context = {
        "course": course,
        "person": course.person,
        "can_edit": referral_access.can_edit_course(request.user, course),
        "through_glass": policy.through_glass(course),
        **access.course_page_for(request.user, course),
    }
    return render(request, "conversations/course_detail.html", context)
