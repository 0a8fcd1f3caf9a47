"""When each support model asks the person to answer the main questionnaire.

DOMAIN.md §6: the main outcome (QPR-15) at start, at discharge and 3 months after
discharge. Installations without QPR-15 (it is loaded by the region, not shipped) use
the project's own experience questionnaire instead. Plain data, no settings: a change
of schedule is a code change that is reviewed and tested.
"""

from __future__ import annotations

import datetime
from typing import Any

# The first of these that is installed is the one scheduled.
MAIN_INSTRUMENT_KEYS: list[str] = ["qpr-15", "oplevelse-af-peerstoette"]

# (timepoint, days after the anchor date of that timepoint)
_ADMITTED_THEN_DISCHARGED = [("start", 0), ("discharge", 0), ("after_3_months", 90)]
SCHEDULES: dict[str, list[tuple[str, int]]] = {
    "individual": _ADMITTED_THEN_DISCHARGED,
    "bridge": _ADMITTED_THEN_DISCHARGED,
    "relative": [("start", 0), ("end", 0)],
    "group": [("start", 0), ("end", 0)],
}

# End reasons that are no end of support: the peer left, and the person goes on with a new
# peer in a successor course (matching.services.hand_over_course) that takes over the
# person's questionnaires. Such a course plans nothing more: no "end" (the person is asked
# when the support ends, not when the peer changes) and no second "start" if synced again.
NOT_AN_END: frozenset[str] = frozenset({"peer_left"})

# How long a link sent to the person works.
LINK_DAYS = 14
# The due list looks this far ahead.
DUE_AHEAD_DAYS = 7


def anchor(course: Any, timepoint: str) -> datetime.date | None:
    """The course date a timepoint counts from, or None while the course has not got there."""
    if timepoint == "start":
        return course.started_on
    if timepoint in ("discharge", "after_3_months"):
        return course.discharged_on
    if timepoint == "end":
        return course.ended_on
    return None


def planned(course: Any) -> list[tuple[str, datetime.date]]:
    """(timepoint, due date) for every administration the course's dates call for now."""
    result: list[tuple[str, datetime.date]] = []
    if getattr(course, "end_reason", "") in NOT_AN_END:
        return result
    for timepoint, days in SCHEDULES.get(course.support_model, []):
        day = anchor(course, timepoint)
        if day is not None:
            result.append((timepoint, day + datetime.timedelta(days=days)))
    return result
