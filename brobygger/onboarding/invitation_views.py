"""The person's side of an invitation or setup link: choose a password, then set up
two-factor login, then see the recovery codes once.

These pages are public (the person has no usable login yet); the token in the link is the
only key. A link that is unknown, used, replaced or expired says so and shows nothing of
the person it was made for.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from brobygger.accounts import enrolment
from brobygger.accounts import services as account_services
from brobygger.accounts.access import public
from brobygger.accounts.forms import TokenForm
from brobygger.accounts.middleware import start_session_clock

from . import invitations, selectors
from .forms import InvitationPasswordForm
from .models import Invitation, InvitationState

# Between the two steps: which invitation, and the chosen password already hashed. The
# account gets the password only when the second factor is confirmed.
SESSION_KEY = "brobygger_invitation"


def _language(request: HttpRequest, invitation: Invitation) -> Any:
    """The new peer's language, unless they chose one on this device."""
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return nullcontext()
    return translation.override(invitation.user.language or settings.LANGUAGE_CODE)


def _closed(
    request: HttpRequest, state: str | None, invitation: Invitation | None = None
) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    context = {"state": state, "setup_link": invitation is not None and invitation.is_setup_link}
    return render(request, "onboarding/invitation_closed.html", context, status=410)


@public
@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    found = invitations.invitation_for_token(token)
    state = found.state() if found is not None else None
    if found is None or state != InvitationState.PENDING:
        return _closed(request, state, found)
    region_url = "" if found.is_setup_link else invitations.region_login_url()
    with _language(request, found):
        if region_url:
            if request.method == "POST":
                try:
                    invitations.use_for_region_login(invitation=found)
                except ValidationError:
                    return _closed(request, found.state(), found)
                return HttpResponseRedirect(region_url)
            return render(
                request,
                "onboarding/invitation_region.html",
                {"invitation": found, "region_url": region_url},
            )
        form = InvitationPasswordForm(found.user, request.POST or None)
        if request.method == "POST" and form.is_valid():
            request.session[SESSION_KEY] = {
                "invitation": found.pk,
                "password": make_password(form.cleaned_data["new_password1"]),
            }
            invitations.begin_two_factor(invitation=found)
            return redirect("onboarding:invitation_two_factor")
        status = 422 if request.method == "POST" else 200
        return render(
            request,
            "onboarding/invitation_password.html",
            {"invitation": found, "form": form},
            status=status,
        )


@public
@never_cache
@require_http_methods(["GET", "POST"])
def invitation_two_factor(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(SESSION_KEY)
    found = (
        selectors.invitation_by_pk(pending.get("invitation")) if isinstance(pending, dict) else None
    )
    if found is None or not isinstance(pending, dict) or not pending.get("password"):
        return _closed(request, None)
    if found.state() != InvitationState.PENDING:
        return _closed(request, found.state(), found)
    with _language(request, found):
        device = account_services.pending_totp_device(user=found.user)
        form = TokenForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            if device.verify_token(form.cleaned_data["token"].strip()):
                try:
                    completed = invitations.complete_invitation(
                        invitation=found, password_hash=pending["password"], device=device
                    )
                except ValidationError:
                    return _closed(request, found.state(), found)
                del request.session[SESSION_KEY]
                user = completed.user
                login(request, user, backend="brobygger.accounts.backends.StaffBackend")
                otp_login(request, device)
                start_session_clock(request.session)
                enrolment.show_recovery_codes_once(request, completed.recovery_codes)
                if found.is_setup_link:
                    # A new password and a new phone: the account holder hears of it.
                    account_services.send_security_notice(user=user, change="setup_link_used")
                    messages.success(request, _("Your login is set up again."))
                else:
                    messages.success(request, _("Welcome! Your login is ready."))
                response = redirect("accounts:recovery_codes")
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    user.language,
                    samesite="Lax",
                    secure=settings.LANGUAGE_COOKIE_SECURE,
                )
                return response
            form.add_error("token", _("The code is wrong or too old. Try the newest code."))
        context = {
            "invitation": found,
            "form": form,
            **enrolment.authenticator_context(device),
        }
        status = 422 if request.method == "POST" else 200
        return render(request, "onboarding/invitation_two_factor.html", context, status=status)
