"""The person's rights in the demo: a person whose copy shows history.

The patient with the most conversation notes has had a phone number and a surname
corrected by the coordinator (the person page shows the history) and one note
reworded with them afterwards (the earlier wording is kept). Their copy of their data
(Rettigheder, as the administrator) then holds every kind of record a course gives.
Deterministic: the same person for the same seed, and no draw from the builder's
random stream, so the other demo parts stay as they were.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from brobygger.conversations import services as conversations
from brobygger.conversations.models import ConversationRecord
from brobygger.people import services as people_services
from brobygger.people.models import Consent, ConsentKind, Person, PersonKind


def build_demo(builder: Any) -> None:
    # A note is reworded only with the person's consent to keep notes: at a larger scale
    # the patient with the most notes may have withdrawn it since.
    keeps_notes = Consent.objects.current().filter(kind=ConsentKind.STORE_NOTES)
    person = (
        Person.objects.filter(
            kind=PersonKind.PATIENT,
            courses__records__isnull=False,
            pk__in=keeps_notes.values("person_id"),
        )
        .annotate(notes=Count("courses__records"))
        .order_by("-notes", "pk")
        .first()
    )
    if person is None:
        return
    people_services.update_person(
        actor=builder.coordinator,
        person=person,
        phone=f"{int(person.phone or '20000000') + 1111:08d}"[-8:],
        family_name=f"{person.family_name}-Holm",
    )
    record = (
        ConversationRecord.objects.filter(course__person=person)
        .select_related("appointment", "course", "written_by")
        .order_by("-appointment__starts_at", "-pk")
        .first()
    )
    assert record is not None
    conversations.update_record(
        actor=record.written_by,
        record=record,
        minutes=record.minutes,
        topics=list(record.topics.all()),
        chime=list(record.chime),
        **{
            "purpose": record.purpose,
            "expectations": record.expectations,
            "how_doing": record.how_doing,
            "meaningful": record.meaningful,
            "next_steps": record.next_steps,
            "agreements": (record.agreements + " Vi skrev det om sammen bagefter.").strip(),
        },
    )
