"""The sections of a research export: courses, questionnaires, a codebook and a note.

Column names are short, fixed variable names (the same in every language, so analysis
scripts keep working); the codebook explains each one and every code in the
evaluator's language. Rows are sorted by pseudonym, so their order says nothing about
when a person came into the programme.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from brobygger.accounts.models import UnitKind
from brobygger.lib.spreadsheet import Section, Value
from brobygger.lib.suppress import suppress
from brobygger.outcomes.models import AdministrationStatus, AnsweredBy, Timepoint
from brobygger.people.models import Gender, PersonKind
from brobygger.referrals.models import EndReason, Phase, SupportModel

from .anonymity import (
    AGE_BANDS,
    LADDER,
    WIDE_AGE_BANDS,
    WITHHELD,
    Outcome,
    Step,
    age_band,
    anonymise,
    general_age,
    general_date,
    general_gender,
    general_unit,
)
from .pseudonym import Pseudonymiser
from .selectors import AdministrationFacts, CourseFacts


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


@dataclass(frozen=True)
class Release:
    """What may leave: the courses and questionnaires of the persons released, shown
    at the step of the ladder the check chose, and how much was left out."""

    outcome: Outcome[int]
    courses: list[CourseFacts]
    administrations: list[AdministrationFacts]
    withheld_courses: int
    withheld_administrations: int

    @property
    def step(self) -> Step:
        return self.outcome.step

    def summary(self) -> dict[str, Any]:
        """For the export's row and its audit event: no value of any person."""
        step = self.outcome.step
        return {
            "k": self.outcome.k,
            "step": self.outcome.step_number,
            "steps": self.outcome.steps,
            "dates": step.dates,
            "unit": step.unit,
            "age": step.age,
            "gender": step.gender,
            "withheld_persons": len(self.outcome.suppressed),
            "withheld_courses": self.withheld_courses,
            "withheld_administrations": self.withheld_administrations,
        }


def course_identifiers(c: CourseFacts, step: Step) -> tuple[str, ...]:
    """The course's quasi-identifiers as shown at `step`, in the order of the columns
    support_model .. end (without the pseudonyms)."""
    unit_kind, unit = general_unit(c.unit_kind, c.unit_name, step.unit)
    return (
        c.support_model,
        unit_kind,
        unit,
        c.person_kind,
        general_gender(c.gender, step.gender),
        general_age(age_band(c.birth_date, c.started_on), step.age),
        general_date(c.started_on, step.dates, start=True),
        general_date(c.admitted_on, step.dates),
        general_date(c.discharged_on, step.dates),
        general_date(c.follow_up_until, step.dates),
        general_date(c.ended_on, step.dates),
    )


def administration_identifiers(a: AdministrationFacts, step: Step) -> tuple[str, str]:
    """Due and answered, as shown at `step`."""
    return general_date(a.due_on, step.dates), general_date(a.answered_on, step.dates)


def release(
    courses: Sequence[CourseFacts],
    administrations: Sequence[AdministrationFacts],
    *,
    k: int,
    ladder: Sequence[Step] = LADDER,
) -> Release:
    """Check k-anonymity, generalising and leaving persons out as `anonymity` says.

    A person's signature is what could be known about them from outside the programme
    and is published: each of their courses (kind of person, support model, gender, age,
    unit, and the dates of start, admission, discharge, follow-up and end, including
    whether there is one) with the months, quarters or years its questionnaires were due,
    which follow from those dates. The counts, scores, phase and end reason are what
    the research is about and are not part of it; nor is the day a questionnaire was
    answered (shown no finer than the other dates), which only the programme knows.
    Two persons with equal signatures cannot be told apart by what is known of them."""
    by_person: dict[int, list[CourseFacts]] = defaultdict(list)
    for c in sorted(courses, key=lambda c: (c.started_on, c.pk)):
        by_person[c.person_id].append(c)
    by_course: dict[int, list[AdministrationFacts]] = defaultdict(list)
    for a in administrations:
        by_course[a.course_id].append(a)

    def signature(person: int, step: Step) -> Hashable:
        return tuple(
            (
                course_identifiers(c, step),
                tuple(sorted(general_date(a.due_on, step.dates) for a in by_course[c.pk])),
            )
            for c in by_person[person]
        )

    outcome = anonymise(by_person, signature, k=k, ladder=ladder)
    kept_courses = [c for c in courses if c.person_id in outcome.released]
    kept_ids = {c.pk for c in kept_courses}
    kept_administrations = [a for a in administrations if a.course_id in kept_ids]
    return Release(
        outcome=outcome,
        courses=kept_courses,
        administrations=kept_administrations,
        withheld_courses=len(courses) - len(kept_courses),
        withheld_administrations=len(administrations) - len(kept_administrations),
    )


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
        ("start", _("Start of the course (month, quarter or year)")),
        ("admitted", _("Admitted (month, quarter or year)")),
        ("discharged", _("Discharged (month, quarter or year)")),
        ("follow_up_until", _("Follow-up until (month, quarter or year)")),
        ("end", _("End of the course (month, quarter or year; empty while it runs)")),
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
        ("due", _("Due (month, quarter or year)")),
        ("answered", _("Answered (month, quarter or year)")),
        ("status", _("Status")),
        ("answered_by", _("Answered by")),
        ("total", _("Total score")),
        *[(f"subscale_{key}", _("Subscale score: %(name)s") % {"name": key}) for key in subscales],
        ("items_answered", _("Questions answered")),
        ("items_skipped", _("Questions skipped")),
        ("prorated", _("Score prorated for skipped questions (1 = yes)")),
        ("no_score_reason", _("Why there is no score")),
    ]


def course_rows(courses: Sequence[CourseFacts], p: Pseudonymiser, step: Step) -> list[list[Value]]:
    rows: list[list[Value]] = []
    for c in courses:
        rows.append(
            [
                p.person(c.person_id),
                p.course(c.pk),
                *course_identifiers(c, step),
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
    administrations: Sequence[AdministrationFacts],
    subscales: Sequence[str],
    p: Pseudonymiser,
    step: Step,
) -> list[list[Value]]:
    rows: list[list[Value]] = []
    for a in administrations:
        rows.append(
            [
                p.person(a.person_id),
                p.course(a.course_id),
                a.instrument,
                a.version,
                a.timepoint,
                *administration_identifiers(a, step),
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


def _withheld() -> tuple[str, str]:
    return WITHHELD, _("Withheld: shown more finely it would leave fewer than k persons alike")


def codebook(
    courses: list[tuple[str, str]], administrations: list[tuple[str, str]]
) -> list[list[Value]]:
    wide = sorted(set(WIDE_AGE_BANDS.values()) - {band for band, _below in AGE_BANDS})
    dates = [
        ("2026-03", _("A month (here March 2026)")),
        ("2026-Q1", _("A quarter (here January to March 2026)")),
        ("2026", _("A year")),
        _withheld(),
    ]
    coded: dict[str, list[tuple[str, str]]] = {
        "support_model": _codes(SupportModel.choices),
        "unit_kind": [*_codes(UnitKind.choices), _withheld()],
        "unit": [_withheld()],
        "person_kind": _codes(PersonKind.choices),
        "gender": [*_codes(Gender.choices), _withheld()],
        "age_band": [
            *[(band, band) for band, _below in AGE_BANDS],
            *[(band, _("%(band)s (a wide band)") % {"band": band}) for band in wide],
            _withheld(),
        ],
        **dict.fromkeys(
            ("start", "admitted", "discharged", "follow_up_until", "end", "due", "answered"),
            dates,
        ),
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


def step_description(step: Step) -> str:
    """The generalisation of a step in words, for the file and the export's page."""
    dates = {
        "month": _("dates by month"),
        "quarter": _("dates by quarter"),
        "year": _("dates by year"),
        "start_year": _("the year the course started; other dates withheld"),
    }[step.dates]
    unit = {
        "unit": _("the unit"),
        "kind": _("the kind of unit only"),
        "withheld": _("unit withheld"),
    }[step.unit]
    age = {
        "band": _("age in bands"),
        "wide": _("age in wide bands"),
        "withheld": _("age withheld"),
    }[step.age]
    gender = {"shown": _("gender shown"), "withheld": _("gender withheld")}[step.gender]
    return ", ".join([dates, unit, age, gender])


def anonymity_rows(summary: dict[str, Any]) -> list[list[Value]]:
    """What the k-anonymity check did, in words: the readme of the export."""
    step = Step(
        dates=summary["dates"], unit=summary["unit"], age=summary["age"], gender=summary["gender"]
    )
    return [
        [
            _("Anonymity"),
            _(
                "Every combination of kind of person, support model, gender, age, unit, "
                "dates of the courses and due dates of the questionnaires in this export "
                "(all of a person's courses taken together) is shared by at least %(k)s "
                "persons."
            )
            % {"k": summary["k"]},
        ],
        [
            _("Generalisation"),
            _("Step %(step)s of %(steps)s: %(what)s.")
            % {"step": summary["step"], "steps": summary["steps"], "what": step_description(step)},
        ],
        [
            _("Left out"),
            _(
                "%(courses)s courses of %(persons)s persons and their %(questionnaires)s "
                "questionnaires: fewer than %(k)s persons shared their values even at this step."
            )
            # Counts of persons for an evaluator: small ones as "<5", like every report
            # (brobygger.lib.suppress); the exact numbers stay in the audit event.
            % {
                "courses": suppress(summary["withheld_courses"]),
                "persons": suppress(summary["withheld_persons"]),
                "questionnaires": suppress(summary["withheld_administrations"]),
                "k": summary["k"],
            },
        ],
    ]


def build_sections(
    *,
    scope: ExportScope,
    released: Release,
    pseudonymiser: Pseudonymiser,
) -> list[Section]:
    courses, administrations = released.courses, released.administrations
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
                "No day is shown: every date is a month, a quarter or a year, as the "
                "generalisation below says."
            ),
        ],
        *anonymity_rows(released.summary()),
        [
            _("Not included"),
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
            rows=course_rows(courses, pseudonymiser, released.step),
        ),
        Section(
            title=_("Questionnaires"),
            header=[name for name, _meaning in administration_cols],
            rows=administration_rows(administrations, subscales, pseudonymiser, released.step),
        ),
        Section(
            title=_("Codebook"),
            header=[_("Table"), _("Variable"), _("Code"), _("Meaning")],
            rows=codebook(course_cols, administration_cols),
        ),
        Section(title=_("About the export"), header=[_("What"), _("Value")], rows=about),
    ]
