"""The instant the test suite runs at, free of Django so the root conftest can read it early.

Every test runs with the clock frozen here (conftest.py), and `brobygger.testing.TODAY` is its
local date, so nothing in the suite compares a fixed date with the wall clock. CI runs the suite
again with BROBYGGER_TEST_NOW set to each of the awkward instants below.
"""

from __future__ import annotations

import datetime
import os
from zoneinfo import ZoneInfo

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
DEFAULT_INSTANT = "2026-11-25T10:00:00+01:00"

# Instants where code that mixes dates, local times and the wall clock goes wrong.
AWKWARD_INSTANTS = {
    # 01:30 on the night summer time starts: 02:00-03:00 does not exist that day.
    "spring-forward": "2027-03-28T01:30:00+01:00",
    # 02:30 summer time on the night it ends: 02:00-03:00 comes twice.
    "fall-back": "2027-10-31T02:30:00+02:00",
    "new-years-eve": "2027-12-31T23:30:00+01:00",
    "leap-day": "2028-02-29T12:00:00+01:00",
}


def frozen_instant() -> datetime.datetime:
    """The aware instant from BROBYGGER_TEST_NOW (ISO 8601 or a name above), else the default."""
    raw = os.environ.get("BROBYGGER_TEST_NOW", "").strip() or DEFAULT_INSTANT
    raw = AWKWARD_INSTANTS.get(raw, raw)
    instant = datetime.datetime.fromisoformat(raw)
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=COPENHAGEN)
    return instant


def frozen_today() -> datetime.date:
    return frozen_instant().astimezone(COPENHAGEN).date()
