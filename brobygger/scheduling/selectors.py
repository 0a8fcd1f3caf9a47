"""Reads for booking and calendars: free slots, a peer's week, all peers' load."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import holidays
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from brobygger.lib.dates import (
    TZ,
    day_start,
    local_datetime,
    week_bounds,
)
from brobygger.lib.when import format_period, format_when
from brobygger.people.models import PeerWorker, Person

from .models import (
    Appointment,
    AvailabilityException,
    AvailabilityWindow,
    ExceptionKind,
    Weekday,
)

SLOT_STEP = datetime.timedelta(minutes=15)
PART_OF_DAY = {"morning": (6, 12), "afternoon": (12, 17), "evening": (17, 22)}


def _danish_holidays(years: set[int]) -> holidays.HolidayBase:
    return holidays.Denmark(years=sorted(years), language="da")


def free_slots(
    peer: PeerWorker,
    person: Person,
    *,
    days: int = 14,
    minutes: int = 45,
    start: datetime.date | None = None,
    limit: int = 40,
    part_of_day: str = "",
) -> list[datetime.datetime]:
    """Times the peer is available and neither the peer nor the person is booked.

    Weekly windows, minus holidays and away days, plus one-off extra time; every
    quarter of an hour; only times that fit the person's preferred part of the day.
    """
    first = start or timezone.localdate()
    last = first + datetime.timedelta(days=days)
    windows: dict[int, list[tuple[datetime.time, datetime.time]]] = defaultdict(list)
    for w in AvailabilityWindow.objects.filter(peer=peer):
        windows[w.weekday].append((w.start_time, w.end_time))
    entries = list(
        AvailabilityException.objects.filter(peer=peer).touching(
            first, last - datetime.timedelta(days=1)
        )
    )
    range_start, range_end = day_start(first), day_start(last)
    busy = list(
        Appointment.objects.active()
        .overlapping(range_start, range_end)
        .filter(Q(peer=peer) | Q(person=person))
        .values_list("starts_at", "ends_at")
    )
    closed = _danish_holidays({first.year, last.year})
    now = timezone.now()
    length = datetime.timedelta(minutes=minutes)
    hours = PART_OF_DAY.get(part_of_day or getattr(person, "preferred_times", ""), (0, 24))
    slots: list[datetime.datetime] = []
    day = first
    while day < last and len(slots) < limit:
        spans, away = _day_plan(day, windows, entries, closed)
        for span_start, span_end in sorted(spans):
            try:
                moment = local_datetime(day, span_start)
                span_stop = local_datetime(day, span_end)
            except ValueError:
                continue  # a window inside the skipped summer-time hour
            while moment + length <= span_stop and len(slots) < limit:
                end = moment + length
                local = moment.astimezone(TZ)
                if (
                    moment >= now
                    and hours[0] <= local.hour < hours[1]
                    and not any(s < end and e > moment for s, e in busy)
                    and not _is_away(local, end.astimezone(TZ), away)
                ):
                    slots.append(moment)
                moment += SLOT_STEP
        day += datetime.timedelta(days=1)
    return slots


def _day_plan(
    day: datetime.date,
    windows: dict[int, list[tuple[datetime.time, datetime.time]]],
    entries: list[AvailabilityException],
    closed: holidays.HolidayBase,
) -> tuple[list[tuple[datetime.time, datetime.time]], list[AvailabilityException]]:
    """The peer's working spans on `day` (weekly windows, none on a public holiday, plus
    extra time) and the absences that touch it."""
    today = [e for e in entries if e.starts_on <= day <= e.ends_on]
    spans = [] if day in closed else list(windows.get(day.weekday(), []))
    for e in today:
        if e.kind == ExceptionKind.EXTRA and e.start_time and e.end_time:
            spans.append((e.start_time, e.end_time))
    return spans, [e for e in today if e.kind != ExceptionKind.EXTRA]


def _is_away(
    start: datetime.datetime, end: datetime.datetime, away: list[AvailabilityException]
) -> bool:
    return any(_away_clashes(e, start, end) for e in away)


def _away_clashes(
    e: AvailabilityException, start: datetime.datetime, end: datetime.datetime
) -> bool:
    """Whether an absence takes [start, end) (local times on one of its days)."""
    if e.start_time is None or e.end_time is None:
        return True
    return start.time() < e.end_time and (end.time() > e.start_time or end.date() > start.date())


@dataclass(frozen=True)
class Problem:
    """One reason a time does not suit a peer: a code for the audit trail, words for people."""

    code: str  # "away", "public_holiday", "outside_hours"
    message: str


def availability_problems(
    peer: PeerWorker, starts_at: datetime.datetime, ends_at: datetime.datetime
) -> list[Problem]:
    """Why the peer should not be put in the agenda from `starts_at` to `ends_at`, in words
    for the booker: away (holiday, sickness, time off), a Danish public holiday, or outside
    the weekly hours and extra time. Empty when the time is fine. Absences count for
    everyone; a peer with no weekly hours at all is held to none, public holidays included
    (they close the weekly hours, as in `free_slots`).

    The one check for every path that books a peer (conversations, group sessions); the
    booker may go ahead with a reason (scheduling.services.check_availability).
    """
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    first = start.date()
    last = timezone.localdate(ends_at - datetime.timedelta(microseconds=1))
    problems: list[Problem] = []
    name = peer.name
    entries = list(AvailabilityException.objects.filter(peer=peer).touching(first, last))
    for e in entries:
        if e.kind == ExceptionKind.EXTRA or not _away_clashes(e, start, end):
            continue
        problems.append(Problem("away", _away_message(name, e)))
    windows: dict[int, list[tuple[datetime.time, datetime.time]]] = defaultdict(list)
    for weekday, w_start, w_end in windows_of(peer):
        windows[weekday].append((w_start, w_end))
    if not windows:
        return problems
    closed = _danish_holidays({first.year, last.year})
    day = first
    while day <= last:
        if day in closed:
            words = _("%(day)s is a public holiday (%(holiday)s).") % {
                "day": format_when(day, "weekday_day_month"),
                "holiday": closed.get(day),
            }
            problems.append(Problem("public_holiday", words))
        day += datetime.timedelta(days=1)
    if first not in closed:
        spans, _away = _day_plan(first, windows, entries, closed)
        inside = last == first and any(s <= start.time() and end.time() <= e for s, e in spans)
        if not inside:
            words = _hours_message(name, first, windows.get(first.weekday(), []))
            problems.append(Problem("outside_hours", words))
    return problems


def _span(start: datetime.time, end: datetime.time) -> str:
    return f"{format_when(start, 'time')}\u2013{format_when(end, 'time')}"


def _away_message(name: str, e: AvailabilityException) -> str:
    period = format_period(e.starts_on, e.ends_on)
    if e.start_time is not None and e.end_time is not None:
        period = f"{period} {_span(e.start_time, e.end_time)}"
    if e.kind == ExceptionKind.HOLIDAY:
        words = _("%(name)s is on holiday %(period)s.")
    elif e.kind == ExceptionKind.SICK:
        words = _("%(name)s is off sick %(period)s.")
    else:
        words = _("%(name)s is not available %(period)s.")
    return words % {"name": name, "period": period}


def _hours_message(
    name: str, day: datetime.date, spans: list[tuple[datetime.time, datetime.time]]
) -> str:
    weekday = str(Weekday(day.weekday()).label)
    if not (translation.get_language() or "da").startswith("en"):
        weekday = weekday.lower()  # Danish writes weekdays in lower case mid-sentence
    if not spans:
        return _("%(name)s does not work on %(weekday)s.") % {
            "name": name,
            "weekday": weekday,
        }
    hours = ", ".join(_span(s, e) for s, e in sorted(spans))
    return _("Outside %(name)s's working hours: %(weekday)s %(hours)s.") % {
        "name": name,
        "weekday": weekday,
        "hours": hours,
    }


def load_chart(
    load: list[dict[str, Any]], *, width: int = 640, row_height: int = 28
) -> dict[str, Any]:
    """Geometry for an SVG bar chart of next week's hours against each contract band."""
    if not load:
        return {"bars": [], "width": width, "height": 40}
    label_width, scale_max = (
        170,
        max(
            [float(r["peer"].hours_max) for r in load]
            + [float(r["weeks"][0]["hours"]) for r in load]
        )
        or 1.0,
    )
    plot = width - label_width - 50
    bars = []
    for i, row in enumerate(load):
        hours = float(row["weeks"][0]["hours"])
        peer = row["peer"]
        y = 10 + i * row_height
        bars.append(
            {
                "name": peer.name,
                "y": y,
                "text_y": y + row_height / 2 + 4,
                "x": label_width,
                "width": round(plot * hours / scale_max, 1),
                "band_x": label_width + round(plot * float(peer.hours_min) / scale_max, 1),
                "band_width": round(plot * float(peer.hours_max - peer.hours_min) / scale_max, 1),
                "hours": f"{hours:.1f}".replace(".", ","),
                "over": row["weeks"][0]["over"],
                "value_x": label_width + round(plot * hours / scale_max, 1) + 6,
                "bar_height": row_height - 10,
            }
        )
    return {"bars": bars, "width": width, "height": 20 + len(load) * row_height}


def day_overview(peers: Iterable[PeerWorker], monday: datetime.date) -> list[dict[str, Any]]:
    """The coordinator's week across peers: (day, conversations) per peer, and the week's
    total (a phone shows a peer's card with the days that have any, and the total)."""
    peer_list = list(peers)
    start, end = week_bounds(monday)
    counts: dict[tuple[int, datetime.date], int] = defaultdict(int)
    for peer_id, s in (
        Appointment.objects.active()
        .filter(peer__in=peer_list)
        .overlapping(start, end)
        .values_list("peer_id", "starts_at")
    ):
        counts[(peer_id, timezone.localtime(s).date())] += 1
    days = [monday + datetime.timedelta(days=i) for i in range(7)]
    rows = []
    for p in peer_list:
        per_day = [(d, counts[(p.pk, d)]) for d in days]
        rows.append({"peer": p, "days": per_day, "total": sum(n for _d, n in per_day)})
    return rows


WEEKDAYS = Weekday.choices


def windows_of(peer: PeerWorker) -> list[tuple[int, datetime.time, datetime.time]]:
    return list(
        AvailabilityWindow.objects.filter(peer=peer).values_list(
            "weekday", "start_time", "end_time"
        )
    )


def overlapping_exception(
    peer: PeerWorker,
    starts_on: datetime.date,
    ends_on: datetime.date,
    start_time: datetime.time | None,
    end_time: datetime.time | None,
) -> AvailabilityException | None:
    """An entry of the peer that shares time with this one: any day in common, unless both
    are hours on the same day that do not meet."""
    for e in AvailabilityException.objects.filter(peer=peer).touching(starts_on, ends_on):
        if e.start_time is None or e.end_time is None or start_time is None or end_time is None:
            return e
        if start_time < e.end_time and e.start_time < end_time:
            return e
    return None


def upcoming_exceptions(peer: PeerWorker) -> QuerySet[AvailabilityException]:
    """What is not over yet: a holiday that began last week is still shown."""
    return AvailabilityException.objects.filter(peer=peer, ends_on__gte=timezone.localdate())


def coordinator_peers(user: Any, *, unit_pk: str = "") -> QuerySet[PeerWorker]:
    """The planning page's peers with the fields it shows (it pages them: issue 19)."""
    peers = PeerWorker.objects.visible_to(user).active()
    if unit_pk.isdigit() and len(unit_pk) < 10:
        peers = peers.filter(units__pk=int(unit_pk))
    return (
        peers.select_related("user")
        .only("hours_min", "hours_max", "user__first_name", "user__last_name", "user__username")
        .order_by("user__first_name", "user__last_name", "pk")
    )


def export_person(person: Person) -> dict[str, list[dict[str, Any]]]:
    """The person's appointments and the reminders sent about them (GDPR art. 15)."""
    from brobygger.lib.export import rows

    from .models import Appointment, Reminder

    return {
        "scheduling.Appointment": rows(
            Appointment.objects.filter(person=person)
            .select_related("peer__user", "course", "person")
            .order_by("starts_at", "pk")
        ),
        "scheduling.Reminder": rows(
            Reminder.objects.filter(appointment__person=person)
            .select_related("appointment")
            .order_by("sent_at", "pk")
        ),
    }
