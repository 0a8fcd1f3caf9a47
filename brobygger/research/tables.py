"""The sections of a research export: courses, questionnaires, a codebook and a note.

Column names are short, fixed variable names (the same in every language, so analysis
scripts keep working); the codebook explains each one and every code in the
evaluator's language. Rows are sorted by pseudonym, so their order says nothing about
when a person came into the programme.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from brobygger.accounts.models import UnitKind
from brobygger.lib.spreadsheet import Section, Value
from brobygger.outcomes.models import AdministrationStatus, AnsweredBy, Timepoint
from brobygger.people.models import Gender, PersonKind
from brobygger.referrals.models import EndReason, Phase, SupportModel

from .pseudonym import MAX_SHIFT_DAYS, Pseudonymiser
from .selectors import AdministrationFacts, CourseFacts

AGE_BANDS = (("0-17", 18), ("18-29", 30), ("30-44", 45), ("45-59", 60), ("60+", None))


@dataclass(frozen=True)
class ExportScope:
    """What the evaluator asked for, as it is described in the file."""

    purpose: str
    created_at: datetime.datetime
    expires_at: datetime.datetime
    started_from: datetime.date
    started_to: datetime.date
    support_models: Sequence[str]
    instrument: str


def age_band(birth_date: datetime.date | None, on: datetime.date) -> str:
    if birth_date is None:
        return ""
    age = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    for band, below in AGE_BANDS:
        if below is None or age < below:
            return band
    return ""  # pragma: no cover - the last band has no upper bound


def course_columns() -> list[tuple[str, str]]:
    return [
        ("person", _("Pseudonym of the person, valid only within this export")),
        ("course", _("Pseudonym of the course, valid only within this export")),
        ("support_model", _("Support model")),
        ("unit_kind", _("Kind of unit")),
        ("unit", _("Unit")),
        ("person_kind", _("Patient or relative")),
        ("gender", _("Gender")),
        ("age_band", _("Age at the start of the course, in bands")),
        ("start", _("Start of the course (shifted date)")),
        ("admitted", _("Admitted (shifted date)")),
        ("discharged", _("Discharged (shifted date)")),
        ("follow_up_until", _("Follow-up until (shifted date)")),
        ("end", _("End of the course (shifted date; empty while it runs)")),
        ("phase", _("Phase")),
        ("end_reason", _("End reason")),
        ("conversations", _("Conversations held")),
        ("phone_conversations", _("Of which by phone")),
        ("minutes", _("Minutes of conversation noted")),
        ("guide_topics_covered", _("Discharge-guide topics discussed or done")),
        ("group_sessions", _("Group sessions attended while the course ran")),
        ("admissions", _("Hospital admissions entered for the course")),
        ("bed_days", _("Bed days of the finished admissions")),
    ]


def administration_columns(subscales: Sequence[str]) -> list[tuple[str, str]]:
    return [
        ("person", _("Pseudonym of the person, valid only within this export")),
        ("course", _("Pseudonym of the course, valid only within this export")),
        ("instrument", _("Questionnaire (code)")),
        ("version", _("Version of the questionnaire")),
        ("timepoint", _("Timepoint")),
        ("due", _("Due (shifted date)")),
        ("answered", _("Answered (shifted date)")),
        ("status", _("Status")),
        ("answered_by", _("Answered by")),
        ("total", _("Total score")),
        *[(f"subscale_{key}", _("Subscale score: %(name)s") % {"name": key}) for key in subscales],
        ("items_answered", _("Questions answered")),
        ("items_skipped", _("Questions skipped")),
        ("prorated", _("Score prorated for skipped questions (1 = yes)")),
        ("no_score_reason", _("Why there is no score")),
    ]


def course_rows(courses: Sequence[CourseFacts], p: Pseudonymiser) -> list[list[Value]]:
    rows: list[list[Value]] = []
    for c in courses:
        person = c.person_id
        rows.append(
            [
                p.person(person),
                p.course(c.pk),
                c.support_model,
                c.unit_kind,
                c.unit_name,
                c.person_kind,
                c.gender,
                age_band(c.birth_date, c.started_on),
                p.date(person, c.started_on),
                p.date(person, c.admitted_on),
                p.date(person, c.discharged_on),
                p.date(person, c.follow_up_until),
                p.date(person, c.ended_on),
                c.phase,
                c.end_reason,
                c.conversations,
                c.phone_conversations,
                c.minutes,
                c.topics_covered,
                c.group_sessions,
                c.admissions,
                c.bed_days,
            ]
        )
    rows.sort(key=lambda row: (str(row[0]), str(row[8]), str(row[1])))
    return rows


def _number(value: float | None) -> float | int | None:
    if value is None:
        return None
    rounded = round(float(value), 2)
    return int(rounded) if rounded.is_integer() else rounded


def administration_rows(
    administrations: Sequence[AdministrationFacts], subscales: Sequence[str], p: Pseudonymiser
) -> list[list[Value]]:
    rows: list[list[Value]] = []
    for a in administrations:
        person = a.person_id
        rows.append(
            [
                p.person(person),
                p.course(a.course_id),
                a.instrument,
                a.version,
                a.timepoint,
                p.date(person, a.due_on),
                p.date(person, a.answered_on),
                a.status,
                a.answered_by,
                _number(a.total),
                *[_number(a.subscales.get(key)) for key in subscales],
                a.answered,
                a.skipped,
                int(a.prorated),
                a.no_score_reason,
            ]
        )
    rows.sort(key=lambda row: (str(row[0]), str(row[1]), str(row[5]), str(row[2]), str(row[4])))
    return rows


def _codes(choices: Sequence[tuple[str, Any]]) -> list[tuple[str, str]]:
    return [(str(code), str(label)) for code, label in choices]


def codebook(
    courses: list[tuple[str, str]], administrations: list[tuple[str, str]]
) -> list[list[Value]]:
    coded: dict[str, list[tuple[str, str]]] = {
        "support_model": _codes(SupportModel.choices),
        "unit_kind": _codes(UnitKind.choices),
        "person_kind": _codes(PersonKind.choices),
        "gender": _codes(Gender.choices),
        "age_band": [(band, band) for band, _below in AGE_BANDS],
        "phase": _codes(Phase.choices),
        "end_reason": _codes(EndReason.choices),
        "timepoint": _codes(Timepoint.choices),
        "status": _codes(AdministrationStatus.choices),
        "answered_by": _codes(AnsweredBy.choices),
    }
    rows: list[list[Value]] = []
    for table, columns in ((_("Courses"), courses), (_("Questionnaires"), administrations)):
        for name, meaning in columns:
            rows.append([table, name, "", meaning])
            rows.extend([table, name, code, label] for code, label in coded.get(name, []))
    return rows


def build_sections(
    *,
    scope: ExportScope,
    courses: Sequence[CourseFacts],
    administrations: Sequence[AdministrationFacts],
    pseudonymiser: Pseudonymiser,
) -> list[Section]:
    subscales = sorted({key for a in administrations for key in a.subscales})
    course_cols = course_columns()
    administration_cols = administration_columns(subscales)
    about: list[list[Value]] = [
        [_("Purpose"), scope.purpose],
        [_("Created"), scope.created_at],
        [_("The download link expires"), scope.expires_at],
        [_("Courses started from"), scope.started_from],
        [_("Courses started until"), scope.started_to],
        [_("Support models"), ", ".join(scope.support_models) or _("All")],
        [_("Questionnaire"), scope.instrument or _("All")],
        [_("Courses"), len(courses)],
        [_("Questionnaires"), len(administrations)],
        [
            _("Pseudonyms"),
            _(
                "Each person and each course has a pseudonym that holds only within this "
                "export: another export gives the same person another pseudonym."
            ),
        ],
        [
            _("Dates"),
            _(
                "Every date of a person is moved by the same secret number of days (between "
                "%(days)s days back and %(days)s days forward, never 0). The time between two "
                "dates of the same person is kept; the dates themselves are not real."
            )
            % {"days": MAX_SHIFT_DAYS},
        ],
        [
            _("Left out"),
            _(
                "Names, CPR numbers, addresses, contact details, notes and every other free "
                "text, and the answer to each single question."
            ),
        ],
    ]
    return [
        Section(
            title=_("Courses"),
            header=[name for name, _meaning in course_cols],
            rows=course_rows(courses, pseudonymiser),
        ),
        Section(
            title=_("Questionnaires"),
            header=[name for name, _meaning in administration_cols],
            rows=administration_rows(administrations, subscales, pseudonymiser),
        ),
        Section(
            title=_("Codebook"),
            header=[_("Table"), _("Variable"), _("Code"), _("Meaning")],
            rows=codebook(course_cols, administration_cols),
        ),
        Section(title=_("About the export"), header=[_("What"), _("Value")], rows=about),
    ]
