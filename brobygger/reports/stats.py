"""Small statistics for the reports: quantiles, a paired mean change with its confidence
interval, and readmissions. Plain Python (and scipy for the t distribution), no Django."""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

# Means, confidence intervals and medians based on fewer than this many are not shown.
MIN_N = 5


def quantile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile with linear interpolation between order statistics (numpy's default,
    Hyndman & Fan type 7); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Waiting:
    n: int
    median: float | None
    p90: float | None


def waiting(days: Sequence[float]) -> Waiting:
    return Waiting(n=len(days), median=quantile(days, 0.5), p90=quantile(days, 0.9))


@dataclass(frozen=True)
class MeanChange:
    """The mean of paired differences (latest minus first) with a 95 % t interval."""

    n: int
    mean: float | None
    low: float | None
    high: float | None
    sd: float | None

    @property
    def shown(self) -> bool:
        return self.n >= MIN_N and self.mean is not None


def mean_change(n: int, total: float | None, total_squares: float | None) -> MeanChange:
    """From the count, sum and sum of squares of the differences (computed in the database).

    CI: mean ± t(0.975, n-1) · sd / √n, sd the sample standard deviation.
    """
    if n == 0 or total is None:
        return MeanChange(n=n, mean=None, low=None, high=None, sd=None)
    mean = total / n
    if n < 2 or total_squares is None:
        return MeanChange(n=n, mean=mean, low=None, high=None, sd=None)
    variance = max((total_squares - n * mean * mean) / (n - 1), 0.0)
    sd = math.sqrt(variance)
    # scipy.stats.t.ppf is this function (its _ppf), without importing scipy.stats: that
    # import costs a new server process a second on its first report.
    from scipy.special import stdtrit

    half = float(stdtrit(n - 1, 0.975)) * sd / math.sqrt(n)
    return MeanChange(n=n, mean=mean, low=mean - half, high=mean + half, sd=sd)


@dataclass
class Readmissions:
    """Readmissions and bed days of one group of courses (see `count_readmissions`)."""

    within_30: int = 0
    within_90: int = 0
    admissions: int = 0
    bed_days: int = 0
    # Courses discharged in the period, long enough ago to know, and how many came back.
    at_risk_30: int = 0
    readmitted_30: int = 0
    at_risk_90: int = 0
    readmitted_90: int = 0


class AdmissionRow(NamedTuple):
    course_id: int
    course_discharged: datetime.date | None
    admitted_on: datetime.date
    discharged_on: datetime.date | None


def count_readmissions(
    rows: Iterable[AdmissionRow],
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    today: datetime.date,
) -> Readmissions:
    """Readmissions, bed days and courses readmitted, by the definition on the page.

    A readmission is an admission registered for a course that begins 1 to 30 (or 90) days
    after a discharge: the discharge on the course itself or the discharge from an earlier
    registered admission of the same course. It counts in the period it begins in.
    Bed days are the nights in the period spent in registered admissions (one still open
    counts until today). "Courses readmitted" counts courses discharged in the period at
    least 30 (90) days before today with an admission 1 to 30 (90) days after that
    discharge; the courses at risk are counted in the database (see reach.recipients).
    """
    result = Readmissions()
    by_course: dict[int, list[AdmissionRow]] = {}
    for row in rows:
        by_course.setdefault(row.course_id, []).append(row)
    last_night = min(date_to, today)
    for course_rows in by_course.values():
        course_rows.sort(key=lambda r: r.admitted_on)
        discharged = course_rows[0].course_discharged
        previous: datetime.date | None = discharged
        for row in course_rows:
            if date_from <= row.admitted_on <= date_to:
                result.admissions += 1
                if previous is not None and row.admitted_on > previous:
                    gap = (row.admitted_on - previous).days
                    result.within_30 += gap <= 30
                    result.within_90 += gap <= 90
            out = row.discharged_on or today
            nights_from = max(row.admitted_on, date_from)
            nights_to = min(out, last_night + datetime.timedelta(days=1))
            result.bed_days += max((nights_to - nights_from).days, 0)
            if row.discharged_on is not None and (previous is None or row.discharged_on > previous):
                previous = row.discharged_on
        if discharged is None or not date_from <= discharged <= date_to:
            continue
        gaps = [(r.admitted_on - discharged).days for r in course_rows]
        if (today - discharged).days >= 30 and any(0 < g <= 30 for g in gaps):
            result.readmitted_30 += 1
        if (today - discharged).days >= 90 and any(0 < g <= 90 for g in gaps):
            result.readmitted_90 += 1
    return result


def share(part: int, whole: int) -> float | None:
    """Percent, or None when there is nothing to divide by."""
    return 100.0 * part / whole if whole else None
