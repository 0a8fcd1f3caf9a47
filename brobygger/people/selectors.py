"""Reads for the people pages: constant query counts whatever the data size."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from brobygger.accounts.models import Role, Unit

from .models import Consent, PeerWorker, Person, RelativeLink


def units_for(user: Any) -> QuerySet[Unit]:
    if getattr(user, "role", None) in (Role.ADMINISTRATOR, Role.EVALUATOR):
        return Unit.objects.all()
    return Unit.objects.filter(memberships__user=user).order_by("name")


def person_list(
    user: Any, *, kind: str = "", unit: Unit | None = None, text: str = ""
) -> QuerySet[Person]:
    people = Person.objects.visible_to(user).select_related("unit")
    if kind:
        people = people.filter(kind=kind)
    if unit is not None:
        people = people.filter(unit=unit)
    if text:
        people = people.search(text)
    return people.annotate(
        active_courses=Count("courses", filter=Q(courses__ended_on__isnull=True))
    ).order_by("family_name", "given_name", "id")


def person_page(person: Person, user: Any) -> dict[str, Any]:
    """What the person page shows beside the person: links, consents and courses."""
    from brobygger.referrals.models import Course

    courses = list(
        Course.objects.filter(person=person)
        .select_related("peer__user", "unit")
        .order_by("-started_on")
    )
    visible = set(
        Course.objects.visible_to(user).filter(person=person).values_list("pk", flat=True)
    )
    coordinator = getattr(user, "role", None) == Role.COORDINATOR
    return {
        "course_links": visible,
        "consents": (
            Consent.objects.filter(person=person).select_related("recipient")
            if coordinator
            else None
        ),
        "relatives": RelativeLink.objects.filter(patient=person).select_related("relative"),
        "patients": RelativeLink.objects.filter(relative=person).select_related("patient"),
        "courses": courses,
    }


def peer_list(user: Any) -> QuerySet[PeerWorker]:
    return (
        PeerWorker.objects.visible_to(user)
        .select_related("user")
        .prefetch_related(
            "experience_tags", Prefetch("units", queryset=Unit.objects.order_by("name"))
        )
        .annotate(caseload=Count("courses", filter=Q(courses__ended_on__isnull=True)))
        .order_by("user__first_name", "user__last_name")
    )
