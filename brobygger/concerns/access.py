"""Who may see and act on concerns and crisis cards. Fetchers 404 and log the look."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page
from django.db.models import Q
from django.http import Http404

from brobygger.accounts import policy
from brobygger.accounts.models import Role
from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction
from brobygger.lib.paging import page_of
from brobygger.people.models import Person
from brobygger.referrals.models import Course

from .models import Concern, ConcernStatus, CrisisCard, CrisisContact, UnitContact


def is_unit_contact(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and UnitContact.objects.filter(user=user).exists()
    )


def may_raise(user: Any, course: Course) -> bool:
    """The course's own peer and the unit's coordinator, while the course runs."""
    if course.ended_on is not None:
        return False
    if policy.is_coordinator(user):
        return True
    return policy.is_peer(user) and course.peer.user_id == user.pk


def may_handle(user: Any, concern: Concern) -> bool:
    """Acknowledge and close: the unit's coordinator and the treating unit's contact."""
    if concern.status == ConcernStatus.CLOSED:
        return False
    if policy.is_coordinator(user):
        return True
    return UnitContact.objects.filter(user=user, unit=concern.unit_id).exists()


def get_course_to_raise(user: Any, pk: int, *, action: str = AccessAction.VIEW) -> Course:
    """The course a concern is raised on: the user must see it and may raise on it."""
    course = (
        Course.objects.visible_to(user)
        .select_related("person", "peer", "unit")
        .filter(pk=pk)
        .first()
    )
    if course is None or not may_raise(user, course):
        raise Http404
    shown(
        user=user,
        action=action,
        purpose=policy.purpose_for(user),
        person_id=course.person_id,
        obj=course,
    )
    return course


def get_concern_for(user: Any, pk: int, *, action: str = AccessAction.VIEW) -> Concern:
    concern = (
        Concern.objects.visible_to(user)
        .select_related(
            "person", "course__peer__user", "unit", "raised_by", "acknowledged_by", "closed_by"
        )
        .filter(pk=pk)
        .first()
    )
    if concern is None:
        raise Http404
    shown(
        user=user,
        action=action,
        purpose=policy.purpose_for(user),
        person_id=concern.person_id,
        obj=concern,
    )
    return concern


def unresolved_concerns_page_for(user: Any, *, page_number: Any = None) -> Page:
    """One page of the concerns not yet closed that the user sees, most urgent and oldest
    first, with only the fields the list shows. The persons of the page are logged: the
    persons rendered, not every open concern."""
    concerns = (
        Concern.objects.visible_to(user)
        .unresolved()
        .select_related("person", "course__peer__user", "unit")
        .only(
            "status",
            "urgency",
            "raised_at",
            "person__given_name",
            "person__family_name",
            "course__peer__user__first_name",
            "course__peer__user__last_name",
            "course__peer__user__username",
            "unit__name",
        )
        .order_by("status", "raised_at", "pk")
    )
    page = page_of(concerns, page_number)
    shown(
        user=user,
        action=AccessAction.VIEW,
        purpose=policy.purpose_for(user),
        person_ids=[c.person_id for c in page.object_list],
    )
    return page


def open_flags_for_course(user: Any, course: Course) -> list[Concern]:
    """The course page's flag: the unresolved concerns of a course already fetched (and
    logged) through referrals.access; only the person of that page is named."""
    concerns = list(
        Concern.objects.visible_to(user).unresolved().filter(course=course).order_by("raised_at")
    )
    if concerns:
        shown(user=user, purpose=policy.purpose_for(user), person_id=course.person_id, obj=course)
    return concerns


def open_flags_for_person(user: Any, person: Person) -> list[Concern]:
    concerns = list(
        Concern.objects.visible_to(user).unresolved().filter(person=person).order_by("raised_at")
    )
    if concerns:
        shown(user=user, purpose=policy.purpose_for(user), person_id=person.pk, obj=person)
    return concerns


def crisis_contacts_for(unit_id: int | None) -> list[CrisisContact]:
    """Public numbers, no personal data: nothing to log."""
    return list(CrisisContact.objects.for_unit(unit_id).select_related("unit"))


def get_person_for_card(
    user: Any, pk: int, *, action: str = AccessAction.VIEW
) -> tuple[Person, CrisisCard | None]:
    """The crisis card is for the person's peer and the unit's coordinator."""
    if not may_open_card(user):
        raise Http404
    person = Person.objects.visible_to(user).filter(pk=pk).first()
    if person is None:
        raise Http404
    card = CrisisCard.objects.filter(person=person).select_related("updated_by").first()
    shown(user=user, action=action, purpose=policy.purpose_for(user), person_id=person.pk, obj=card)
    return person, card


def may_edit_card(user: Any, person: Person) -> bool:
    """The peer of an active course with the person, or the coordinator."""
    if policy.is_coordinator(user):
        return True
    return (
        policy.is_peer(user)
        and Course.objects.filter(person=person, peer__user=user, ended_on__isnull=True).exists()
    )


def start_page_for(user: Any) -> dict[str, Any]:
    """The page behind the button in the peer's week: the numbers of the user's units,
    and the active courses a concern can be raised on (a peer's own; a coordinator
    raises from the course page)."""
    unit_ids = list(user.units.values_list("pk", flat=True))
    contacts = list(
        CrisisContact.objects.active()
        .filter(Q(unit__isnull=True) | Q(unit__in=unit_ids))
        .select_related("unit")
        .order_by("-on_duty", "order", "name")
    )
    courses: list[Course] = []
    if policy.is_peer(user):
        courses = list(
            Course.objects.visible_to(user)
            .active()
            .select_related("person")
            .order_by("person__given_name", "person__family_name", "pk")
        )
        shown(
            user=user,
            purpose=policy.purpose_for(user),
            person_ids=[course.person_id for course in courses],
        )
    return {"contacts": contacts, "courses": courses}


def crisis_contact_groups() -> list[tuple[Any, list[CrisisContact]]]:
    """Every active number, region-wide first, then per unit (no personal data)."""
    groups: dict[Any, list[CrisisContact]] = {}
    for contact in (
        CrisisContact.objects.active()
        .select_related("unit")
        .order_by("unit__name", "-on_duty", "order", "name")
    ):
        groups.setdefault(contact.unit, []).append(contact)
    region = groups.pop(None, [])
    return ([(None, region)] if region else []) + list(groups.items())


def may_open_card(user: Any) -> bool:
    return getattr(user, "role", None) in (Role.COORDINATOR, Role.PEER_WORKER, Role.RELATIVE_PEER)
