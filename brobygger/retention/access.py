"""The administrator names a hold's person or course by its number only: nothing of the
person is shown, so there is no look to record. A number that does not exist is a
form error, never a 500."""

from __future__ import annotations

from typing import Any

from brobygger.accounts.access import is_administrator
from brobygger.people.models import Person
from brobygger.referrals.models import Course

from .models import LegalHold


def hold_target(user: Any, *, person_id: int | None, course_id: int | None) -> Any:
    """The person or the course a hold is to protect, or None if there is no such one."""
    if not is_administrator(user):
        return None
    if person_id is not None:
        return Person.objects.filter(pk=person_id).first()
    if course_id is not None:
        return Course.objects.filter(pk=course_id).first()
    return None


def get_hold_for(user: Any, pk: int) -> LegalHold | None:
    if not is_administrator(user):
        return None
    return LegalHold.objects.filter(pk=pk).first()
