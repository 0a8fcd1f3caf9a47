"""The provider's endpoints, from its discovery document (a configurable issuer)."""

from __future__ import annotations

from typing import Any

import requests
from django.conf import settings
from mozilla_django_oidc.utils import import_from_settings

DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_LOGOUT_ENDPOINT": "end_session_endpoint",
}
_cache: dict[str, dict[str, Any]] = {}


def issuer() -> str:
    return str(settings.OIDC_ISSUER).rstrip("/")


def document() -> dict[str, Any]:
    """The issuer's /.well-known/openid-configuration, read once per process."""
    url = f"{issuer()}/.well-known/openid-configuration"
    if url not in _cache:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        _cache[url] = response.json()
    return _cache[url]


def setting(attr: str, *args: Any) -> Any:
    """mozilla-django-oidc's settings, with the endpoints found from the issuer unless the
    deployment sets them explicitly."""
    if attr in DISCOVERED and not getattr(settings, attr, None) and settings.OIDC_ISSUER:
        return document().get(DISCOVERED[attr], *args)
    return import_from_settings(attr, *args)


def forget() -> None:
    """Read the document again on next use (tests; a changed provider)."""
    _cache.clear()
