"""The administrator's look-ups for the "who looked at this person" report."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import QuerySet
from django.http import Http404

from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction, Purpose
from brobygger.people.models import MergedPerson, Person

from .models import AccessLogEntry

REPORT_LIMIT = 25


def find_persons_for_report(user: Any, text: str) -> list[Person]:
    """A person has the right to know who looked at them. The search is logged with
    every person it lists, also when it finds nobody."""
    found: list[Person] = []
    if text.strip():
        people = Person.objects.search(text).order_by("family_name", "given_name")
        found = list(people[:REPORT_LIMIT])
    shown(
        user=user,
        action=AccessAction.SEARCH,
        purpose=Purpose.ACCESS_REPORT,
        criterion=text,
        person_ids=[p.pk for p in found],
    )
    return found


def get_person_for_report(user: Any, pk: int) -> Person:
    person = Person.objects.filter(pk=pk).first()
    if person is None:
        raise Http404
    shown(
        user=user,
        action=AccessAction.VIEW,
        purpose=Purpose.ACCESS_REPORT,
        person_id=person.pk,
        obj=person,
    )
    return person


def glass_reasons_for(person: Person, entries: list[AccessLogEntry]) -> list[AccessLogEntry]:
    """Each break-the-glass entry gets `glass_reason`: the reason of the grant its user
    held on this person at that moment ("Nødadgang: Akut situation"). One query.

    The grant model sits above the audit app (brobygger/breakglass), so it is reached
    by name, as accounts/policy.py does."""
    glass = [e for e in entries if e.purpose == Purpose.BREAK_GLASS and e.user_id]
    if not glass:
        return entries
    grant = apps.get_model("breakglass", "GlassAccess")
    grants = list(
        grant.objects.filter(person=person, user_id__in={e.user_id for e in glass}).order_by(
            "granted_at"
        )
    )
    for entry in glass:
        held = [
            g
            for g in grants
            if g.user_id == entry.user_id and g.granted_at <= entry.at < g.expires_at
        ]
        # The entry of the request that made the grant is written after it: always held.
        entry.glass_reason = held[-1].get_reason_display() if held else ""  # type: ignore[attr-defined]
    return entries


def access_entries_for(person: Person) -> QuerySet[AccessLogEntry]:
    # After a merge the looks at the merged record are looks at this person too.
    merged = MergedPerson.objects.filter(into=person).values("merged_id")
    entries = AccessLogEntry.objects.naming(person.pk, merged=merged)
    return entries.select_related("user").order_by("-seq")
