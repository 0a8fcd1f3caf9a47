"""Demo recovery groups, built through the real services like the rest of the demo."""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from brobygger.lib.dates import local_datetime
from brobygger.people.models import (
    Consent,
    ConsentKind,
    PeerKind,
    PeerWorker,
    Person,
    PersonKind,
)

from . import services
from .models import AttendanceStatus, GroupSession, RecoveryGroup

# (title, theme, place, capacity, first session in weeks from today, weekday, hour, topics)
GROUPS: list[tuple[str, str, str, int, int, int, int, list[str]]] = [
    (
        "Recovery-gruppe: At komme videre efter indlæggelse",
        "For dig, der er udskrevet inden for det sidste halve år eller snart skal udskrives. "
        "Vi deler erfaringer med de første måneder derhjemme og med at finde fodfæste igen.",
        "Grupperummet, Psykiatrisk Center, stueetagen",
        8,
        -6,
        1,
        13,
        [
            "Velkommen: hvem er vi, og hvad vil vi med gruppen",
            "De første uger efter udskrivelsen",
            "Tidlige tegn og hvad der hjælper",
            "Netværk: hvem kan jeg ringe til",
            "Hverdagens rytme: søvn, mad og bevægelse",
            "Kommune, sagsbehandler og penge",
            "Håb og små skridt",
            "At fortælle andre om sin sygdom",
            "Fællesskaber: foreninger og recoveryskole",
            "Afslutning: hvad tager jeg med mig",
        ],
    ),
    (
        "Hverdagsliv og håb",
        "En gruppe om det almindelige liv: rutiner, ensomhed, arbejde og fritid. "
        "Vi tager udgangspunkt i det, deltagerne selv bringer med.",
        "Mødelokale 2, Distriktspsykiatrien",
        10,
        -3,
        3,
        10,
        [
            "Velkommen og forventninger",
            "Gode og svære dage",
            "Ensomhed og fællesskab",
            "Arbejde, uddannelse og meningsfulde aktiviteter",
            "At være god ved sig selv",
            "Styrker vi har glemt",
            "Relationer og grænser",
            "Planer for de næste måneder",
            "Et sted at høre til",
            "Afslutning og næste skridt",
        ],
    ),
    (
        "Medicin og mig",
        "Erfaringer med medicin, bivirkninger og samtalen med lægen. "
        "Gruppen giver ikke medicinske råd, men plads til egne erfaringer og spørgsmål.",
        "Grupperummet, Afsnit R1",
        8,
        2,
        0,
        14,
        [
            "Velkommen: min historie med medicin",
            "Bivirkninger: at sige det højt",
            "Forberedelse til samtalen med lægen",
            "Når man er uenig i behandlingen",
            "Andet end medicin, der hjælper",
            "Pårørende og medicin",
            "Ændringer og nedtrapning: hvem spørger jeg",
            "Mine egne tegn og min kriseplan",
            "Hvad har jeg lært af de andre",
            "Afslutning",
        ],
    ),
]

NOTES = [
    "God stemning. Gruppen talte om, hvor forskellige de første uger derhjemme kan være, "
    "og flere delte, hvad der havde hjulpet dem.",
    "Roligt møde. Mange kendte følelsen af at stå alene efter udskrivelsen. "
    "Vi lavede en fælles liste over steder, man kan gå hen.",
    "Livlig snak om søvn og rutiner. Gruppen foreslog at tage et kort gåtur sammen næste gang.",
    "Gruppen brugte tid på at tale om håb, og om at små skridt også tæller.",
    "Et stille møde med plads til eftertanke. Deltagerne hjalp hinanden med gode spørgsmål.",
    "Vi talte om at fortælle familie og venner om sin sygdom. Tryg stemning.",
]


def _consenting_patients(persons: Sequence[Person]) -> list[Person]:
    consenting = set(
        Consent.objects.current()
        .filter(kind=ConsentKind.CONTACT, person__in=[p.pk for p in persons])
        .values_list("person_id", flat=True)
    )
    return [p for p in persons if p.kind == PersonKind.PATIENT and p.pk in consenting]


def _plan_sessions(
    *,
    actor: Any,
    group: RecoveryGroup,
    first_day: datetime.date,
    hour: int,
    topics: list[str],
) -> list[GroupSession]:
    """Ten weekly sessions; when a facilitator is busy, the session moves an hour or two.
    A group keeps its fixed time outside a facilitator's conversation hours, with the
    reason the coordinator gives (scheduling.services.check_availability)."""
    sessions = []
    for week, topic in enumerate(topics):
        day = first_day + datetime.timedelta(weeks=week)
        tries = [(h, reason) for h in (hour, hour + 2, hour - 2, hour + 4) for reason in REASONS]
        for start_hour, reason in tries:
            try:
                starts_at = local_datetime(day, datetime.time(start_hour))
                sessions.append(
                    services.add_session(
                        actor=actor,
                        group=group,
                        starts_at=starts_at,
                        ends_at=starts_at + datetime.timedelta(hours=2),
                        topic=topic,
                        allow_past=True,
                        override_reason=reason,
                    )
                )
                break
            except (ValidationError, ValueError):
                continue
    return sessions


# First inside the facilitators' hours; then as agreed with them.
REASONS = ("", "Fast gruppetid, aftalt med peer-medarbejderne")


def build_groups(
    *,
    coordinator: Any,
    peers: Sequence[PeerWorker],
    persons: Sequence[Person],
    today: datetime.date,
    rng: random.Random,
) -> int:
    """About three recovery groups with sessions, participants, a waiting list,
    attendance and notes for the sessions already held. Returns the number of groups."""
    patients = _consenting_patients(persons)
    active = [p for p in peers if p.user.is_active]
    # Patient groups are run by patient peers when there are any (relative peers may).
    runners = [p for p in active if p.kind == PeerKind.PATIENT_PEER] or active
    if not runners or not patients:
        return 0
    rng.shuffle(patients)
    now = timezone.now()
    created = 0
    for title, theme, place, capacity, offset, weekday, hour, topics in GROUPS:
        facilitators = rng.sample(runners, k=min(len(runners), rng.choice([1, 2, 2])))
        units = list(facilitators[0].units.all())
        group = services.create_group(
            actor=coordinator,
            title=title,
            theme=theme,
            place=place,
            capacity=capacity,
            facilitators=facilitators,
            unit=rng.choice(units) if units else None,
        )
        created += 1
        monday = today - datetime.timedelta(days=today.weekday())
        first_day = monday + datetime.timedelta(weeks=offset, days=weekday)
        sessions = _plan_sessions(
            actor=coordinator, group=group, first_day=first_day, hour=hour, topics=topics
        )
        # Full groups with one to three on the waiting list; everyone in one group only.
        wanted = capacity + rng.randint(1, 3)
        members, patients = patients[:wanted], patients[wanted:]
        for person in members:
            try:
                services.enrol(actor=coordinator, group=group, person=person)
            except ValidationError:
                continue
        enrolled = list(group.enrolments.enrolled().values_list("person_id", flat=True))
        runner = facilitators[0].user
        for number, session in enumerate(sessions):
            if session.starts_at > now:
                break
            roll = rng.random
            statuses = {
                pk: AttendanceStatus.PRESENT
                if roll() < 0.75
                else (AttendanceStatus.EXCUSED if roll() < 0.6 else AttendanceStatus.ABSENT)
                for pk in enrolled
            }
            services.record_attendance(actor=runner, session=session, statuses=statuses)
            try:
                services.save_group_note(
                    actor=runner, session=session, text=NOTES[number % len(NOTES)]
                )
            except ValidationError:
                continue  # a participant's name is also a word in the note: leave it out
    return created
