"""The pages of the lifecycle steps: a peer chosen (the course starts), two records
merged, a course changed or ended, a consent withdrawn, a death, a move or a restriction
recorded or lifted. Each confirm page lists what the step will end (lifecycle.access),
and the step is one service call (lifecycle.services). The URLs keep their names in the
referrals namespace (brobygger/urls.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from brobygger.accounts.access import role_required
from brobygger.accounts.models import PEER_ROLES, Role
from brobygger.audit.models import AccessAction, Purpose
from brobygger.lib.forms import apply_validation_error
from brobygger.people import access as people_access
from brobygger.people.models import ConsentKind, StopKind
from brobygger.referrals import access as referral_access
from brobygger.referrals import selectors as referral_selectors
from brobygger.referrals import services as referral_services
from brobygger.referrals.forms import (
    AssignForm,
    CourseForm,
    EndCourseForm,
    LiftForm,
    StopForm,
    TransitionForm,
    WithdrawForm,
)
from brobygger.referrals.models import EndReason

from . import access, services, stopping


@role_required(Role.COORDINATOR)
@require_POST
def referral_assign(request: HttpRequest, pk: int) -> HttpResponse:
    referral = referral_access.get_referral_for(request.user, pk, action=AccessAction.CHANGE)
    form = AssignForm(request.POST, peers=referral_selectors.compatible_peers(referral))
    if form.is_valid():
        try:
            course = services.assign_peer(
                actor=request.user,
                referral=referral,
                peer=form.cleaned_data["peer"],
                seen_status=form.cleaned_data["seen"],
            )
        except ValidationError as error:
            if error.code == "stale":
                # Someone else was first: the page to show is the referral as it is now.
                messages.error(request, error.messages[0])
                return redirect("referrals:referral_detail", pk=referral.pk)
            apply_validation_error(form, error)
        else:
            messages.success(
                request, _("%(peer)s now has the course.") % {"peer": course.peer.name}
            )
            return redirect("referrals:referral_detail", pk=referral.pk)
    context = {
        "referral": referral,
        "now": timezone.now(),
        "assign_form": form,
        "transition_form": TransitionForm(),
        **referral_selectors.referral_page(referral),
    }
    return render(request, "referrals/referral_detail.html", context, status=422)


@role_required(Role.COORDINATOR)
@require_POST
def referral_merge(request: HttpRequest, pk: int) -> HttpResponse:
    referral = referral_access.get_referral_for(request.user, pk, action=AccessAction.CHANGE)
    keep = referral.possible_duplicate
    if keep is None:
        raise Http404
    keep = people_access.get_person_for(request.user, keep.pk, purpose=Purpose.COORDINATION)
    try:
        result = services.merge_persons(actor=request.user, keep=keep, duplicate=referral.person)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        moved = ", ".join(f"{name}: {count}" for _label, name, count in result.moved)
        messages.success(
            request,
            _("The two were merged into one person. Moved to %(name)s: %(moved)s.")
            % {"name": keep.full_name, "moved": moved or _("nothing")},
        )
    return redirect("referrals:referral_detail", pk=referral.pk)


@role_required(Role.COORDINATOR, *PEER_ROLES)
@require_http_methods(["GET", "POST"])
def course_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the phase and dates, or end the course (with a preview of what stops)."""
    course = referral_access.get_course_for(request.user, pk)
    if not referral_access.can_edit_course(request.user, course) or course.ended_on is not None:
        raise Http404
    course_form = CourseForm(initial={n: getattr(course, n) for n in services.COURSE_FIELDS})
    end_form = EndCourseForm(initial={"ended_on": timezone.localdate()})
    chosen: dict[str, Any] = {}  # the end date and reason the preview is for
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "preview":
                # What the chosen date and reason would stop, before confirming.
                end_form = EndCourseForm(request.POST)
                if end_form.is_valid():
                    referral_services.check_end(course, **_chosen_end(end_form))
                    chosen = _chosen_end(end_form)
                    return _change_page(request, course, course_form, end_form, chosen)
            elif action == "end":
                end_form = EndCourseForm(request.POST)
                if end_form.is_valid():
                    services.end_course(
                        actor=request.user,
                        course=course,
                        ended_on=end_form.cleaned_data["ended_on"],
                        reason=end_form.cleaned_data["reason"],
                        summary=end_form.cleaned_data["summary"],
                    )
                    messages.success(request, _("The course was ended."))
                    return redirect("referrals:course_detail", pk=course.pk)
            else:
                course_form = CourseForm(request.POST)
                if course_form.is_valid():
                    services.update_course(
                        actor=request.user, course=course, **course_form.cleaned_data
                    )
                    messages.success(request, _("The changes were saved."))
                    return redirect("referrals:course_detail", pk=course.pk)
        except ValidationError as error:
            apply_validation_error(end_form if action in ("end", "preview") else course_form, error)
        status = 422
    return _change_page(request, course, course_form, end_form, chosen, status=status)


def _chosen_end(form: EndCourseForm) -> dict[str, Any]:
    return {"ended_on": form.cleaned_data["ended_on"], "reason": form.cleaned_data["reason"]}


def _change_page(
    request: HttpRequest,
    course: Any,
    course_form: CourseForm,
    end_form: EndCourseForm,
    chosen: dict[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    reason = chosen.get("reason", EndReason.COMPLETED)
    context = {
        "course": course,
        "person": course.person,
        "course_form": course_form,
        "end_form": end_form,
        "ending": access.course_ending_for(
            request.user, course, ended_on=chosen.get("ended_on"), reason=reason
        ),
        "ending_on": chosen.get("ended_on"),
        "ending_reason": EndReason(reason).label if chosen else "",
    }
    return render(request, "referrals/course_change.html", context, status=status)


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def consent_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    consent = referral_access.get_consent_for(request.user, pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.withdraw_consent(
            actor=request.user, consent=consent, note=form.cleaned_data["note"]
        )
        if consent.kind == ConsentKind.CONTACT:
            messages.warning(
                request,
                _(
                    "Consent withdrawn. Open referrals were withdrawn and "
                    "active courses ended: no peer will contact the person."
                ),
            )
        else:
            messages.success(request, _("Consent withdrawn."))
        return redirect("people:person_detail", pk=consent.person_id)
    context = {
        "form": form,
        "consent": consent,
        "ending": access.consent_ending_for(request.user, consent),
    }
    return render(request, "referrals/consent_withdraw.html", context)


STOP_TITLES = {
    "died": gettext_lazy("Record a death"),
    "moved": gettext_lazy("Moved from the region or no longer reachable"),
    "restricted": gettext_lazy("Restrict processing"),
}


@role_required(Role.COORDINATOR, Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def person_stop(request: HttpRequest, person_pk: int, kind: str) -> HttpResponse:
    """Record a death, a move away (coordinator) or a restriction of processing
    (coordinator or administrator). The page lists what will end before confirming."""
    if kind != StopKind.RESTRICTED and request.user.role != Role.COORDINATOR:  # type: ignore[union-attr]
        raise Http404
    person, preview = access.stop_page_for(request.user, person_pk, kind)
    form = StopForm(request.POST or None, kind=kind, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_stop(
                actor=request.user,
                person=person,
                kind=kind,
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Recorded. Nothing new can be started with the person."))
            return redirect("people:person_detail", pk=person.pk)
    context = {
        "form": form,
        "person": person,
        "kind": kind,
        "title": STOP_TITLES[kind],
        "ending": preview,
        "courses": stopping.courses_to_end(person, kind),
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "referrals/person_stop.html", context, status=status)


@role_required(Role.COORDINATOR, Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def person_lift(request: HttpRequest, person_pk: int, kind: str) -> HttpResponse:
    """Lift a move or a restriction: work may start again."""
    if kind != StopKind.RESTRICTED and request.user.role != Role.COORDINATOR:  # type: ignore[union-attr]
        raise Http404
    person, stop = referral_access.current_stop_for(request.user, person_pk, kind)
    form = LiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.lift_stop(actor=request.user, stop=stop, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Lifted. Work with the person can start again."))
            return redirect("people:person_detail", pk=person.pk)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "person": person, "stop": stop}
    return render(request, "referrals/person_lift.html", context, status=status)
