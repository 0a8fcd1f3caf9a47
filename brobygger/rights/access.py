"""The administrator's look-ups for a person's request about their own data.

The administrator has no access to notes by default (DESIGN.md §2). Answering the
person's own request (GDPR art. 15, 17) is the lawful exception: every look here is
logged with the purpose "subject access", the copy as an export.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction, Purpose
from brobygger.people.models import Person

LIMIT = 25


def find_persons(user: Any, text: str) -> list[Person]:
    """Persons matching a name or CPR number; the search is logged, found or not."""
    found: list[Person] = []
    if text.strip():
        found = list(Person.objects.search(text).order_by("family_name", "given_name")[:LIMIT])
    shown(
        user=user,
        action=AccessAction.SEARCH,
        purpose=Purpose.SUBJECT_ACCESS,
        criterion=text,
        person_ids=[p.pk for p in found],
    )
    return found


def get_person(user: Any, pk: int, *, action: str = AccessAction.VIEW) -> Person:
    """The person the request is about; 404 if there is none. Logged with `action`."""
    person = Person.objects.filter(pk=pk).select_related("unit").first()
    if person is None:
        raise Http404
    shown(user=user, action=action, purpose=Purpose.SUBJECT_ACCESS, person_id=person.pk, obj=person)
    return person


def get_person_to_export(user: Any, pk: int) -> Person:
    """The person whose copy is made: logged as an export."""
    return get_person(user, pk, action=AccessAction.EXPORT)
