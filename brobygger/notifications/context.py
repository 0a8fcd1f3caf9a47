"""The unread count in the header: read with the user when the request began (apps.py,
accounts/backends.py), else counted when a page shows it; once per request."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from brobygger.accounts.access import TwoFactorState

from . import access
from .selectors import shown_unread

# The attribute the user of each request carries: the unread count when it was loaded.
UNREAD_AT_LOAD = "brobygger_unread_at_load"


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {}
    if getattr(request, "two_factor_state", None) == TwoFactorState.CODE_NEEDED:
        return {}  # before the code step the page shows nothing of the account

    def count() -> int | str:
        cached: int | None = getattr(request, "brobygger_unread_notifications", None)
        if cached is None:
            cached = getattr(user, UNREAD_AT_LOAD, None)
        if cached is None:
            cached = access.unread_count(user)
            request.brobygger_unread_notifications = cached  # type: ignore[attr-defined]
        return shown_unread(cached)

    return {"unread_notifications": SimpleLazyObject(count)}
