"""Erasure of a person's referrals that never became a course (GDPR art. 17)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from brobygger.audit.services import record_event
from brobygger.people.models import Person

from .models import Referral


def erase_referrals_without_course(*, actor: Any, person: Person) -> dict[str, int]:
    """Delete the person's referrals that never became a course (GDPR art. 17), with
    what hangs on them (a peer's "no", the wished experience tags). Called by the rights
    app's erasure, after its rule has allowed it. Returns the counts, by record type."""
    with transaction.atomic():
        referrals = Referral.objects.filter(person=person, course__isnull=True)
        _total, by_label = referrals.delete()
        # Django's own link rows (Referral_wanted_tags) are part of the referral.
        removed = {label: count for label, count in by_label.items() if count and "_" not in label}
        if removed:
            record_event(
                actor=actor,
                verb="referrals.erased",
                obj=person,
                person_id=person.pk,
                data={"counts": removed},
            )
    return removed
