"""A programme with something to export: notes, questionnaires, groups and admissions."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from typing import Any

from django.utils import timezone

from brobygger.admissions.services import add_admission
from brobygger.conversations import services as conversation_services
from brobygger.groups import services as group_services
from brobygger.lib.dates import local_datetime
from brobygger.lifecycle import services as lifecycle
from brobygger.outcomes.models import Administration, AnsweredBy, Timepoint
from brobygger.outcomes.services import save_answers
from brobygger.people import services as people_services
from brobygger.people.models import ConsentKind, ConsentSource, Person
from brobygger.referrals.models import Course
from brobygger.research.models import ResearchExport
from brobygger.scheduling import services as scheduling
from brobygger.testing import TODAY, BaseTestCase, make_person

NOTE_TEXT = "Gåturene ved Egå Engsø giver ro"
SUMMARY_TEXT = "Dora fandt selv vej til klubben"
FOLLOW_UP_TEXT = "Spørge Jobcenter Aarhus om flexjob"
GROUP_NOTE_TEXT = "Snakken om søvn fyldte meget"

DORA: dict[str, Any] = {
    "given_name": "Dorathea",
    "cpr": "1203851236",
    "birth_date": datetime.date(1985, 3, 12),
    "gender": "female",
    "phone": "61718293",
    "email": "dorathea.k@example.dk",
    "street": "Vibeke Allé 17",
    "postal_code": "8240",
    "city": "Risskov",
}
# Everything that names or reaches a person, and every free text written about one.
SECRETS = [
    "Dorathea",
    "Andersen",
    "1203851236",
    "120385",
    "61718293",
    "dorathea.k@example.dk",
    "Vibeke Allé",
    "Risskov",
    "0101901234",
    "20304050",
    NOTE_TEXT,
    SUMMARY_TEXT,
    FOLLOW_UP_TEXT,
    GROUP_NOTE_TEXT,
]


def consent(person: Person, *kinds: str) -> None:
    for kind in kinds:
        people_services.record_consent(
            actor=None, person=person, kind=kind, source=ConsentSource.VERBAL
        )


def build_dora(case: Any, *, n: int = 0, unit: Any = None, **person: Any) -> Course:
    """Dora: admitted, discharged and ended, with a note, a questionnaire, a group, an admission.

    With `n` and `person`, one of her twins: another person with the same course, so
    that Dora is one of several alike (k-anonymity); `n` keeps their talks apart."""
    dora = make_person(unit=unit or case.unit, **(person or DORA))
    consent(dora, ConsentKind.STORE_NOTES, ConsentKind.QUESTIONNAIRES)
    course = lifecycle.start_course(
        actor=None,
        person=dora,
        peer=case.peer,
        started_on=STARTED,
        admitted_on=TODAY - datetime.timedelta(days=70),
        phase="admitted",
    )
    lifecycle.update_course(
        actor=None,
        course=course,
        discharged_on=TODAY - datetime.timedelta(days=20),
        follow_up_until=TODAY + datetime.timedelta(days=100),
        phase="discharged",
    )
    appointment = scheduling.record_past(
        actor=case.peer.user,
        course=course,
        starts_at=timezone.now() - datetime.timedelta(days=30, hours=n),
        minutes=45,
        mode="phone",
    )
    conversation_services.record_conversation(
        actor=case.peer.user,
        appointment=appointment,
        minutes=40,
        topics=[],
        chime=["hope"],
        meaningful=NOTE_TEXT,
    )
    start = Administration.objects.get(course=course, timepoint=Timepoint.START)
    save_answers(
        administration=start,
        answers={
            "lyttet": 5,
            "genkendelse": 4,
            "tryghed": 4,
            "haab": None,
            "naeste-skridt": 3,
            "alene": 2,
        },
        final=True,
        answered_by=AnsweredBy.WITH_PEER,
        actor=case.peer.user,
    )
    group = group_services.create_group(
        actor=case.coordinator,
        title="Søvn og hverdag",
        unit=case.unit,
        place="Grupperummet",
        capacity=6,
        facilitators=[case.other_peer],
    )
    # Within the course (it ends on TODAY), whatever the real clock says.
    begin = local_datetime(TODAY - datetime.timedelta(days=3), datetime.time(8 + 2 * n, 0))
    session = group_services.add_session(
        actor=case.coordinator,
        group=group,
        starts_at=begin,
        ends_at=begin + datetime.timedelta(hours=2),
        topic="Søvn",
        allow_past=True,
    )
    group_services.enrol(actor=case.coordinator, group=group, person=dora)
    group_services.record_attendance(
        actor=case.coordinator, session=session, statuses={dora.pk: "present"}
    )
    group_services.save_group_note(
        actor=case.other_peer.user, session=session, text=GROUP_NOTE_TEXT
    )
    add_admission(
        actor=case.coordinator,
        course=course,
        admitted_on=TODAY - datetime.timedelta(days=70),
        discharged_on=TODAY - datetime.timedelta(days=20),
    )
    add_admission(
        actor=case.coordinator, course=course, admitted_on=TODAY - datetime.timedelta(days=5)
    )
    lifecycle.end_course(
        actor=None, course=course, ended_on=TODAY, reason="completed", summary=SUMMARY_TEXT
    )
    return course


def csv_bytes(export: ResearchExport) -> bytes:
    assert export.csv_data is not None
    return bytes(export.csv_data)


def xlsx_bytes(export: ResearchExport) -> bytes:
    assert export.xlsx_data is not None
    return bytes(export.xlsx_data)


def sections(data: bytes) -> list[tuple[list[str], list[list[str]]]]:
    """The CSV's sections as (header, rows); the title row is dropped."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    out: list[tuple[list[str], list[list[str]]]] = []
    block: list[list[str]] = []
    for row in [*rows, []]:
        if row:
            block.append(row)
        elif block:
            out.append((block[1], block[2:]))
            block = []
    return out


def table(data: bytes, index: int) -> list[dict[str, str]]:
    header, rows = sections(data)[index]
    return [dict(zip(header, row, strict=False)) for row in rows]


def xlsx_text(data: bytes) -> str:
    """Every XML part of the workbook, unpacked, as one text."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(archive.read(name).decode("utf-8") for name in archive.namelist())


# Dora's course starts 60 days back, but never in the year before TODAY's: exports cover
# whole calendar years, and the frozen clock may stand early in one (29 February).
STARTED = max(TODAY - datetime.timedelta(days=60), datetime.date(TODAY.year, 1, 1))

TWINS = 4  # Dora and four twins: five alike, the smallest group an export may show


def twin(n: int) -> dict[str, Any]:
    """A woman of Dora's age band, with a name, phone and address of her own."""
    return {
        "given_name": f"Tvilling{n}",
        "birth_date": datetime.date(1984 + n, 6, 1),
        "gender": "female",
        "phone": f"7000000{n}",
        "street": f"Tvillingevej {n}",
        "postal_code": "8000",
        "city": "Aarhus",
    }


class ResearchTestCase(BaseTestCase):
    """Dora and her twins (five alike), and the cast's Alice and Bob, each alone."""

    dora_course: Course
    twin_courses: list[Course]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.dora_course = build_dora(cls)
        cls.twin_courses = [build_dora(cls, n=n, **twin(n)) for n in range(1, TWINS + 1)]
