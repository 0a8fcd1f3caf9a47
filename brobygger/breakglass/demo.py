"""Demo: two break-the-glass accesses, through the real services, with the access-log
entries the pages would have written (the opening and a look at the person's page).

- koordinator2 opened a person of a unit outside theirs (acute situation); the
  administrator has reviewed it with a comment.
- peer, covering for a colleague on the ward, opened a person of the colleague's
  caseload; it waits in the review queue (and is still open for the next hours).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from brobygger.audit.models import AccessAction, Purpose
from brobygger.audit.services import append_many, new_access_entry
from brobygger.people.models import Person
from brobygger.referrals.models import Course

from . import services
from .models import GlassReason


def build_demo(builder: Any) -> None:
    rng = builder.rng
    users = get_user_model().objects
    coordinator = users.get(username="koordinator2")
    admin = users.get(username="admin")
    peer = next(p for p in builder.peers if p.user.username == "peer")

    outside = list(
        Person.objects.filter(unit__isnull=False)
        .exclude(unit__in=coordinator.units.all())
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    acute = Person.objects.get(pk=rng.choice(outside))
    caseload = Course.objects.filter(peer=peer).values("person_id")
    colleagues = list(
        Course.objects.filter(
            ended_on__isnull=True, peer__kind=peer.kind, unit__in=peer.units.all()
        )
        .exclude(peer=peer)
        .exclude(person_id__in=caseload)
        .order_by("pk")
        .values_list("person_id", flat=True)
    )
    covered = Person.objects.get(pk=rng.choice(colleagues))

    reviewed = services.break_glass(
        actor=coordinator,
        person=acute,
        reason=GlassReason.ACUTE,
        text="Akutmodtagelsen ringede om personen i aftes og bad om kontaktoplysninger.",
    )
    services.break_glass(
        actor=peer.user,
        person=covered,
        reason=GlassReason.COVERING,
        text="Dækker for min kollega på afsnittet, som er syg. Personen spurgte efter sin peer.",
    )
    services.review(
        actor=admin,
        access=reviewed,
        comment="Begrundet. Talt med koordinatoren; henvisning til egen enhed er sendt.",
    )
    entries = []
    for user, person in ((coordinator, acute), (peer.user, covered)):
        for action in (AccessAction.CREATE, AccessAction.VIEW):
            entries.append(
                new_access_entry(
                    user=user,
                    action=action,
                    purpose=Purpose.BREAK_GLASS,
                    person_id=person.pk,
                    obj=person,
                )
            )
    append_many(entries)
