from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from brobygger.lib.forms import apply_validation_error
from brobygger.lib.redirects import back_to

from . import enrolment, selectors, services
from .access import any_staff, has_second_factor, public, role_required
from .forms import (
    LanguageForm,
    LoginForm,
    PasswordAgainForm,
    RecoveryCodeForm,
    ReplaceAuthenticatorForm,
    TokenForm,
)
from .middleware import start_session_clock
from .models import Role, User


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sso_enabled"] = bool(settings.OIDC_ISSUER)  # brobygger/sso
        return context

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        start_session_clock(self.request.session)
        user = form.get_user()
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.language,
            samesite="Lax",
            secure=settings.LANGUAGE_COOKIE_SECURE,
        )
        return response


login_view = public(LoginView.as_view())


@public
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    from django.contrib.auth import logout

    logout(request)  # flushes the session: it cannot be used again
    messages.info(request, _("You are signed out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


@any_staff
@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The code step: a code from the authenticator app, or one recovery code."""
    user: Any = request.user
    if user.is_verified() or not has_second_factor(user):
        return redirect("desk:home")
    posted = request.POST if request.method == "POST" else None
    form = TokenForm(posted if posted is not None and "recovery_code" not in posted else None)
    recovery_form = RecoveryCodeForm(
        posted if posted is not None and "recovery_code" in posted else None
    )
    if form.is_bound and form.is_valid():
        device = services.verify_authenticator_code(
            user=user, code=form.cleaned_data["token"].strip()
        )
        if device is not None:
            otp_login(request, device)
            return HttpResponseRedirect(back_to(request, reverse("desk:home"), field="next"))
        form.add_error("token", _("The code is wrong or too old. Try the newest code."))
    if recovery_form.is_bound and recovery_form.is_valid():
        static = services.use_recovery_code(
            user=user, code=recovery_form.cleaned_data["recovery_code"]
        )
        if static is not None:
            otp_login(request, static)
            messages.warning(
                request,
                _(
                    "You signed in with a recovery code; it cannot be used again. "
                    "If you have lost your phone, set up a new authenticator app here."
                ),
            )
            return redirect("accounts:two_factor")
        recovery_form.add_error(
            "recovery_code", _("The recovery code is wrong or has already been used.")
        )
    context = {
        "form": form,
        "recovery_form": recovery_form,
        "next": back_to(request, "", field="next"),
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "accounts/verify.html", context, status=status)


def _without_second_factor(request: HttpRequest) -> HttpResponse:
    """Demo mode only: a role for which two-factor is optional, with no device yet."""
    return render(request, "accounts/two_factor_missing.html", status=403)


@any_staff
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Replace the authenticator app: only from a session that passed the code step, with
    the password again and the new app's first code. The first authenticator is never
    set up here: it comes through an invitation or an administrator's setup link."""
    user: Any = request.user
    if not user.is_verified():
        return _without_second_factor(request)
    key = enrolment.pending_key(request)
    if request.method == "POST":
        device = services.pending_totp_device(user=user, key=key)
    else:
        device = enrolment.draft_device(user, key)
    form = ReplaceAuthenticatorForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.replace_authenticator(
                actor=user, device=device, code=form.cleaned_data["token"].strip()
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            otp_login(request, device)
            enrolment.forget_pending_key(request)
            emailed = services.send_security_notice(user=user, change="authenticator_replaced")
            messages.success(
                request,
                _(
                    "Your new authenticator app is set up. The earlier one no longer works. "
                    "We have also told you by e-mail."
                )
                if emailed
                else _("Your new authenticator app is set up. The earlier one no longer works."),
            )
            return redirect("accounts:two_factor")
    context = {
        "form": form,
        **enrolment.authenticator_context(device),
        **selectors.two_factor_overview(user),
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "accounts/two_factor.html", context, status=status)


@any_staff
@never_cache
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """Fresh recovery codes are shown here once; new ones need the password again."""
    user: Any = request.user
    if not user.is_verified():
        return _without_second_factor(request)
    form = PasswordAgainForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.make_recovery_codes(actor=user, user=user)
        enrolment.show_recovery_codes_once(request, codes)
        services.send_security_notice(user=user, change="recovery_codes_renewed")
        messages.success(
            request, _("New recovery codes are made. The earlier ones no longer work.")
        )
        return redirect("accounts:recovery_codes")
    context = {
        "form": form,
        "codes": enrolment.take_recovery_codes(request) if request.method == "GET" else [],
        **selectors.two_factor_overview(user),
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "accounts/recovery_codes.html", context, status=status)


@public
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch language; stored on the user when signed in, in a cookie always."""
    form = LanguageForm(request.POST)
    target = back_to(request, reverse("public:home"), field="next")
    response = HttpResponseRedirect(target)
    if form.is_valid():
        language = form.cleaned_data["language"]
        services.set_language(user=request.user, language=language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            samesite="Lax",
            secure=settings.LANGUAGE_COOKIE_SECURE,
            max_age=365 * 24 * 3600,
        )
    return response


@role_required(Role.ADMINISTRATOR)
def role_changes(request: HttpRequest) -> HttpResponse:
    """Every change of a role or units: who made it, for whom, before, after, when."""
    page = selectors.role_changes(request.GET.get("page"))
    context = {"page": page, "changes": page.object_list}
    return render(request, "accounts/role_changes.html", context)


@role_required(Role.ADMINISTRATOR)
def locked_logins(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/locked_logins.html", {"locked": selectors.locked_logins()})


@role_required(Role.ADMINISTRATOR)
@require_POST
def unlock_login(request: HttpRequest, pk: int) -> HttpResponse:
    # Any account may be unlocked, also one that is no longer locked: nothing to hide.
    user = get_object_or_404(User, pk=pk)
    services.unlock_login(actor=request.user, user=user)
    messages.success(request, _("%(username)s can sign in again.") % {"username": user.username})
    return redirect("accounts:locked_logins")
