"""Concerns for the demo programme: crisis numbers per unit, the ward's contact, an open
concern on the demo peer's caseload, a closed one, and a crisis card.

The units' on-duty numbers and the region's psychiatric emergency line below are DEMO
DATA (the names say so): a region enters its own through the administrator's pages.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from brobygger.accounts.models import Unit
from brobygger.lib.dates import local_datetime
from brobygger.people.models import PeerWorker
from brobygger.referrals.models import Course

from . import services
from .models import Concern, ConcernOutcome, CrisisCard, CrisisContact, UnitContact, Urgency


def build_demo(builder: Any) -> None:
    system = builder.system
    units: list[Unit] = list(builder.units)
    services.save_crisis_contact(
        actor=system,
        contact=CrisisContact(
            unit=None,
            name="Psykiatrisk Akutmodtagelse (demo)",
            phone="70 00 00 00",
            opening_hours="Døgnet rundt",
            note="Demodata: administratoren indtaster regionens rigtige nummer.",
            order=20,
        ),
        created=True,
    )
    for n, unit in enumerate(units[:6]):
        services.save_crisis_contact(
            actor=system,
            contact=CrisisContact(
                unit=unit,
                name=f"Vagt, {unit.name} (demo)",
                phone=f"70 00 01 {n:02d}",
                opening_hours="Døgnet rundt",
                on_duty=True,
                order=1,
            ),
            created=True,
        )
    peer = PeerWorker.objects.select_related("user").get(user__username="peer")
    courses = list(
        Course.objects.filter(peer=peer, ended_on__isnull=True, unit__in=units[:6])
        .select_related("person", "unit")
        .order_by("pk")[:2]
    )
    if not courses:
        return
    nurse = builder.clinicians[0]
    services.save_unit_contact(actor=system, contact=UnitContact(unit=courses[0].unit, user=nurse))

    closed = services.raise_concern(
        actor=peer.user,
        course=courses[-1],
        urgency=Urgency.MEDIUM,
        what_happened="Virkede presset efter samtalen med jobcentret og sov dårligt.",
    )
    services.acknowledge_concern(actor=builder.coordinator, concern=closed)
    services.close_concern(
        actor=builder.coordinator,
        concern=closed,
        outcome=ConcernOutcome.FOLLOWED_UP,
        outcome_note="Ringet op samme dag; aftalt ekstra samtale med peer og kontaktperson.",
    )
    # Raised after a conversation twelve days ago, acknowledged within the hour and
    # closed the same afternoon (the services stamp the load's moment).
    day = max(builder.today - datetime.timedelta(days=12), courses[-1].started_on)
    raised = min(local_datetime(day, datetime.time(11, 20)), builder.started)
    Concern.objects.filter(pk=closed.pk).update(
        raised_at=raised,
        acknowledged_at=raised + datetime.timedelta(minutes=35),
        closed_at=raised + datetime.timedelta(hours=4),
    )
    waiting = services.raise_concern(
        actor=peer.user,
        course=courses[0],
        urgency=Urgency.HIGH,
        what_happened="Sagde flere gange, at det hele er ligegyldigt. Vil ikke tale med afsnittet.",
    )
    # Raised an hour ago and nobody has acknowledged it yet: the escalation job has
    # alerted the coordinators again (CONCERN_UNACKNOWLEDGED in their inbox).
    Concern.objects.filter(pk=waiting.pk).update(
        raised_at=timezone.now() - services.escalate_after(Urgency.HIGH) * 2
    )
    services.escalate_due()
    services.save_crisis_card(
        actor=peer.user,
        person=courses[0].person,
        warning_signs="Sover under fire timer\nAflyser aftaler\nHolder op med at spise",
        what_helps="En gåtur med hunden\nAt tale med min søster\nMusik i høretelefoner",
        who_to_call="Kontaktpersonen på afsnittet\nMin peer-medarbejder i dagtimerne",
        own_contacts="Søster: se telefonens kontakter",
    )
    # Agreed with the person three weeks ago, at a conversation.
    agreed = max(builder.today - datetime.timedelta(days=21), courses[0].started_on)
    CrisisCard.objects.filter(person=courses[0].person).update(
        agreed_on=agreed, updated_at=local_datetime(agreed, datetime.time(14))
    )
