"""Fixed calendar periods for everything published with small numbers hidden or with
persons made anonymous (the funder report, the evaluator's dashboard, the research export).

Hiding a count under 5 protects nothing if the reader may choose any date range: the
counts of 1 January-31 December minus those of 2 January-31 December are the counts of
1 January, and they may be a single person. So such readers get whole calendar years
only. Years never overlap: two different requests cover disjoint periods, and nothing
can be subtracted.

Only one kind of period, on purpose: months and quarters lie inside years, so a year's
count minus the counts of three of its quarters is the fourth quarter's count, however
well each one is hidden on its own. Offering a second kind would reopen exactly that.

Pure module: no Django import.
"""

from __future__ import annotations

import datetime


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    """The first and last day of a calendar year."""
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def whole_years(start: datetime.date, end: datetime.date) -> bool:
    """True if start-end is one or more whole calendar years: 1 January to 31 December."""
    return end >= start and (start.month, start.day) == (1, 1) and (end.month, end.day) == (12, 31)


def whole_year(start: datetime.date, end: datetime.date) -> int | None:
    """The year, if start-end is exactly one calendar year; otherwise None."""
    if whole_years(start, end) and start.year == end.year:
        return start.year
    return None
