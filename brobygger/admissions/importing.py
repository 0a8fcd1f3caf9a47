"""Matching a parsed hospital file to courses: what an import would create, change or leave.

Four queries whatever the length of the file (persons, courses, existing admissions,
units), so a file of a thousand rows previews as fast as one of ten.

Matching, per row: the person with that CPR number, through the coordinator's own view
of courses (Course.objects.visible_to), so another unit's courses are never matched and
the messages do not reveal that they exist. An admission already on file for that person
and admission date is that row's admission (changed or unchanged); a new one goes to the
course whose period covers the admission date, or else to the person's latest course.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from brobygger.accounts.models import Unit
from brobygger.lib.when import format_when
from brobygger.people.models import Person
from brobygger.referrals.models import Course

from .importfile import ADMITTED, CPR, DISCHARGED, FileRow, ParsedFile, RowError
from .models import Admission

NEW, CHANGED, UNCHANGED, ERROR = "new", "changed", "unchanged", "error"
# The preview page shows this many rows of a file at most.
SHOWN_ROWS = 1000


@dataclass
class PlannedRow:
    row: FileRow
    action: str = ERROR
    course_id: int | None = None
    person_id: int | None = None
    admission_id: int | None = None
    unit_id: int | None = None
    notes: list[str] = field(default_factory=list)
    # The file's own errors for the row, then the matching's (the parsed file is not changed).
    errors: list[RowError] = field(default_factory=list)

    @property
    def line(self) -> int:
        return self.row.line

    @property
    def bed_days(self) -> int | None:
        if self.row.admitted_on is None or self.row.discharged_on is None:
            return None
        return (self.row.discharged_on - self.row.admitted_on).days


@dataclass
class ImportPlan:
    file: ParsedFile
    rows: list[PlannedRow]

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def new(self) -> int:
        return self.count(NEW)

    @property
    def changed(self) -> int:
        return self.count(CHANGED)

    @property
    def unchanged(self) -> int:
        return self.count(UNCHANGED)

    @property
    def errors(self) -> list[RowError]:
        return [error for row in self.rows for error in row.errors]

    @property
    def rows_with_errors(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def shown_rows(self) -> list[PlannedRow]:
        return self.rows[:SHOWN_ROWS]

    @property
    def is_cut(self) -> bool:
        return len(self.rows) > SHOWN_ROWS

    def shown_person_ids(self) -> list[int]:
        """The persons the preview's rows are about: a row tells what is on file for them."""
        return list(dict.fromkeys(r.person_id for r in self.shown_rows if r.person_id is not None))


def _covers(course: dict[str, Any], day: datetime.date) -> bool:
    """The course's period: from the admission it began in (or its start) to its end."""
    begins = min(d for d in (course["started_on"], course["admitted_on"]) if d is not None)
    return begins <= day and (course["ended_on"] is None or day <= course["ended_on"])


def _choose_course(courses: list[dict[str, Any]], day: datetime.date) -> dict[str, Any]:
    def latest(c: dict[str, Any]) -> tuple[datetime.date, int]:
        return (c["started_on"], c["pk"])

    covering = [c for c in courses if _covers(c, day)]
    return max(covering or courses, key=latest)


def _overlaps(
    a: tuple[datetime.date, datetime.date | None], b: tuple[datetime.date, datetime.date | None]
) -> bool:
    # A discharge and a new admission on the same day (a transfer) do not overlap.
    far = datetime.date.max
    return a[0] < (b[1] or far) and b[0] < (a[1] or far)


def plan_import(user: Any, parsed: ParsedFile) -> ImportPlan:
    """What saving `parsed` would do, row by row, for the coordinator `user`."""
    numbers = {row.cpr for row in parsed.rows if row.cpr and not row.errors}
    courses_by_cpr: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for course in (
        Course.objects.visible_to(user)
        .filter(person__cpr__in=numbers)
        .values("pk", "person_id", "person__cpr", "started_on", "admitted_on", "ended_on")
    ):
        courses_by_cpr[str(course["person__cpr"])].append(dict(course))
    known = dict(Person.objects.visible_to(user).filter(cpr__in=numbers).values_list("cpr", "pk"))
    course_ids = [c["pk"] for courses in courses_by_cpr.values() for c in courses]
    existing: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for admission in Admission.objects.filter(course_id__in=course_ids).values(
        "pk", "course_id", "course__person_id", "admitted_on", "discharged_on", "unit_id"
    ):
        existing[admission["course__person_id"]].append(dict(admission))
    sors = {row.sor for row in parsed.rows if row.sor}
    units = dict(Unit.objects.filter(sor_code__in=sors).values_list("sor_code", "pk"))

    planned: list[PlannedRow] = []
    for row in parsed.rows:
        item = PlannedRow(row=row, errors=list(row.errors))
        planned.append(item)
        if item.errors or row.admitted_on is None:
            continue
        courses = courses_by_cpr.get(row.cpr)
        if not courses:
            # The message tells that a person of the user's units has this number.
            item.person_id = known.get(row.cpr)
            message = (
                _("The person has no course in your units.")
                if row.cpr in known
                else _("No person with this CPR number in your units.")
            )
            item.errors.append(RowError(row.line, parsed.headers[CPR], message))
            continue
        person_id = courses[0]["person_id"]
        item.person_id = person_id
        unit_id = units.get(row.sor) if row.sor else None
        if row.sor and unit_id is None:
            item.notes.append(_("Unknown SOR code: saved without a unit."))
        match = next((a for a in existing[person_id] if a["admitted_on"] == row.admitted_on), None)
        if match is None:
            item.action = NEW
            item.course_id = _choose_course(courses, row.admitted_on)["pk"]
            item.unit_id = unit_id
            continue
        item.admission_id = match["pk"]
        item.course_id = match["course_id"]
        item.unit_id = unit_id if unit_id is not None else match["unit_id"]
        same = match["discharged_on"] == row.discharged_on and match["unit_id"] == item.unit_id
        item.action = UNCHANGED if same else CHANGED
    _check_overlaps(planned, existing, parsed)
    for item in planned:
        if item.errors:
            item.action = ERROR
    return ImportPlan(file=parsed, rows=planned)


def _check_overlaps(
    planned: list[PlannedRow], existing: dict[int, list[dict[str, Any]]], parsed: ParsedFile
) -> None:
    """One person cannot be admitted twice at once: in the file, or against what is on file."""
    by_person: dict[int, list[PlannedRow]] = defaultdict(list)
    for item in planned:
        if item.person_id is not None and not item.errors:
            by_person[item.person_id].append(item)
    for person_id, items in by_person.items():
        replaced = {item.admission_id for item in items if item.admission_id}
        others = [a for a in existing[person_id] if a["pk"] not in replaced]
        for position, item in enumerate(items):
            admitted = item.row.admitted_on
            assert admitted is not None
            period = (admitted, item.row.discharged_on)
            for admission in others:
                if _overlaps(period, (admission["admitted_on"], admission["discharged_on"])):
                    item.errors.append(
                        RowError(
                            item.line,
                            parsed.headers.get(DISCHARGED, parsed.headers[ADMITTED]),
                            _("Overlaps the admission of %(date)s already on file.")
                            % {"date": format_when(admission["admitted_on"], "short")},
                        )
                    )
                    break
            for other in items[:position]:
                assert other.row.admitted_on is not None
                if _overlaps(period, (other.row.admitted_on, other.row.discharged_on)):
                    item.errors.append(
                        RowError(
                            item.line,
                            parsed.headers.get(DISCHARGED, parsed.headers[ADMITTED]),
                            _("Overlaps the admission on line %(line)d.") % {"line": other.line},
                        )
                    )
                    break
