"""The integration's token (HTTP Bearer), its scopes and its rate."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.throttling import AuthRateThrottle, BaseThrottle

from . import services
from .models import Integration


class IntegrationToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Integration | None:
        if not token or len(token) > 200:
            return None
        integration = (
            Integration.objects.active()
            .select_related("user")
            .filter(token_hash=services.hash_token(token))
            .first()
        )
        if integration is None:
            return None
        services.touch(integration)
        return integration


class MissingScope(Exception):
    def __init__(self, scope: str) -> None:
        super().__init__(scope)
        self.scope = scope


def require(request: HttpRequest, scope: str) -> Any:
    """The account the integration acts as, if the integration holds `scope`."""
    integration: Integration = request.auth  # type: ignore[attr-defined]
    if scope not in integration.scopes:
        raise MissingScope(scope)
    return integration.user


class IntegrationRate(AuthRateThrottle):
    """Requests per integration token; the rate is read from the settings at each request."""

    def __init__(self) -> None:
        super().__init__(settings.API_RATE_LIMIT)

    def allow_request(self, request: HttpRequest) -> bool:
        if self.rate != settings.API_RATE_LIMIT:
            self.rate = settings.API_RATE_LIMIT
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)


def throttles() -> list[BaseThrottle]:
    return [IntegrationRate()]
