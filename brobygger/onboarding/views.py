"""Hiring, the coordinator's onboarding pages and the peer's own checklist."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from brobygger.accounts.access import role_required
from brobygger.accounts.models import PEER_ROLES, Role
from brobygger.audit.models import AccessAction
from brobygger.lib.forms import apply_validation_error
from brobygger.lib.htmx import HtmxHttpRequest
from brobygger.lib.redirects import back_to
from brobygger.people.selectors import units_for
from brobygger.recruitment import access as recruitment_access
from brobygger.recruitment.models import Application, ApplicationStatus

from . import access, invitations, selectors, services
from .forms import HireForm, ItemForm
from .models import Hire, Invitation

# The new link, shown once on the peer's page right after it was made; never stored.
LINK_SESSION_KEY = "brobygger_onboarding_link"


def _hire_initial(application: Application) -> dict[str, Any]:
    posting = application.posting
    first, last = selectors.split_name(application.name)
    return {
        "first_name": first,
        "last_name": last,
        "username": selectors.propose_username(first, last),
        "email": application.email,
        "language": "da",
        "kind": posting.peer_kind,
        "units": [posting.unit] if posting.unit_id else [],
        "hours_min": posting.hours_min,
        "hours_max": posting.hours_max,
        "contract_start": posting.period_start,
        "contract_end": posting.period_end,
        "education_status": "none",
    }


def _link_url(request: HtmxHttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("onboarding:invitation", args=[token]))


def _hand_over(request: HtmxHttpRequest, hire: Hire, invitation: Invitation, token: str) -> None:
    """Keep the link for one showing, and e-mail it to the new peer."""
    url = _link_url(request, token)
    request.session[LINK_SESSION_KEY] = {"peer": hire.peer_id, "url": url}
    if invitations.send_invitation(invitation, url=url):
        messages.success(
            request,
            _("The invitation was sent by e-mail to %(email)s.") % {"email": invitation.emailed_to},
        )
    else:
        messages.warning(
            request,
            _("The invitation was not sent by e-mail. Give the link below to the new peer."),
        )


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def hire(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    is_post = request.method == "POST"
    # Only the coordinator who manages the posting hires; a panel member gets 404.
    application = recruitment_access.get_managed_application_for(
        request.user, pk, action=AccessAction.CHANGE if is_post else AccessAction.VIEW
    )
    existing = selectors.hire_for_application(application)
    if existing is not None:
        messages.info(request, _("This applicant has already been hired."))
        return redirect("onboarding:peer", pk=existing.peer_id)
    context: dict[str, Any] = {"application": application, "posting": application.posting}
    if application.status != ApplicationStatus.OFFERED:
        return render(request, "onboarding/hire.html", context | {"refused": True}, status=409)
    form = HireForm(
        request.POST if is_post else None,
        initial=_hire_initial(application),
        units=units_for(request.user),
    )
    if is_post and form.is_valid():
        data = form.cleaned_data
        try:
            record, token = services.hire(
                actor=request.user,
                application=application,
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                language=data["language"],
                kind=data["kind"],
                units=list(data["units"]),
                hours_min=data["hours_min"],
                hours_max=data["hours_max"],
                contract_start=data["contract_start"],
                contract_end=data["contract_end"],
                education_status=data["education_status"],
                experience_tags=list(data.get("experience_tags") or []),
                introduction_by=data["introduction_by"],
            )
        except ValidationError as error:
            if getattr(error, "code", None) in ("already_hired", "not_offered"):
                messages.error(request, " ".join(error.messages))
                return redirect("recruitment:application_detail", pk=application.pk)
            apply_validation_error(form, error)
        else:
            invitation = selectors.invitations_for(record.peer)[0]
            messages.success(request, _("%(name)s is hired.") % {"name": record.peer.name})
            _hand_over(request, record, invitation, token)
            return redirect("onboarding:peer", pk=record.peer_id)
    context["form"] = form
    return render(request, "onboarding/hire.html", context, status=422 if is_post else 200)


@role_required(Role.COORDINATOR)
def overview(request: HtmxHttpRequest) -> HttpResponse:
    include_done = request.GET.get("alle") == "1"
    page = access.overview_for(
        request.user, include_done=include_done, page_number=request.GET.get("page")
    )
    context = {"page": page, "rows": page.object_list, "include_done": include_done}
    return render(request, "onboarding/overview.html", context)


@role_required(Role.COORDINATOR)
def peer(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    new_peer = access.get_peer_for(request.user, pk)
    record = selectors.hire_for(new_peer)
    all_invitations = selectors.invitations_for(new_peer)
    shown = request.session.get(LINK_SESSION_KEY)
    link = None
    if isinstance(shown, dict) and shown.get("peer") == new_peer.pk:
        link = shown.get("url")
        del request.session[LINK_SESSION_KEY]
    items = access.with_permissions(request.user, selectors.checklist(new_peer))
    context = {
        "peer": new_peer,
        "hire": record,
        "invitations": all_invitations,
        "link": link,
        "can_reissue": record is not None
        and not any(invitation.used_at for invitation in all_invitations),
        "region_login": bool(invitations.region_login_url()),
        "items": items,
        "done": sum(1 for item in items if item.is_done),
        "back": request.get_full_path(),
    }
    return render(request, "onboarding/peer.html", context)


@role_required(Role.COORDINATOR)
@require_POST
def reissue(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    new_peer = access.get_peer_for(request.user, pk, action=AccessAction.CHANGE)
    record = selectors.hire_for(new_peer)
    if record is None:
        raise Http404
    try:
        invitation, token = services.reissue_invitation(actor=request.user, hire=record)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("A new invitation was made. The earlier link no longer works."))
        _hand_over(request, record, invitation, token)
    return redirect("onboarding:peer", pk=new_peer.pk)


@role_required(*PEER_ROLES)
def mine(request: HtmxHttpRequest) -> HttpResponse:
    items = access.with_permissions(request.user, selectors.own_items(request.user))
    context = {
        "items": items,
        "done": sum(1 for item in items if item.is_done),
        "back": request.get_full_path(),
    }
    return render(request, "onboarding/mine.html", context)


@role_required(Role.COORDINATOR, *PEER_ROLES)
@require_POST
def tick(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    item = access.get_item_for(request.user, pk, change=True)
    done = request.POST.get("done") == "1"
    services.set_done(actor=request.user, item=item, done=done)
    if request.htmx:
        access.with_permissions(request.user, [item])
        status = selectors.onboarding_status([item.peer_id])[item.peer_id]
        context = {
            "item": item,
            "updated": True,
            "back": back_to(request, ""),
            "done": status.done,
            "total": status.total,
        }
        return render(request, "onboarding/_tick_response.html", context)
    if done:
        messages.success(request, _("“%(step)s” is ticked off.") % {"step": item})
    else:
        messages.success(request, _("“%(step)s” is open again.") % {"step": item})
    if request.user.role == Role.COORDINATOR:  # type: ignore[union-attr]
        default = reverse("onboarding:peer", args=[item.peer_id])
    else:
        default = reverse("onboarding:mine")
    return redirect(back_to(request, default))


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def item_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    item = access.get_item_for(request.user, pk, change=request.method == "POST")
    initial = {
        "due_on": item.due_on,
        "responsible": item.responsible,
        "responsible_name": item.responsible_name,
    }
    form = ItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_item(actor=request.user, item=item, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The step was saved."))
            return redirect("onboarding:peer", pk=item.peer_id)
    status = 422 if request.method == "POST" else 200
    return render(request, "onboarding/item_form.html", {"form": form, "item": item}, status=status)
