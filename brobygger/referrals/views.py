from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from brobygger.accounts.access import role_required
from brobygger.accounts.models import Role
from brobygger.audit.models import AccessAction, Purpose
from brobygger.lib.forms import apply_validation_error
from brobygger.lib.htmx import HtmxHttpRequest
from brobygger.lib.links import object_links
from brobygger.lib.redirects import back_to
from brobygger.pagecache.keep import kept
from brobygger.people import access as people_access
from brobygger.people.models import ConsentSource
from brobygger.people.selectors import units_for

from . import access, relatives, selectors, services
from .forms import (
    AssignForm,
    ConsentForm,
    QueueFilterForm,
    ReferralForm,
    RelativePlanForm,
    TransitionForm,
)
from .models import ReferralSource

PAGE_SIZE = 25


@role_required(Role.COORDINATOR)
@kept
def referral_queue(request: HtmxHttpRequest) -> HttpResponse:
    filters = QueueFilterForm(request.GET or None, units=units_for(request.user))
    options: dict[str, Any] = {}
    if filters.is_valid():
        data = filters.cleaned_data
        options = {
            "status": data["status"],
            "unit": data["unit"],
            "kind": data["kind"],
            "waiting_days": int(data["waiting"]) if data["waiting"] else None,
        }
    wanted = selectors.queue_filter(**options)
    counts, matching = selectors.queue_counts(request.user, wanted)
    page = access.referral_queue_page_for(
        request.user,
        wanted=wanted,
        count=matching,
        criterion=request.GET.urlencode(),
        page_number=request.GET.get("page"),
        per_page=PAGE_SIZE,
    )
    _with_links(page.object_list)
    context = {
        "filters": filters,
        "page": page,
        "counts": counts,
        "current_status": request.GET.get("status", ""),
        "now": timezone.now(),
    }
    return render(request, "referrals/queue.html", context)


def _with_links(referrals: Any) -> None:
    """Each queue row's links (its page, its triage), from one reversed pattern each."""
    detail = object_links("referrals:referral_detail")
    transition = object_links("referrals:referral_transition")
    for referral in referrals:
        referral.detail_url = detail(referral.pk)
        referral.transition_url = transition(referral.pk)


@role_required(Role.COORDINATOR)
@require_POST
def referral_transition(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    referral = access.get_referral_for(request.user, pk, action=AccessAction.CHANGE)
    form = TransitionForm(request.POST)
    detail = reverse("referrals:referral_detail", args=[referral.pk])
    if form.is_valid():
        try:
            services.transition(
                actor=request.user,
                referral=referral,
                to=form.cleaned_data["to"],
                reason=form.cleaned_data["reason"],
                seen_status=form.cleaned_data["seen"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
    if form.errors:
        if request.htmx:
            _with_links([referral])
            context = {"r": referral, "row_errors": form.errors, "now": timezone.now()}
            return render(request, "referrals/queue.html#row", context, status=422)
        if form.has_error("__all__", "stale"):
            # Someone else was first: show the referral as it is now.
            for message in form.errors["__all__"]:
                messages.error(request, str(message))
            return redirect(back_to(request, detail, within="/henvisninger/"))
        # The page again with what was typed, the errors next to their fields.
        referral.refresh_from_db()
        context = {
            "referral": referral,
            "now": timezone.now(),
            "transition_form": form,
            "assign_form": AssignForm(peers=selectors.compatible_peers(referral)),
            **selectors.referral_page(referral),
        }
        return render(request, "referrals/referral_detail.html", context, status=422)
    if request.htmx:
        referral.refresh_from_db()
        _with_links([referral])
        row = render_to_string(
            "referrals/queue.html#row",
            {"r": referral, "now": timezone.now(), "updated": True},
            request=request,
        )
        # The counts above the queue change too: swapped out of band, in a <template>
        # because the main answer is a table row.
        back = parse_qs(urlsplit(back_to(request, "", within="/henvisninger/")).query)
        counts = render_to_string(
            "referrals/queue.html#counts",
            {
                "counts": selectors.status_counts(request.user),
                "current_status": back.get("status", [""])[0],
                "oob": True,
            },
            request=request,
        )
        return HttpResponse(f"{row}<template>{counts}</template>")
    messages.success(
        request,
        _("The status was changed to “%(status)s”.") % {"status": referral.get_status_display()},
    )
    return redirect(back_to(request, detail, within="/henvisninger/"))


@role_required(Role.CLINICIAN, Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def referral_create(request: HttpRequest) -> HttpResponse:
    units = units_for(request.user)
    form = ReferralForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person_fields = {
            name: data[name]
            for name in (
                "kind",
                "given_name",
                "family_name",
                "cpr",
                "phone",
                "email",
                "contact_channel",
                "contact_times",
            )
        }
        person_fields["language"] = data["language_wish"]
        wishes = {name: data[name] for name in services.WISH_FIELDS}
        source = (
            ReferralSource.CLINICIAN
            if request.user.role == Role.CLINICIAN  # type: ignore[union-attr]
            else ReferralSource.COORDINATOR
        )
        try:
            referral = services.create_referral(
                actor=request.user,
                source=source,
                person_fields=person_fields,
                unit=data["unit"],
                wanted_tags=list(data["wanted_tags"]),
                consent_source=(
                    ConsentSource.WRITTEN if data["consent_written"] else ConsentSource.VERBAL
                ),
                referrer_name=request.user.display_name,  # type: ignore[union-attr]
                relationship=data["relationship"],
                **wishes,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The referral was sent. You can follow its status here."))
            if source == ReferralSource.CLINICIAN:
                return redirect("desk:home")
            return redirect("referrals:referral_detail", pk=referral.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "referrals/referral_form.html", {"form": form}, status=status)


@role_required(Role.COORDINATOR, Role.RELATIVE_PEER)
@require_http_methods(["GET", "POST"])
def relative_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan agreed with a relative: the relative peer and the coordinator change it;
    each save is a new, audited version (referrals.relatives)."""
    action = AccessAction.CHANGE if request.method == "POST" else AccessAction.VIEW
    course = access.get_course_for(request.user, pk, action=action)
    versions = access.relative_plans_for(request.user, course)
    can_edit = access.can_edit_course(request.user, course) and course.ended_on is None
    if request.method == "POST" and not can_edit:
        raise Http404
    current = versions[0] if versions else None
    initial = {n: getattr(current, n) for n in relatives.PLAN_FIELDS} if current else None
    form = RelativePlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            relatives.save_relative_plan(actor=request.user, course=course, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The plan was saved."))
            return redirect("referrals:course_detail", pk=course.pk)
    context = {"course": course, "form": form, "versions": versions, "can_edit": can_edit}
    status = 422 if request.method == "POST" else 200
    return render(request, "referrals/relative_plan.html", context, status=status)


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def consent_create(request: HttpRequest, person_pk: int) -> HttpResponse:
    person = people_access.get_person_for(request.user, person_pk, purpose=Purpose.COORDINATION)
    relatives = access.consent_recipients_for(request.user, person)
    form = ConsentForm(request.POST or None, relatives=relatives)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.people_services.record_consent(
                actor=request.user,
                person=person,
                kind=data["kind"],
                source=data["source"],
                recipient=data["recipient"],
                scope=data["scope"],
                shared_items=data["shared_items"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The consent was recorded."))
            return redirect("people:person_detail", pk=person.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "referrals/consent_form.html", {"form": form, "person": person}, status=status
    )
