"""k-anonymity for the research export: no released person is one of fewer than k.

A pseudonym hides the name, not the person: the kind of person, the support model, the
gender, the age, the unit and the dates of a course (the quasi-identifiers) can single
out one person to anyone who knows those facts about them. So before an export is
released, the persons are put in groups with the same published quasi-identifiers, and
every group must hold at least k persons.

Groups are of persons, not rows: a person's pseudonym ties all their courses and
questionnaires together, so the published values of all of them together are what
must be shared with k - 1 others.

To get there, the values are generalised along one fixed ladder (`LADDER`), a step at a
time: unit to kind of unit, dates to quarters and years, age to wide bands, and so on,
each step coarser than the one before in every respect. The export takes the first step
at which the persons left in too small groups are at most `MAX_SUPPRESSED_SHARE` of all,
and leaves those persons out (suppression); if no step gets there, the first step that
leaves out the fewest (climbing further would only lose detail).

Why a ladder and not the best of all combinations: an evaluator may make many exports.
Two exports generalised in ways that do not contain each other (one with dates by month
and no unit, the other with the unit and dates by year) can be joined on their other
columns and together single out someone neither does alone. On a ladder any two steps
are one coarser than the other, so joining two exports never tells more than the finer
one, which was k-anonymous on its own.

The year a course started is shown at every step, and exports cover whole calendar
years (brobygger.lib.periods), so every group lies within one year and one support
model: whatever years and models an export covers, a person is released or left out
for the same reason, and two exports cannot be subtracted to find who started on a
certain day.

Pure module: no Django import.
"""

from __future__ import annotations

import datetime
import math
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

SMALLEST_K = 5
MAX_SUPPRESSED_SHARE = 0.05
WITHHELD = "*"

# How each quasi-identifier can be shown, finest first.
DATES = ("month", "quarter", "year", "start_year")
UNITS = ("unit", "kind", "withheld")
AGES = ("band", "wide", "withheld")
GENDERS = ("shown", "withheld")

# Ages at the start of the course: the export's bands, and the wide bands they make up.
AGE_BANDS = (("0-17", 18), ("18-29", 30), ("30-44", 45), ("45-59", 60), ("60+", None))
WIDE_AGE_BANDS = {"0-17": "0-29", "18-29": "0-29", "30-44": "30-59", "45-59": "30-59", "60+": "60+"}


@dataclass(frozen=True)
class Step:
    dates: str
    unit: str
    age: str
    gender: str

    def coarser_or_equal(self, other: Step) -> bool:
        """True if every quasi-identifier is shown at least as coarsely as in `other`."""
        return (
            DATES.index(self.dates) >= DATES.index(other.dates)
            and UNITS.index(self.unit) >= UNITS.index(other.unit)
            and AGES.index(self.age) >= AGES.index(other.age)
            and GENDERS.index(self.gender) >= GENDERS.index(other.gender)
        )


LADDER: tuple[Step, ...] = (
    Step(dates="month", unit="unit", age="band", gender="shown"),
    Step(dates="month", unit="kind", age="band", gender="shown"),
    Step(dates="quarter", unit="kind", age="band", gender="shown"),
    Step(dates="quarter", unit="kind", age="wide", gender="shown"),
    Step(dates="year", unit="kind", age="wide", gender="shown"),
    Step(dates="year", unit="withheld", age="wide", gender="shown"),
    Step(dates="start_year", unit="withheld", age="wide", gender="shown"),
    Step(dates="start_year", unit="withheld", age="withheld", gender="shown"),
    Step(dates="start_year", unit="withheld", age="withheld", gender="withheld"),
)


def age_band(birth_date: datetime.date | None, on: datetime.date) -> str:
    if birth_date is None:
        return ""
    age = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    for band, below in AGE_BANDS:
        if below is None or age < below:
            return band
    return ""  # pragma: no cover - the last band has no upper bound


def general_age(band: str, level: str) -> str:
    if not band or level == "band":
        return band
    return WIDE_AGE_BANDS[band] if level == "wide" else WITHHELD


def general_unit(kind: str, name: str, level: str) -> tuple[str, str]:
    """(kind of unit, unit) as shown; empty stays empty (no unit is no secret)."""
    if level == "unit":
        return kind, name
    hidden_name = WITHHELD if name else ""
    if level == "kind":
        return kind, hidden_name
    return (WITHHELD if kind else ""), hidden_name


def general_gender(gender: str, level: str) -> str:
    return gender if level == "shown" or not gender else WITHHELD


def general_date(day: datetime.date | None, level: str, *, start: bool = False) -> str:
    """A date as shown: "2026-03", "2026-Q1", "2026", or withheld ("*"); none is "".

    At "start_year" the start of a course shows its year and every other date is
    withheld."""
    if day is None:
        return ""
    if level == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if level == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    if level == "year" or start:
        return f"{day.year:04d}"
    return WITHHELD


K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Outcome(Generic[K]):
    k: int
    step_number: int  # 1-based, for people
    steps: int
    step: Step
    released: frozenset[K]
    suppressed: frozenset[K]


def smallest_groups(signatures: dict[K, Hashable], k: int) -> set[K]:
    """The persons whose signature fewer than k persons share."""
    sizes = Counter(signatures.values())
    return {person for person, signature in signatures.items() if sizes[signature] < k}


def anonymise(
    persons: Iterable[K],
    signature: Callable[[K, Step], Hashable],
    *,
    k: int,
    ladder: Sequence[Step] = LADDER,
    max_suppressed_share: float = MAX_SUPPRESSED_SHARE,
) -> Outcome[K]:
    """Climb the ladder to the first step at which few enough persons must be left out;
    if none gets there, the first step that leaves out the fewest.

    `signature(person, step)` is everything published about the person that could
    identify them, as shown at that step: persons with equal signatures are one group.
    Coarser steps only merge groups, so the persons left out never grow up the ladder.
    """
    if k < SMALLEST_K:
        raise ValueError(f"k must be at least {SMALLEST_K}, not {k}")
    if not ladder:
        raise ValueError("the ladder needs at least one step")
    everyone = list(dict.fromkeys(persons))
    allowed = math.floor(max_suppressed_share * len(everyone))
    best: tuple[int, set[K]] | None = None
    for index, step in enumerate(ladder):
        small = smallest_groups({p: signature(p, step) for p in everyone}, k)
        if best is None or len(small) < len(best[1]):
            best = (index, small)
        if len(small) <= allowed:
            break
    assert best is not None
    index, small = best
    return Outcome(
        k=k,
        step_number=index + 1,
        steps=len(ladder),
        step=ladder[index],
        released=frozenset(p for p in everyone if p not in small),
        suppressed=frozenset(small),
    )
