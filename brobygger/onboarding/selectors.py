"""Reads for the onboarding pages: a fixed number of queries whatever the data size."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.core.paginator import Page
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.utils import timezone

from brobygger.accounts.models import User
from brobygger.lib.paging import page_of
from brobygger.people.models import PeerWorker

from .models import ITEM_ORDER, Hire, Invitation, OnboardingItem, onboarding_visible


class OnboardingStatus(NamedTuple):
    done: int
    total: int
    overdue: int


def onboarding_status(peer_ids: Iterable[int]) -> dict[int, OnboardingStatus]:
    """(done, total, overdue) per peer, in one query; peers without a checklist are absent."""
    today = timezone.localdate()
    rows = (
        OnboardingItem.objects.filter(peer_id__in=list(peer_ids))
        .values("peer_id")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=Q(done_on__isnull=False)),
            overdue=Count("id", filter=Q(done_on__isnull=True, due_on__lt=today)),
        )
        .order_by()
    )
    return {
        row["peer_id"]: OnboardingStatus(row["done"], row["total"], row["overdue"]) for row in rows
    }


def split_name(name: str) -> tuple[str, str]:
    """First names and family name from an applicant's full name."""
    parts = name.split()
    if len(parts) < 2:
        return " ".join(parts), ""
    return " ".join(parts[:-1]), parts[-1]


DANISH_LETTERS = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"})


def propose_username(first_name: str, last_name: str) -> str:
    """A free user name like "hanneh": first name and the family name's first letter."""

    def plain(text: str) -> str:
        text = text.casefold().translate(DANISH_LETTERS)
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return re.sub(r"[^a-z0-9]", "", text)

    first = plain(first_name.split()[0] if first_name.split() else "")
    base = (first + plain(last_name)[:1])[:30] or "peer"
    taken = {
        name.casefold()
        for name in User.objects.filter(username__istartswith=base).values_list(
            "username", flat=True
        )
    }
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}{number}"
    return candidate


def visible_peers(user: Any) -> QuerySet[PeerWorker]:
    """Peers with a checklist whose onboarding the coordinator follows."""
    ids = PeerWorker.objects.filter(onboarding_visible(user)).values("pk")
    return PeerWorker.objects.filter(pk__in=ids, onboarding_items__isnull=False).distinct()


def overview(user: Any, *, include_done: bool = False, page_number: Any = None) -> Page:
    """The coordinator's list: one row per new peer, counts and the newest invitation;
    25 a page (lib/paging, issue 19), the invitations read for the page's peers only."""
    today = timezone.localdate()
    ids = PeerWorker.objects.filter(onboarding_visible(user)).values("pk")
    peers = (
        PeerWorker.objects.filter(pk__in=ids)
        .select_related("user", "hire")
        .annotate(
            items_total=Count("onboarding_items"),
            items_done=Count("onboarding_items", filter=Q(onboarding_items__done_on__isnull=False)),
            items_overdue=Count(
                "onboarding_items",
                filter=Q(
                    onboarding_items__done_on__isnull=True, onboarding_items__due_on__lt=today
                ),
            ),
        )
        .filter(items_total__gt=0)
        .order_by("-contract_start", "user__first_name", "pk")
    )
    if not include_done:
        peers = peers.filter(items_done__lt=F("items_total"))
    page = page_of(peers, page_number)
    rows = list(page.object_list)
    prefetch_related_objects(
        rows, Prefetch("hire__invitations", queryset=Invitation.objects.order_by("-created_at"))
    )
    for peer in rows:
        hire = getattr(peer, "hire", None)
        invitations = list(hire.invitations.all()) if hire is not None else []
        peer.newest_invitation = invitations[0] if invitations else None
    page.object_list = rows
    return page


def checklist(peer: PeerWorker) -> list[OnboardingItem]:
    items = list(OnboardingItem.objects.filter(peer=peer).select_related("done_by"))
    items.sort(key=lambda item: (item.due_on, ITEM_ORDER.get(item.kind, 99), item.pk))
    return items


def invitations_for(peer: PeerWorker) -> list[Invitation]:
    return list(
        Invitation.objects.filter(hire__peer=peer)
        .select_related("created_by")
        .order_by("-created_at", "-pk")
    )


def hire_for(peer: PeerWorker) -> Hire | None:
    return Hire.objects.filter(peer=peer).select_related("application__posting").first()


def hire_for_application(application: Any) -> Hire | None:
    return Hire.objects.filter(application=application).first()


def invitation_by_pk(pk: Any) -> Invitation | None:
    if not isinstance(pk, int):
        return None
    return Invitation.objects.select_related("user").filter(pk=pk).first()


def own_items(user: Any) -> list[OnboardingItem]:
    """A peer's own checklist, for their home page and their own page."""
    items = list(OnboardingItem.objects.filter(peer__user=user).select_related("done_by", "peer"))
    items.sort(key=lambda item: (item.due_on, ITEM_ORDER.get(item.kind, 99), item.pk))
    return items


def accounts_for_setup_links(*, role: str = "", text: str = "") -> QuerySet[User]:
    """The active accounts (of one role, or whose name or user name holds `text`), with
    whether each has an authenticator app and until when an open link of theirs works;
    only the columns the page shows (it pages them: a region has about 1,500 accounts)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    open_links = Invitation.objects.usable().filter(user=OuterRef("pk")).order_by("-expires_at")
    accounts = User.objects.filter(is_active=True)
    if role:
        accounts = accounts.filter(role=role)
    for word in text.split()[:5]:
        accounts = accounts.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
        )
    return (
        accounts.only("username", "first_name", "last_name", "role")
        .annotate(
            has_authenticator=Exists(
                TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
            ),
            open_link_until=Subquery(open_links.values("expires_at")[:1]),
        )
        .order_by("role", "last_name", "first_name", "username", "pk")
    )
