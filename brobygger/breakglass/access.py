"""Who may break the glass, find whom, and review what. Fetchers 404 and log the look.

The look-up by identifier is exact (a full CPR number or the reference P-<id>): nothing
like a search, so a person outside one's purpose cannot be browsed for. It runs only
once a reason is given, and is logged with the purpose BREAK_GLASS whether or not it
finds anyone.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page
from django.http import Http404

from brobygger.accounts.models import Role
from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction, Purpose
from brobygger.lib.paging import page_of
from brobygger.people.models import Person

from .models import GlassAccess


def find_person_for_glass(user: Any, identifier: tuple[str, str]) -> Person | None:
    """The person with exactly this identifier (GlassForm.clean_identifier), or None."""
    kind, value = identifier
    people = Person.objects.all()
    person = (people.filter(pk=int(value)) if kind == "pk" else people.filter(cpr=value)).first()
    shown(
        user=user,
        action=AccessAction.SEARCH,
        purpose=Purpose.BREAK_GLASS,
        criterion=f"breakglass:{kind}:{value}",
        person_id=person.pk if person else None,
    )
    return person


def within_purpose(user: Any, person: Person) -> bool:
    """Whether `user` may see `person` without breaking the glass."""
    return Person.objects.visible_to(user).filter(pk=person.pk).exists()


def review_queue_page_for(
    user: Any, *, reviewed: bool, page_number: Any = None, per_page: int = 50
) -> Page[GlassAccess]:
    """The administrators' review queue: who, when, why, and the person as a reference
    only. The references on the page are logged as one look (purpose: administration)."""
    if getattr(user, "role", None) != Role.ADMINISTRATOR:
        raise Http404
    accesses = GlassAccess.objects.select_related("user", "reviewed_by")
    accesses = accesses.reviewed() if reviewed else accesses.unreviewed()
    order = ["-reviewed_at", "-id"] if reviewed else ["granted_at", "id"]
    page = page_of(accesses.order_by(*order), page_number, per_page=per_page)
    shown(
        user=user,
        action=AccessAction.SEARCH,
        purpose=Purpose.ADMINISTRATION,
        criterion=f"breakglass:queue:{'reviewed' if reviewed else 'unreviewed'}",
        person_ids=[a.person_id for a in page.object_list],
    )
    return page


def get_access_for_review(user: Any, pk: int) -> GlassAccess:
    if getattr(user, "role", None) != Role.ADMINISTRATOR:
        raise Http404
    access = GlassAccess.objects.select_related("user", "reviewed_by").filter(pk=pk).first()
    if access is None:
        raise Http404
    shown(
        user=user,
        action=AccessAction.VIEW,
        purpose=Purpose.ADMINISTRATION,
        person_id=access.person_id,
        obj=access,
    )
    return access
