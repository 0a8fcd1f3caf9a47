"""Dates and times in Europe/Copenhagen, including the summer-time edges."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

TZ = ZoneInfo(settings.TIME_ZONE)
UTC = datetime.UTC


def local_datetime(day: datetime.date, time: datetime.time) -> datetime.datetime:
    """The aware moment of a wall-clock time in Copenhagen.

    Raises ValueError for a time that does not exist (the hour skipped on the last
    Sunday of March). In the repeated hour of the last Sunday of October the first
    occurrence (summer time) is meant.
    """
    naive = datetime.datetime.combine(day, time)
    aware = naive.replace(tzinfo=TZ, fold=0)
    round_trip = aware.astimezone(UTC).astimezone(TZ).replace(tzinfo=None)
    if round_trip != naive:
        raise ValueError(f"{naive} does not exist in {settings.TIME_ZONE}")
    return aware


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of a local day (midnight always exists in Copenhagen)."""
    return datetime.datetime.combine(day, datetime.time()).replace(tzinfo=TZ)


def week_start(day: datetime.date) -> datetime.date:
    """Monday of the ISO week of `day`."""
    return day - datetime.timedelta(days=day.weekday())


def week_bounds(monday: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Start and end (exclusive) of a local week as aware moments (DST-safe)."""
    return day_start(monday), day_start(monday + datetime.timedelta(days=7))


def elapsed_minutes(start: datetime.datetime, end: datetime.datetime) -> int:
    """Whole minutes really elapsed from `start` to `end` (aware datetimes).

    Python subtracts two datetimes that share a tzinfo on the wall clock, so an evening
    across the switch to or from summer time would be an hour off; in UTC it is not.
    """
    elapsed = end.astimezone(datetime.UTC) - start.astimezone(datetime.UTC)
    return int(elapsed.total_seconds() // 60)
