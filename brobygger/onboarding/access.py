"""Who may see and tick which onboarding checklist. Fetchers 404 and write the access log."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page
from django.http import Http404

from brobygger.accounts.models import PEER_ROLES, Role, User
from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction, Purpose
from brobygger.people.models import PeerWorker

from . import selectors
from .models import OnboardingItem, Responsible, onboarding_visible


def get_peer_for(user: Any, pk: int, *, action: str = AccessAction.VIEW) -> PeerWorker:
    """A new peer whose onboarding the coordinator follows; else 404. Logged: a staff
    member's employment details are personal data too."""
    if getattr(user, "role", None) != Role.COORDINATOR:
        raise Http404
    ids = PeerWorker.objects.filter(onboarding_visible(user)).values("pk")
    peer = (
        PeerWorker.objects.filter(pk__in=ids, pk=pk)
        .select_related("user")
        .prefetch_related("units")
        .first()
    )
    if peer is None:
        raise Http404
    shown(user=user, action=action, purpose=Purpose.RECRUITMENT, obj=peer)
    return peer


def overview_for(user: Any, *, include_done: bool = False, page_number: Any = None) -> Page:
    """The new peers whose onboarding the coordinator follows (a page of them): names,
    steps, invitations. One entry for the list; an empty list names nobody and writes none."""
    if getattr(user, "role", None) != Role.COORDINATOR:
        raise Http404
    page = selectors.overview(user, include_done=include_done, page_number=page_number)
    if page.paginator.count:
        shown(
            user=user,
            action=AccessAction.SEARCH,
            purpose=Purpose.RECRUITMENT,
            criterion=f"onboarding:overview:{'all' if include_done else 'open'}",
        )
    return page


def get_item_for(user: Any, pk: int, *, change: bool = False) -> OnboardingItem:
    """The step, if it is on a checklist the user may see (their own, or one they follow)."""
    item = (
        OnboardingItem.objects.visible_to(user)
        .select_related("peer__user", "done_by")
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404
    if change and not can_tick(user, item):
        raise PermissionDenied
    if getattr(user, "role", None) == Role.COORDINATOR:
        action = AccessAction.CHANGE if change else AccessAction.VIEW
        shown(user=user, action=action, purpose=Purpose.RECRUITMENT, obj=item.peer)
    return item


def can_tick(user: Any, item: OnboardingItem) -> bool:
    """Coordinators tick every step; a peer ticks the steps that are theirs to do."""
    role = getattr(user, "role", None)
    if role == Role.COORDINATOR:
        return True
    if role in PEER_ROLES:
        return item.peer.user_id == user.pk and item.responsible == Responsible.PEER
    return False


def can_edit_item(user: Any) -> bool:
    return getattr(user, "role", None) == Role.COORDINATOR


def with_permissions(user: Any, items: list[OnboardingItem]) -> list[OnboardingItem]:
    """Mark each step with what this user may do to it, for the templates."""
    for item in items:
        item.can_tick = can_tick(user, item)  # type: ignore[attr-defined]
        item.can_edit = can_edit_item(user)  # type: ignore[attr-defined]
    return items


def get_account_for_setup_link(user: Any, pk: int) -> User:
    """An active account an administrator may make a setup link for; else 404."""
    if getattr(user, "role", None) != Role.ADMINISTRATOR:
        raise Http404
    account = User.objects.filter(pk=pk, is_active=True).first()
    if account is None:
        raise Http404
    return account
