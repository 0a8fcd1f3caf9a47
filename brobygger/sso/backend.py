"""The OpenID Connect sign-in: mozilla-django-oidc with the issuer's discovery document,
PKCE, and the group table deciding who gets in."""

from __future__ import annotations

from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from brobygger.accounts.access import SSO_SESSION_KEY
from brobygger.accounts.middleware import start_session_clock
from brobygger.accounts.models import User

from . import discovery, services
from .models import ExternalIdentity


class RegionBackend(OIDCAuthenticationBackend):
    """The endpoints are read when a sign-in through the provider uses them, not when the
    backend is made: Django makes every backend for each password sign-in too, and a local
    administrator must get in while the provider is down."""

    get_settings = staticmethod(discovery.setting)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.OIDC_RP_CLIENT_ID = discovery.setting("OIDC_RP_CLIENT_ID", "")
        self.OIDC_RP_CLIENT_SECRET = discovery.setting("OIDC_RP_CLIENT_SECRET", "")
        self.OIDC_RP_SIGN_ALGO = discovery.setting("OIDC_RP_SIGN_ALGO", "RS256")
        self.OIDC_RP_IDP_SIGN_KEY = discovery.setting("OIDC_RP_IDP_SIGN_KEY", None)
        self.UserModel = User

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> Any:
        return discovery.setting("OIDC_OP_TOKEN_ENDPOINT")

    @property
    def OIDC_OP_USER_ENDPOINT(self) -> Any:
        return discovery.setting("OIDC_OP_USER_ENDPOINT")

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> Any:
        return discovery.setting("OIDC_OP_JWKS_ENDPOINT", None)

    def retrieve_matching_jwk(self, token: Any) -> Any:
        """The provider's key for the token. A token without a key id ("kid") is allowed
        only when the provider publishes exactly one key of the token's algorithm."""
        if "kid" in jwt.get_unverified_header(token):
            return super().retrieve_matching_jwk(token)
        alg = jwt.get_unverified_header(token).get("alg")
        response = requests.get(self.OIDC_OP_JWKS_ENDPOINT, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        keys = [k for k in response.json().get("keys", []) if k.get("alg", alg) == alg]
        if len(keys) != 1:
            raise SuspiciousOperation("No single key for a token without a key id.")
        return jwt.PyJWK(keys[0])

    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        if not settings.OIDC_ISSUER or request is None or "code" not in request.GET:
            return None  # a password sign-in: not ours
        return super().authenticate(request, **kwargs)

    def get_or_create_user(self, access_token: Any, id_token: Any, payload: dict[str, Any]) -> Any:
        # The ID token (signature checked by the library) must come from our issuer.
        if str(payload.get("iss", "")).rstrip("/") != discovery.issuer():
            return self._refuse(_wrong_issuer())
        return super().get_or_create_user(access_token, id_token, payload)

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        sub = claims.get("sub")
        if not sub:
            return User.objects.none()
        return User.objects.filter(
            external_identity__issuer=discovery.issuer(),
            external_identity__subject=str(sub),
            is_active=True,
        )

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        if not claims.get("sub"):
            return False
        try:
            self._grant = services.grant_for(_groups(claims))
        except services.Refused as refusal:
            self._refuse(str(refusal))
            return False
        return True

    def create_user(self, claims: dict[str, Any]) -> User:
        return services.create_user(issuer=discovery.issuer(), claims=claims, grant=self._grant)

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        return services.sync_user(user=user, claims=claims, grant=self._grant)

    def _refuse(self, message: str) -> None:
        request = getattr(self, "request", None)
        if request is not None:
            messages.error(request, message)
        return None


def _groups(claims: dict[str, Any]) -> list[str]:
    value = claims.get(settings.OIDC_GROUPS_CLAIM, [])
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def _provider_down() -> str:
    from django.utils.translation import gettext

    return gettext("The region's login is not answering. Try again in a moment.")


def _provider_refused() -> str:
    from django.utils.translation import gettext

    return gettext("The region's login did not confirm the sign-in. Try again.")


def _wrong_issuer() -> str:
    from django.utils.translation import gettext

    return gettext("The sign-in came from another identity provider than the region's.")


class RequestView(OIDCAuthenticationRequestView):
    """To the provider, with PKCE; if the provider is not answering, back to the sign-in
    page with a message (the local accounts still work)."""

    get_settings = staticmethod(discovery.setting)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def get(self, request: Any) -> HttpResponse:
        if not settings.OIDC_ISSUER:
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = discovery.setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except requests.RequestException:
            messages.error(request, _provider_down())
            return redirect(settings.LOGIN_URL)
        self.OIDC_RP_CLIENT_ID = discovery.setting("OIDC_RP_CLIENT_ID")
        return super().get(request)


class CallbackView(OIDCAuthenticationCallbackView):
    get_settings = staticmethod(discovery.setting)

    def get(self, request: Any) -> HttpResponse:
        if not settings.OIDC_ISSUER:
            raise Http404
        try:
            return super().get(request)
        except requests.RequestException:
            # The provider refused the code or did not answer: no stack, a clear message.
            messages.error(request, _provider_refused())
            return self.login_failure()

    def login_success(self) -> HttpResponse:
        response = super().login_success()
        start_session_clock(self.request.session)  # the 10-hour limit starts now
        # Signed in by the region's provider, which did its own second factor: this
        # session passes the code step (accounts.middleware.TwoFactorRequiredMiddleware).
        self.request.session[SSO_SESSION_KEY] = discovery.issuer()
        return response


def is_linked(user: Any) -> bool:
    return ExternalIdentity.objects.filter(user=user).exists()
