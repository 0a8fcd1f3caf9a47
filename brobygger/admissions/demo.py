"""Admissions for the demo programme: the hospital's file, imported; a few entered by hand.

Most patients' courses began in an admission (the course's own admission and discharge
dates). The hospital's file holds those and the readmissions after discharge: about one
in eight within 30 days, one in ten more within 90 days, each 3-60 bed days (Danish
psychiatry's 30-day readmission rate is around 10-20 %). It is imported through the same
services as a coordinator's upload, in the Windows-1252, semicolon and dd-mm-yyyy form
hospital systems export. Persons with no CPR number on file cannot be in that file:
their admissions are entered by hand.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from brobygger.people.models import PersonKind
from brobygger.referrals.models import Course

from . import importfile, services

READMIT_30 = 0.12
READMIT_90 = 0.10
AGAIN = 0.25  # of the readmitted, the share readmitted once more
FILE_ROWS = 5000


def _periods(
    rng: random.Random, course: Course, today: datetime.date
) -> list[tuple[datetime.date, datetime.date | None]]:
    assert course.admitted_on is not None
    periods: list[tuple[datetime.date, datetime.date | None]] = [
        (course.admitted_on, course.discharged_on)
    ]
    last_out = course.discharged_on
    roll = rng.random()
    window = 30 if roll < READMIT_30 else 90 if roll < READMIT_30 + READMIT_90 else 0
    while last_out is not None and window:
        first = 3 if window == 30 else 31
        start = last_out + datetime.timedelta(days=rng.randint(first, window))
        if start > today:
            break
        end: datetime.date | None = start + datetime.timedelta(days=rng.randint(3, 60))
        if end is not None and end > today:
            end = None  # still admitted
        periods.append((start, end))
        last_out = end
        window = rng.choice([30, 90]) if rng.random() < AGAIN else 0
    return periods


def build_demo(builder: Any) -> None:
    """Import the demo hospital file and enter the rest; called from DemoBuilder.build()."""
    rng: random.Random = builder.rng
    today: datetime.date = builder.today
    courses = (
        Course.objects.filter(person__kind=PersonKind.PATIENT, admitted_on__isnull=False)
        .select_related("person", "unit")
        .order_by("pk")
    )
    lines = ["CPR-nr;Indlagt;Udskrevet;SOR-kode;Afsnit"]
    by_hand: list[tuple[Course, datetime.date, datetime.date | None]] = []
    for course in courses:
        # Not every course's admission reaches the file (other regions, private hospitals).
        if rng.random() < 0.1:
            continue
        for admitted, discharged in _periods(rng, course, today):
            if course.person.cpr:
                unit = course.unit
                lines.append(
                    ";".join(
                        [
                            f"{course.person.cpr[:6]}-{course.person.cpr[6:]}",
                            admitted.strftime("%d-%m-%Y"),
                            discharged.strftime("%d-%m-%Y") if discharged else "",
                            unit.sor_code if unit else "",
                            unit.name if unit else "",
                        ]
                    )
                )
            else:
                by_hand.append((course, admitted, discharged))
    header, rows = lines[0], lines[1:]
    # A big programme (--scale 100) gets several files, each well under the upload limits.
    for start in range(0, len(rows), FILE_ROWS):
        chunk = [header, *rows[start : start + FILE_ROWS]]
        data = ("\r\n".join(chunk) + "\r\n").encode("cp1252")
        parsed = importfile.read(data, today=today)
        services.import_admissions(actor=builder.coordinator, parsed=parsed)
    for course, admitted, discharged in by_hand:
        services.add_admission(
            actor=builder.coordinator,
            course=course,
            admitted_on=admitted,
            discharged_on=discharged,
            unit=course.unit,
        )
