from __future__ import annotations

from dataclasses import fields
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from brobygger.accounts.access import role_required
from brobygger.accounts.models import PEER_ROLES, Role
from brobygger.audit.models import AccessAction
from brobygger.lib.forms import apply_validation_error
from brobygger.people import access as people_access
from brobygger.people import selectors as people_selectors
from brobygger.people.access import get_peer_for
from brobygger.referrals import access as referral_access
from brobygger.referrals import selectors as referral_selectors
from brobygger.referrals.forms import AssignForm, TransitionForm
from brobygger.referrals.models import ReferralStatus

from . import access, selectors, services
from .engine import Weights
from .forms import DeclineForm, SettingsForm
from .models import MatchingSettings


@role_required(Role.COORDINATOR)
@require_POST
def propose(request: HttpRequest, pk: int) -> HttpResponse:
    referral = referral_access.get_referral_for(request.user, pk, action=AccessAction.CHANGE)
    peer_pk = request.POST.get("peer", "")
    if not peer_pk.isdigit():
        messages.error(request, _("Choose a peer."))
        return redirect("referrals:referral_detail", pk=referral.pk)
    peer = get_peer_for(request.user, int(peer_pk))
    try:
        services.propose_match(
            actor=request.user,
            referral=referral,
            peer=peer,
            seen_status=request.POST.get("seen", "")[:20],
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("Proposed to %(peer)s, who will accept or decline.") % {"peer": peer.name}
        )
    return redirect("referrals:referral_detail", pk=referral.pk)


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def batch(request: HttpRequest) -> HttpResponse:
    """Assign all triaged referrals at once: an optimal proposal, reviewed before saving."""
    if request.method == "POST":
        pairs = []
        for value in request.POST.getlist("pair"):
            ref_pk, _sep, peer_pk = value.partition(":")
            if not (ref_pk.isdigit() and peer_pk.isdigit()):
                continue
            referral = referral_access.get_referral_for(
                request.user, int(ref_pk), action=AccessAction.CHANGE
            )
            pairs.append((referral, get_peer_for(request.user, int(peer_pk))))
        saved, problems = services.save_batch(actor=request.user, pairs=pairs)
        if saved:
            messages.success(request, _("%(n)d matches were proposed to the peers.") % {"n": saved})
        for problem in problems:
            messages.error(request, problem)
        if not pairs:
            messages.error(request, _("Tick at least one proposed match."))
        return redirect("matching:batch")
    proposal = access.batch_proposal_for(request.user)
    return render(request, "matching/batch.html", proposal)


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    config = MatchingSettings.current()
    initial = {**config.engine_weights().as_dict(), "hours_per_course": config.hours_per_course}
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_settings(
                actor=request.user,
                weights=form.weights(),
                hours_per_course=form.cleaned_data["hours_per_course"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The matching settings were saved."))
            return redirect("matching:settings")
    defaults = Weights().as_dict()
    return render(
        request,
        "matching/settings.html",
        {"form": form, "defaults": defaults, "names": [f.name for f in fields(Weights)]},
        status=422 if request.method == "POST" else 200,
    )


@role_required(*PEER_ROLES)
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    referral = access.get_proposal_for(request.user, pk)
    form = DeclineForm(request.POST or None)
    if request.method == "POST":
        try:
            if request.POST.get("answer") == "accept":
                course = services.accept_match(actor=request.user, referral=referral)
                messages.success(request, _("The course has started."))
                return redirect("referrals:course_detail", pk=course.pk)
            if form.is_valid():
                services.decline_match(
                    actor=request.user, referral=referral, reason=form.cleaned_data["reason"]
                )
                messages.info(request, _("Thank you. The coordinator will find another peer."))
                return redirect("desk:home")
        except ValidationError as error:
            apply_validation_error(form, error)
    return render(
        request,
        "matching/answer.html",
        {"referral": referral, "form": form},
        status=422 if request.method == "POST" else 200,
    )


# A leaving peer's handover (people:peer_handover, brobygger/urls.py).


def _handover_choices(request: HttpRequest, page: dict[str, Any]) -> dict[int, Any]:
    """Each course's new peer from the form (or the optimal plan), also put into the rows
    so that a refused handover shows the page again with every choice kept."""
    peers, chosen = page["peers"], {}
    use_plan = request.method == "POST" and request.POST.get("plan") == "optimal"
    for row in page["rows"]:
        pk = row["course"].pk
        if request.method == "POST" and not use_plan:
            row["selected"] = request.POST.get(f"course-{pk}", "")
        else:
            row["selected"] = str(row["optimal"] or "")
        if row["selected"].isdigit() and int(row["selected"]) in peers:
            chosen[pk] = peers[int(row["selected"])]
    return chosen


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def peer_handover(request: HttpRequest, pk: int) -> HttpResponse:
    """Every active course of a leaving peer gets a new peer; then the peer has left."""
    peer = people_access.get_managed_peer_for(request.user, pk)
    departure = people_selectors.departure_of(peer)
    if departure is None:
        return redirect("people:peer_leave", pk=peer.pk)
    if departure.is_completed:
        raise Http404
    page = access.handover_page_for(request.user, peer)
    chosen = _handover_choices(request, page)
    errors: list[str] = []
    if request.method == "POST":
        if page["hidden_count"]:
            errors.append(_("Some courses are in units you do not coordinate."))
        else:
            try:
                moved = services.complete_departure(
                    actor=request.user, departure=departure, new_peers=chosen
                )
            except ValidationError as error:
                errors = list(error.messages)
            else:
                messages.success(
                    request,
                    ngettext(
                        "The handover is done: %(n)d course was handed over.",
                        "The handover is done: %(n)d courses were handed over.",
                        len(moved),
                    )
                    % {"n": len(moved)},
                )
                return redirect("people:peer_detail", pk=peer.pk)
    context = {"peer": peer, "departure": departure, "errors": errors, **page}
    status = 422 if errors else 200
    return render(request, "matching/peer_handover.html", context, status=status)


@role_required(Role.COORDINATOR, Role.CLINICIAN)
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The referral's page (referrals:referral_detail, brobygger/urls.py): here, since a
    triaged referral shows the matching engine's suggested peers."""
    referral = referral_access.get_referral_for(request.user, pk)
    context: dict[str, Any] = {"referral": referral, "now": timezone.now()}
    if referral_access.can_manage_referral(request.user):
        context |= referral_selectors.referral_page(referral)
        context["transition_form"] = TransitionForm()
        context["assign_form"] = AssignForm(peers=referral_selectors.compatible_peers(referral))
        if referral.status == ReferralStatus.TRIAGED:
            context |= selectors.suggestions_page(referral)
    return render(request, "referrals/referral_detail.html", context)
