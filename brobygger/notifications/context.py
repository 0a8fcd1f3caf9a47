"""The unread count in the header: computed only when a page shows it, once per request."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from brobygger.accounts.access import TwoFactorState

from . import access


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {}
    if getattr(request, "two_factor_state", None) == TwoFactorState.CODE_NEEDED:
        return {}  # before the code step the page shows nothing of the account

    def count() -> int:
        cached: int | None = getattr(request, "brobygger_unread_notifications", None)
        if cached is None:
            cached = access.unread_count(user)
            request.brobygger_unread_notifications = cached  # type: ignore[attr-defined]
        return cached

    return {"unread_notifications": SimpleLazyObject(count)}
