"""Live minutes per source for a set of peers in one month. A constant number of queries.

Rules, the same for every source that has times:
- A month is [local midnight on the 1st, local midnight on the 1st of the next month).
- Something is counted in the month (and on the day) in which it *starts*: a conversation
  from 23:30 to 00:30 over a month's end counts in full in the month it began.
- Minutes are real elapsed minutes between two aware moments, so a conversation across
  the summer-time change is counted as long as it really was.

Sources:
- conversations: held appointments; the minutes the peer logged on the conversation note
  ("minutes, actually") where there is one, else the booked length;
- groups: group sessions the peer facilitated that were not cancelled and have ended (the
  session's own facilitators, so a later change on the group does not move past hours);
- supervision, education: from the workforce app (supervision attended; education hours
  spread over the course's weekdays); interviews: panel time from the recruitment app,
  clipped to the month by that app. Month totals only, no days;
- indirect: the entries in this app; transport: those of them in the category "travel".

`period_totals` is the one count of minutes per source; a month (`live_totals`) is the
period of its days so far (up to and including today). `brobygger.timesheets.hours`
groups the sources into the kinds of hours (direct, indirect, transport, supervision,
education) that every page shows.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping

from django.db.models import DurationField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone

from brobygger.groups.models import GroupSession
from brobygger.lib.dates import TZ, day_start, elapsed_minutes
from brobygger.recruitment.selectors import interview_minutes
from brobygger.scheduling.models import Appointment, AppointmentStatus
from brobygger.workforce.selectors import education_minutes, supervision_minutes

from . import months
from .models import SOURCES, IndirectCategory, IndirectEntry

# Per peer id: per local date: per source: minutes.
Daily = dict[int, dict[datetime.date, dict[str, int]]]
DAILY_SOURCES = ("conversations", "groups", "indirect", "transport")


def _elapsed(start: datetime.datetime, end: datetime.datetime) -> int:
    return elapsed_minutes(start, end)


def daily_minutes(peer_ids: Iterable[int], year: int, month: int) -> Daily:
    """Conversations, group sessions, indirect work and transport per peer per day (three
    queries)."""
    ids = list(peer_ids)
    result: Daily = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    if not ids:
        return result
    start, end = months.bounds(year, month)
    conversations = Appointment.objects.filter(
        peer_id__in=ids,
        status=AppointmentStatus.HELD,
        starts_at__gte=start,
        starts_at__lt=end,
    ).values_list("peer_id", "starts_at", "ends_at", "record__minutes")
    for peer_id, starts_at, ends_at, logged in conversations:
        minutes = _elapsed(starts_at, ends_at) if logged is None else int(logged)
        result[peer_id][starts_at.astimezone(TZ).date()]["conversations"] += minutes
    sessions = GroupSession.objects.filter(
        cancelled=False,
        starts_at__gte=start,
        starts_at__lt=end,
        ends_at__lte=timezone.now(),
        facilitators__in=ids,
    ).values_list("facilitators", "starts_at", "ends_at")
    for peer_id, starts_at, ends_at in sessions:
        result[peer_id][starts_at.astimezone(TZ).date()]["groups"] += _elapsed(starts_at, ends_at)
    entries = IndirectEntry.objects.filter(
        timesheet__peer_id__in=ids, timesheet__year=year, timesheet__month=month
    ).values_list("timesheet__peer_id", "date", "minutes", "category")
    for peer_id, day, minutes, category in entries:
        result[peer_id][day][_indirect_source(category)] += minutes
    return result


def _total_only(
    peer_users: Mapping[int, int], first: datetime.date, last: datetime.date
) -> dict[int, dict[str, int]]:
    """Supervision, education and interviews per peer id over the days first..last."""
    result: dict[int, dict[str, int]] = {pk: {} for pk in peer_users}
    if not peer_users:
        return result
    peer_ids = list(peer_users)
    # Both workforce functions include both days; interview_minutes takes [start, end).
    for pk, minutes in supervision_minutes(peer_ids, first, last).items():
        if pk in result:
            result[pk]["supervision"] = int(minutes)
    for pk, minutes in education_minutes(peer_ids, first, last).items():
        if pk in result:
            result[pk]["education"] = int(minutes)
    by_user = {user_id: pk for pk, user_id in peer_users.items()}
    day_after = last + datetime.timedelta(days=1)
    for user_id, panel_minutes in interview_minutes(list(by_user), first, day_after).items():
        owner = by_user.get(user_id)
        if owner is not None:
            result[owner]["interviews"] = int(panel_minutes)
    return result


def _indirect_source(category: str) -> str:
    return "transport" if category == IndirectCategory.TRAVEL else "indirect"


def _duration() -> ExpressionWrapper:
    return ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())


def _minutes(value: datetime.timedelta | int | None) -> int:
    if isinstance(value, datetime.timedelta):
        return int(value.total_seconds() // 60)
    return int(value or 0)


def period_totals(
    peer_users: Mapping[int, int], first: datetime.date, last: datetime.date
) -> dict[int, dict[str, int]]:
    """Minutes per source per peer id over the local days first..last (both included).

    The same rules as the monthly timesheet, but summed in the database, for reports
    over any period: six queries whatever the number of peers and records.
    """
    totals = {pk: dict.fromkeys(SOURCES, 0) for pk in peer_users}
    if not peer_users or last < first:
        return totals
    ids = list(peer_users)
    start, end = day_start(first), day_start(last + datetime.timedelta(days=1))
    no_note_minutes = Q(record__minutes__isnull=True)
    conversations = (
        Appointment.objects.filter(
            peer_id__in=ids, status=AppointmentStatus.HELD, starts_at__gte=start, starts_at__lt=end
        )
        .order_by()
        .values("peer_id")
        .annotate(logged=Sum("record__minutes"), booked=Sum(_duration(), filter=no_note_minutes))
        .values_list("peer_id", "logged", "booked")
    )
    for pk, logged, booked in conversations:
        totals[pk]["conversations"] = _minutes(logged) + _minutes(booked)
    sessions = (
        GroupSession.objects.filter(
            cancelled=False,
            starts_at__gte=start,
            starts_at__lt=end,
            ends_at__lte=timezone.now(),
            facilitators__in=ids,
        )
        .order_by()
        .values("facilitators")
        .annotate(d=Sum(_duration()))
        .values_list("facilitators", "d")
    )
    for pk, duration in sessions:
        totals[pk]["groups"] = _minutes(duration)
    indirect = (
        IndirectEntry.objects.filter(timesheet__peer_id__in=ids, date__gte=first, date__lte=last)
        .order_by()
        .values("timesheet__peer_id", "category")
        .annotate(m=Sum("minutes"))
        .values_list("timesheet__peer_id", "category", "m")
    )
    for pk, category, minutes in indirect:
        totals[pk][_indirect_source(category)] += _minutes(minutes)
    for pk, per_source in _total_only(peer_users, first, last).items():
        totals[pk].update(per_source)
    return totals


def live_totals(peer_users: Mapping[int, int], year: int, month: int) -> dict[int, dict[str, int]]:
    """Minutes per source per peer id for the month so far, every source present (zero if
    none): the month's days up to and including today, counted by `period_totals`. A
    month still running counts what has happened (education spread over the rest of the
    month comes day by day), as the dashboard counts its period up to today; a month that
    has ended counts all its days, and a month to come nothing."""
    first, last = months.first_day(year, month), months.last_day(year, month)
    return period_totals(peer_users, first, min(last, timezone.localdate()))
