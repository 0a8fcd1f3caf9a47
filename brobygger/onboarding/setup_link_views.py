"""The administrator's setup links: a one-time link for an account to set up two-factor
login, the first time or after a lost phone. The person opens it like an invitation."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from brobygger.accounts.access import role_required
from brobygger.accounts.models import Role
from brobygger.lib.links import object_links
from brobygger.lib.paging import page_of

from . import access, invitations, selectors, services
from .forms import AccountFilterForm

# The new link, shown once right after it was made; never stored.
SETUP_LINK_SESSION_KEY = "brobygger_setup_link"


@role_required(Role.ADMINISTRATOR)
@never_cache
def setup_links(request: HttpRequest) -> HttpResponse:
    new_link = request.session.pop(SETUP_LINK_SESSION_KEY, None)
    if isinstance(new_link, dict):
        new_link["until"] = parse_datetime(str(new_link.get("until", "")))
    else:
        new_link = None
    filters = AccountFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    accounts = selectors.accounts_for_setup_links(
        role=chosen.get("role", ""), text=chosen.get("q", "")
    )
    page = page_of(accounts, request.GET.get("page"))
    issue_url = object_links("onboarding:issue_setup_link")  # one reversal for the rows
    for account in page.object_list:
        account.issue_url = issue_url(account.pk)
    context = {
        "filters": filters,
        "page": page,
        "accounts": page.object_list,
        "new_link": new_link,
        "setup_link_hours": settings.TWO_FACTOR_SETUP_LINK_HOURS,
    }
    return render(request, "onboarding/setup_links.html", context)


@role_required(Role.ADMINISTRATOR)
@require_POST
def issue_setup_link(request: HttpRequest, pk: int) -> HttpResponse:
    account = access.get_account_for_setup_link(request.user, pk)
    try:
        invitation, token = services.issue_setup_link(actor=request.user, user=account)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("onboarding:setup_links")
    url = request.build_absolute_uri(reverse("onboarding:invitation", args=[token]))
    emailed = invitations.send_invitation(invitation, url=url)
    request.session[SETUP_LINK_SESSION_KEY] = {
        "url": url,
        "name": account.display_name,
        "username": account.get_username(),
        "until": invitation.expires_at.isoformat(),
        "emailed_to": invitation.emailed_to if emailed else "",
    }
    if emailed:
        messages.success(
            request,
            _("The setup link was sent by e-mail to %(email)s.") % {"email": invitation.emailed_to},
        )
    else:
        messages.warning(
            request,
            _("The setup link was not sent by e-mail. Give the link below to the person yourself."),
        )
    return redirect("onboarding:setup_links")
