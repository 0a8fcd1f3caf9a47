from __future__ import annotations

import base64
import io
import time
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token

from . import selectors, services
from .access import any_staff, public, role_required
from .forms import LanguageForm, LoginForm, TokenForm
from .middleware import LOGIN_AT_KEY
from .models import Role, User


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        self.request.session[LOGIN_AT_KEY] = time.time()
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


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@any_staff
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"].strip())
        if device is not None:
            otp_login(request, device)
            return HttpResponseRedirect(_safe_next(request, reverse("accounts:home")))
        form.add_error("token", _("The code is wrong or too old. Try the newest code."))
    status = 422 if request.method == "POST" else 200
    return render(request, "accounts/verify.html", {"form": form}, status=status)


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@any_staff
@require_http_methods(["GET", "POST"])
def setup_2fa(request: HttpRequest) -> HttpResponse:
    user = request.user
    device = services.pending_totp_device(user=user)  # type: ignore[arg-type]
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            services.confirm_totp_device(user=user, device=device)  # type: ignore[arg-type]
            otp_login(request, device)
            messages.success(request, _("Two-factor login is now on for your account."))
            return redirect("accounts:home")
        form.add_error("token", _("The code is wrong or too old. Try the newest code."))
    secret = base64.b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr": _qr_svg(device.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "required": user.needs_two_factor(),  # type: ignore[union-attr]
    }
    return render(
        request, "accounts/setup_2fa.html", context, status=422 if request.method == "POST" else 200
    )


@any_staff
def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    role = user.role
    if role == Role.COORDINATOR:
        return render(request, "accounts/home_coordinator.html", selectors.coordinator_home(user))
    if role in (Role.PEER_WORKER, Role.RELATIVE_PEER):
        return render(request, "accounts/home_peer.html", selectors.peer_home(user))
    if role == Role.CLINICIAN:
        return render(request, "accounts/home_clinician.html", selectors.clinician_home(user))
    if role == Role.EVALUATOR:
        return render(request, "accounts/home_evaluator.html", selectors.evaluator_home())
    return render(request, "accounts/home_admin.html", selectors.admin_home())


@public
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch language; stored on the user when signed in, in a cookie always."""
    form = LanguageForm(request.POST)
    target = _safe_next(request, reverse("public:home"))
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
    return render(request, "accounts/role_changes.html", {"changes": selectors.role_changes()})


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
