"""The new peer's checklist as a section of their home page."""

from __future__ import annotations

from typing import Any

from django import template

from brobygger.accounts.models import PEER_ROLES

from .. import access, selectors

register = template.Library()


@register.inclusion_tag("onboarding/_home_section.html", takes_context=True)
def onboarding_checklist(context: template.Context) -> dict[str, Any]:
    """Shown while any step is open; one query whatever the data."""
    request = context["request"]
    user = request.user
    items = selectors.own_items(user) if getattr(user, "role", None) in PEER_ROLES else []
    done = sum(1 for item in items if item.is_done)
    if done == len(items):
        items = []
    return {
        "items": access.with_permissions(user, items),
        "done": done,
        "back": request.get_full_path(),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
