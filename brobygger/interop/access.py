"""Who may export whom as FHIR: the coordinator, the persons of their purpose. Logged.

The export carries the full CPR number and the records: it goes through the same policy as
the person page (accounts/policy.py) and writes one access-log entry with the action
"export", naming every person in the Bundle, the relatives included.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from brobygger.accounts import policy
from brobygger.accounts.models import Unit
from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction
from brobygger.outcomes.models import Administration, AdministrationStatus
from brobygger.people.access import get_person_for
from brobygger.people.models import Person, PersonKind, RelativeLink
from brobygger.referrals.models import Referral
from brobygger.scheduling.models import Appointment

from .fhir import Period

# A period export is for an integration's catch-up, not a copy of the whole register.
MAX_PERSONS = 5000


@dataclass
class Export:
    persons: list[Person]
    links: list[RelativeLink]
    period: Period | None = None


def may_export(user: Any) -> bool:
    """Coordinators: the role whose work is the whole course and its hand-over to the EPJ."""
    return policy.is_coordinator(user)


def person_export(user: Any, pk: int) -> Export:
    """One person (a patient) and their records; 404 outside the user's purpose."""
    if not may_export(user):
        raise Http404
    person = get_person_for(user, pk, purpose=policy.purpose_for(user), action=AccessAction.EXPORT)
    if person.kind != PersonKind.PATIENT:
        raise Http404
    return _logged(user, Export([person], _links(user, [person.pk])), criterion=None)


def period_export(user: Any, period: Period, *, unit: Unit | None = None) -> Export:
    """The patients the user may see with a referral, an appointment or an answered
    questionnaire in the period (of one unit, if given), and those records of theirs."""
    if not may_export(user):
        raise Http404
    first, after = period.moments()
    persons = Person.objects.visible_to(user).filter(kind=PersonKind.PATIENT)
    if unit is not None:
        persons = persons.filter(unit=unit)
    active = (
        Exists(
            Referral.objects.filter(
                person=OuterRef("pk"), received_at__gte=first, received_at__lt=after
            )
        )
        | Exists(
            Appointment.objects.filter(
                person=OuterRef("pk"), starts_at__gte=first, starts_at__lt=after
            )
        )
        | Exists(
            Administration.objects.filter(
                course__person=OuterRef("pk"),
                status=AdministrationStatus.COMPLETED,
                completed_at__gte=first,
                completed_at__lt=after,
            )
        )
    )
    chosen = list(persons.filter(Q(active)).select_related("unit").order_by("pk")[:MAX_PERSONS])
    export = Export(chosen, _links(user, [p.pk for p in chosen]), period)
    criterion = f"fhir;from={period.start};to={period.end};unit={unit.pk if unit else ''}"
    return _logged(user, export, criterion=criterion)


def _links(user: Any, ids: list[int]) -> list[RelativeLink]:
    return list(
        RelativeLink.objects.visible_to(user)
        .filter(patient_id__in=ids)
        .select_related("relative")
        .order_by("pk")
    )


def _logged(user: Any, export: Export, *, criterion: str | None) -> Export:
    ids = [p.pk for p in export.persons] + [link.relative_id for link in export.links]
    shown(
        user=user,
        action=AccessAction.EXPORT,
        purpose=policy.purpose_for(user),
        person_ids=ids,
        criterion=criterion,
    )
    return export
