"""k-anonymity of the research export: nobody released is one of fewer than k alike.

The database tests build Dora and her twins (five alike) beside the cast's Alice and Bob
(each alone); the property tests throw random programmes at the check and read the
groups back from the files themselves."""

from __future__ import annotations

import datetime
import itertools
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brobygger.accounts.models import UnitKind
from brobygger.referrals.models import Course
from brobygger.research.anonymity import (
    LADDER,
    MAX_SUPPRESSED_SHARE,
    WITHHELD,
    anonymise,
    general_date,
)
from brobygger.research.pseudonym import Pseudonymiser
from brobygger.research.selectors import AdministrationFacts, CourseFacts
from brobygger.research.tables import ExportScope, build_sections, release
from brobygger.research.views import TOKENS_SESSION_KEY
from brobygger.testing import TODAY, make_unit

from .helpers import TWINS, build_dora, csv_bytes, table, twin
from .test_exports import ALIKE, YEAR, ExportTestCase

K = 5
IDENTIFYING = (
    "support_model",
    "unit_kind",
    "unit",
    "person_kind",
    "gender",
    "age_band",
    "start",
    "admitted",
    "discharged",
    "follow_up_until",
    "end",
)


def group_sizes(courses: list[dict[str, str]], questionnaires: list[dict[str, str]]) -> Counter:
    """Persons per group, read from the files as an attacker would: everything identifying
    published about a person, all their courses and questionnaires together (the day a
    questionnaire was answered is no quasi-identifier: only the programme knows it)."""
    dates: dict[str, list[str]] = defaultdict(list)
    for q in questionnaires:
        dates[q["course"]].append(q["due"])
    per_person: dict[str, list[Any]] = defaultdict(list)
    for c in courses:
        per_person[c["person"]].append(
            (tuple(c[name] for name in IDENTIFYING), tuple(sorted(dates[c["course"]])))
        )
    return Counter(tuple(sorted(rows)) for rows in per_person.values())


class KAnonymityTests(ExportTestCase):
    def test_a_person_alone_in_their_group_is_never_released(self):
        # Alice and Bob each have a combination of their own: before the check, both
        # were in the file for anyone who knows it to find.
        export, _token = self.make()
        courses, questionnaires = table(csv_bytes(export), 0), table(csv_bytes(export), 1)
        sizes = group_sizes(courses, questionnaires)
        self.assertEqual(sorted(sizes.values()), [ALIKE])
        self.assertFalse([c for c in courses if c["conversations"] == "0"])  # Alice's, Bob's
        self.assertEqual(
            {k: export.anonymity[k] for k in ("k", "step", "withheld_courses", "withheld_persons")},
            {"k": K, "step": 1, "withheld_courses": 2, "withheld_persons": 2},
        )
        about = {row["Hvad"]: row["Værdi"] for row in table(csv_bytes(export), 3)}
        self.assertIn("mindst 5 personer", about["Anonymitet"])
        self.assertIn("Trin 1 af 9", about["Generalisering"])
        # Two courses of two persons left out: small counts, shown as in every report.
        self.assertIn("<5 forløb hos <5 personer", about["Udeladt"])

    def test_k_below_5_is_refused(self):
        with self.assertRaises(ValueError):
            anonymise([1, 2, 3], lambda person, step: person, k=4)

    def test_the_page_of_the_export_says_what_was_done(self):
        self.login(self.evaluator)
        response = self.client.post(
            reverse("research:export_list"),
            {"first_year": YEAR, "last_year": YEAR, "purpose": "Evaluering, projekt 2026-17"},
        )
        self.assertEqual(response.status_code, 302)
        detail = self.client.get(response["Location"])
        self.assertContains(detail, "mindst 5 personer")
        self.assertContains(detail, "Trin 1 af 9")
        self.assertContains(detail, "&lt;5 forløb hos &lt;5 personer")
        self.assertTrue(self.client.session[TOKENS_SESSION_KEY])


class GeneralisationTests(ExportTestCase):
    """One twin on another ward: the unit must go, the kind of unit may stay."""

    moved: Course

    @classmethod
    def setUpTestData(cls) -> None:
        super(ExportTestCase, cls).setUpTestData()
        ward = make_unit("Afsnit R2", kind=UnitKind.WARD)
        cls.moved = build_dora(cls, n=TWINS + 1, unit=ward, **twin(TWINS + 1))

    def test_the_unit_is_generalised_to_its_kind(self):
        export, _token = self.make()
        courses, questionnaires = table(csv_bytes(export), 0), table(csv_bytes(export), 1)
        # Dora, three twins on her ward and one on the other: five alike only without
        # the unit; Alice and Bob stay alone however coarse.
        self.assertEqual(export.anonymity["step"], 2)
        self.assertEqual(len(courses), ALIKE + 1)
        self.assertEqual({(c["unit_kind"], c["unit"]) for c in courses}, {("ward", WITHHELD)})
        self.assertEqual({c["start"] for c in courses}, {f"{self.dora_course.started_on:%Y-%m}"})
        self.assertEqual(sorted(group_sizes(courses, questionnaires).values()), [ALIKE + 1])
        codebook = table(csv_bytes(export), 2)
        self.assertIn(("unit", WITHHELD), {(row["Variabel"], row["Kode"]) for row in codebook})


# Property tests: random programmes, without the database.

DAYS = st.dates(min_value=datetime.date(2025, 1, 1), max_value=datetime.date(2026, 12, 31))


def days_after(start: datetime.date) -> Callable[[int], datetime.date]:
    return lambda days: start + datetime.timedelta(days=days)


@st.composite
def programmes(draw: Any) -> tuple[list[CourseFacts], list[AdministrationFacts]]:
    courses: list[CourseFacts] = []
    administrations: list[AdministrationFacts] = []
    persons = draw(st.integers(min_value=1, max_value=40))
    for person in range(1, persons + 1):
        kind = draw(st.sampled_from(["patient", "relative"]))
        gender = draw(st.sampled_from(["female", "male", ""]))
        born = draw(st.sampled_from([None, datetime.date(1960, 5, 1), datetime.date(1990, 1, 1)]))
        for _n in range(draw(st.integers(min_value=1, max_value=2))):
            pk = len(courses) + 1
            start = draw(DAYS)
            later = st.one_of(st.none(), st.integers(0, 200).map(days_after(start)))
            unit = draw(
                st.sampled_from([("ward", "R1"), ("ward", "R2"), ("clinic", "A"), ("", "")])
            )
            courses.append(
                CourseFacts(
                    pk=pk,
                    person_id=person,
                    person_kind=kind,
                    gender=gender,
                    birth_date=born,
                    unit_kind=unit[0],
                    unit_name=unit[1],
                    support_model=draw(st.sampled_from(["individual", "bridge"])),
                    phase="discharged",
                    end_reason="",
                    started_on=start,
                    admitted_on=draw(later),
                    discharged_on=draw(later),
                    follow_up_until=draw(later),
                    ended_on=draw(later),
                    conversations=draw(st.integers(0, 9)),
                )
            )
            for timepoint in draw(st.lists(st.sampled_from(["start", "discharge"]), max_size=2)):
                administrations.append(
                    AdministrationFacts(
                        pk=len(administrations) + 1,
                        course_id=pk,
                        person_id=person,
                        instrument="eget",
                        version=1,
                        timepoint=timepoint,
                        due_on=start,
                        answered_on=draw(later),
                        status="completed",
                        answered_by="self",
                        total=None,
                        subscales={},
                        answered=0,
                        skipped=0,
                        prorated=False,
                        no_score_reason="",
                    )
                )
    return courses, administrations


def read(sections: list[Any], index: int) -> list[dict[str, str]]:
    header = sections[index].header
    return [
        {name: "" if value is None else str(value) for name, value in zip(header, row, strict=True)}
        for row in sections[index].rows
    ]


SCOPE = ExportScope(
    purpose="Egenskabstest",
    created_at=datetime.datetime(2026, 11, 25, tzinfo=datetime.UTC),
    expires_at=datetime.datetime(2026, 11, 26, tzinfo=datetime.UTC),
    started_from=datetime.date(2025, 1, 1),
    started_to=datetime.date(2026, 12, 31),
    support_models=[],
    instrument="",
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programmes(), st.integers(min_value=K, max_value=8))
def test_every_group_in_the_files_holds_at_least_k_persons(programme, k):
    courses, administrations = programme
    released = release(courses, administrations, k=k)
    sections = build_sections(
        scope=SCOPE, released=released, pseudonymiser=Pseudonymiser(key=b"p" * 32)
    )
    course_rows, questionnaire_rows = read(sections, 0), read(sections, 1)
    assert all(size >= k for size in group_sizes(course_rows, questionnaire_rows).values())
    # Everyone is either released with all their rows, or left out with all of them.
    outcome = released.outcome
    assert outcome.released | outcome.suppressed == {c.person_id for c in courses}
    assert not outcome.released & outcome.suppressed
    assert {c.person_id for c in released.courses} == outcome.released
    assert len(course_rows) + released.withheld_courses == len(courses)
    assert len(questionnaire_rows) + released.withheld_administrations == len(administrations)
    # The ladder is climbed no further than needed: every finer step leaves out more
    # persons, and more than the share allowed.
    if outcome.step_number > 1:
        finer = release(courses, administrations, k=k, ladder=LADDER[: outcome.step_number - 1])
        allowed = int(MAX_SUPPRESSED_SHARE * len(outcome.released | outcome.suppressed))
        assert len(finer.outcome.suppressed) > max(allowed, len(outcome.suppressed))


def test_the_ladder_only_ever_gets_coarser():
    # Two exports at different steps can be joined on their other columns; on a ladder
    # that never tells more than the finer of the two.
    for finer, coarser in itertools.pairwise(LADDER):
        assert coarser.coarser_or_equal(finer) and coarser != finer
    assert LADDER[0].dates == "month"  # never a day


@pytest.mark.parametrize(
    ("level", "shown"),
    [("month", "2026-02"), ("quarter", "2026-Q1"), ("year", "2026"), ("start_year", WITHHELD)],
)
def test_dates_are_never_shown_to_the_day(level, shown):
    day = datetime.date(2026, 2, 17)
    assert general_date(day, level) == shown
    assert general_date(day, "start_year", start=True) == "2026"
    assert general_date(None, level) == ""
    assert TODAY.isoformat() not in general_date(TODAY, level)
