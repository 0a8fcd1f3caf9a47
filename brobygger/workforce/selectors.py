"""Reads for the workforce pages and for other apps (timesheets): constant query counts."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.paginator import Page
from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.utils import timezone

from brobygger.lib.dates import day_start
from brobygger.lib.paging import page_of
from brobygger.people.models import EducationStatus, PeerDeparture, PeerPause, PeerWorker
from brobygger.referrals.models import Course

from .models import (
    AttendanceStatus,
    EducationRecord,
    EducationRecordStatus,
    SupervisionAttendance,
    SupervisionGroup,
    SupervisionSession,
)

# -- minutes for timesheets -------------------------------------------------------


def supervision_minutes(
    peer_ids: Iterable[int], start: datetime.date, end: datetime.date
) -> dict[int, int]:
    """Minutes of supervision each peer attended (marked present) from `start` to `end`.

    Both days are included; a session counts on its local (Copenhagen) start date.
    Absent, sent word and not yet recorded count nothing. Every id asked for is in the
    answer, with 0 when there is nothing. One query.
    """
    ids = list(peer_ids)
    result = dict.fromkeys(ids, 0)
    if not ids or end < start:
        return result
    rows = (
        SupervisionAttendance.objects.filter(
            peer_id__in=ids,
            status=AttendanceStatus.PRESENT,
            session__starts_at__gte=day_start(start),
            session__starts_at__lt=day_start(end + datetime.timedelta(days=1)),
        )
        .values("peer_id")
        .annotate(total=Sum("session__minutes"))
    )
    for row in rows:
        result[row["peer_id"]] = int(row["total"] or 0)
    return result


def _course_days(record: EducationRecord) -> list[datetime.date]:
    """The weekdays (Monday to Friday) of the course; every day if it has none."""
    span = (record.ends_on - record.starts_on).days + 1
    days = [record.starts_on + datetime.timedelta(days=n) for n in range(span)]
    weekdays = [d for d in days if d.weekday() < 5]
    return weekdays or days


def spread_minutes(record: EducationRecord) -> dict[datetime.date, int]:
    """The course's hours as whole minutes, spread evenly over its weekdays.

    The remainder of the division goes one minute each to the first days, so the
    days always add up to exactly the course's minutes.
    """
    total = int((record.hours * 60).to_integral_value())
    days = _course_days(record)
    base, extra = divmod(total, len(days))
    return {day: base + (1 if n < extra else 0) for n, day in enumerate(days)}


def _education_touching(
    records: QuerySet[EducationRecord], ids: list[int], start: datetime.date, end: datetime.date
) -> QuerySet[EducationRecord]:
    """The peers' courses of `records` with hours that share a day with start..end."""
    return records.filter(
        peer_id__in=ids, starts_on__lte=end, ends_on__gte=start, hours__gt=0
    ).only("peer_id", "starts_on", "ends_on", "hours")


def education_minutes(
    peer_ids: Iterable[int], start: datetime.date, end: datetime.date
) -> dict[int, int]:
    """Minutes of peer education per peer from `start` to `end`, both days included.

    A course's hours are spread evenly over its weekdays from `starts_on` to `ends_on`
    (see `spread_minutes`), and the days inside the period are summed. Only courses
    that are ongoing or completed count; planned and dropped courses count nothing.
    Every id asked for is in the answer, with 0 when there is nothing. One query.
    """
    ids = list(peer_ids)
    result = dict.fromkeys(ids, 0)
    if not ids or end < start:
        return result
    for record in _education_touching(EducationRecord.objects.taking_time(), ids, start, end):
        if start <= record.starts_on and record.ends_on <= end:
            # The whole course is inside: its days add up to exactly its minutes.
            result[record.peer_id] += int((record.hours * 60).to_integral_value())
            continue
        minutes = spread_minutes(record)
        result[record.peer_id] += sum(m for day, m in minutes.items() if start <= day <= end)
    return result


def planned_minutes(
    peer_ids: Iterable[int], start: datetime.date, end: datetime.date
) -> dict[int, dict[datetime.date, int]]:
    """Time the workforce app takes from each peer's weeks, per local day from `start` to
    `end` (both included), for planning: the sessions of the supervision groups the peer
    is a member of, and peer education that is planned, ongoing or completed (its hours
    spread over the course's weekdays as on the timesheet, `spread_minutes`). Two
    queries whatever the number of peers."""
    ids = list(peer_ids)
    result: dict[int, dict[datetime.date, int]] = {pk: {} for pk in ids}
    if not ids or end < start:
        return result
    # The members in the filter and in the values are one join: one row per session and
    # member asked for.
    sessions = SupervisionSession.objects.filter(
        group__members__in=ids,
        starts_at__gte=day_start(start),
        starts_at__lt=day_start(end + datetime.timedelta(days=1)),
    ).values_list("group__members", "starts_at", "minutes")
    for peer_id, starts_at, minutes in sessions:
        day = timezone.localdate(starts_at)
        result[peer_id][day] = result[peer_id].get(day, 0) + int(minutes)
    planned_or_taking_time = EducationRecord.objects.exclude(status=EducationRecordStatus.DROPPED)
    for record in _education_touching(planned_or_taking_time, ids, start, end):
        for day, minutes in spread_minutes(record).items():
            if start <= day <= end:
                result[record.peer_id][day] = result[record.peer_id].get(day, 0) + minutes
    return result


# -- supervision status per peer ----------------------------------------------------


@dataclass(frozen=True)
class SupervisionStatus:
    """Where a peer stands against the supervision target of their groups."""

    last_attended: datetime.date | None
    target_days: int | None
    due_on: datetime.date | None
    overdue: bool

    @property
    def in_group(self) -> bool:
        return self.target_days is not None


def supervision_status(
    peers: Iterable[PeerWorker], *, today: datetime.date | None = None
) -> dict[int, SupervisionStatus]:
    """Last attended session and the overdue flag, for each peer. Two queries.

    The target is the shortest `target_days` among the open groups the peer is a
    member of. The next session is due `target_days` after the last one attended,
    or after the contract started when none has been attended yet; overdue means
    today is past that day. A peer in no open group has no target and is never
    overdue (the overview flags "not in a supervision group" instead).
    """
    today = today or timezone.localdate()
    peers = list(peers)
    ids = [p.pk for p in peers]
    if not ids:
        return {}
    memberships = (
        SupervisionGroup.members.through.objects.filter(
            peerworker_id__in=ids, supervisiongroup__closed_at__isnull=True
        )
        .values("peerworker_id")
        .annotate(target=Min("supervisiongroup__target_days"))
    )
    targets = {row["peerworker_id"]: row["target"] for row in memberships}
    last = dict(
        SupervisionAttendance.objects.filter(
            peer_id__in=ids,
            status=AttendanceStatus.PRESENT,
            session__starts_at__lte=timezone.now(),
        )
        .values("peer_id")
        .annotate(last=Max("session__starts_at"))
        .values_list("peer_id", "last")
    )
    result: dict[int, SupervisionStatus] = {}
    for peer in peers:
        attended = timezone.localdate(last[peer.pk]) if peer.pk in last else None
        target = targets.get(peer.pk)
        due_on = None
        if target is not None:
            since = attended or peer.contract_start
            due_on = since + datetime.timedelta(days=target)
        result[peer.pk] = SupervisionStatus(
            last_attended=attended,
            target_days=target,
            due_on=due_on,
            overdue=due_on is not None and today > due_on,
        )
    return result


# -- education per peer ---------------------------------------------------------------


def next_education(peer_ids: Iterable[int]) -> dict[int, EducationRecord]:
    """Each peer's earliest planned or ongoing course, if any. One query."""
    ids = list(peer_ids)
    found: dict[int, EducationRecord] = {}
    if not ids:
        return found
    for record in (
        EducationRecord.objects.upcoming()
        .filter(peer_id__in=ids)
        .order_by("peer_id", "starts_on", "id")
    ):
        found.setdefault(record.peer_id, record)
    return found


def education_records(peer: PeerWorker) -> QuerySet[EducationRecord]:
    return EducationRecord.objects.filter(peer=peer).order_by("-starts_on", "-id")


def lacking_education(peers: QuerySet[PeerWorker], *, page_number: Any = None) -> Page:
    """Peers without completed peer education, and whether and when it is planned: 25 a
    page (lib/paging, issue 19), the next course looked up for the page's peers only."""
    lacking = (
        peers.exclude(education_status=EducationStatus.COMPLETED)
        .select_related("user")
        .only("contract_start", "user__first_name", "user__last_name", "user__username")
        .order_by("user__first_name", "user__last_name", "pk")
    )
    page = page_of(lacking, page_number)
    shown = list(page.object_list)
    upcoming = next_education(p.pk for p in shown)
    page.object_list = [{"peer": p, "next": upcoming.get(p.pk)} for p in shown]
    return page


def cost_per_year(peers: QuerySet[PeerWorker]) -> list[dict[str, Any]]:
    """Courses and the employer's cost per year (by the year a course starts).

    Dropped courses count: the money was spent. "Planned" is the part not yet begun.
    """
    rows = (
        EducationRecord.objects.filter(peer__in=peers)
        .values("starts_on__year")
        .annotate(
            courses=Count("id"),
            paid=Sum("cost", filter=Q(paid_by_employer=True), default=Decimal(0)),
            planned=Sum(
                "cost",
                filter=Q(paid_by_employer=True, status="planned"),
                default=Decimal(0),
            ),
        )
        .order_by("-starts_on__year")
    )
    return [
        {
            "year": row["starts_on__year"],
            "courses": row["courses"],
            "paid": row["paid"],
            "planned": row["planned"],
        }
        for row in rows
    ]


# -- supervision pages -------------------------------------------------------------


def active_peers(peers: QuerySet[PeerWorker]) -> QuerySet[PeerWorker]:
    return (
        peers.filter(user__is_active=True)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "pk")
    )


def member_ids(group: SupervisionGroup) -> list[int]:
    return list(group.members.values_list("pk", flat=True))


def members_outside(group: SupervisionGroup, peers: QuerySet[PeerWorker]) -> list[PeerWorker]:
    """Members the coordinator cannot choose on the form (peers of other units)."""
    return list(group.members.exclude(pk__in=peers.values("pk")))


def peer_groups(peer: PeerWorker) -> QuerySet[SupervisionGroup]:
    return SupervisionGroup.objects.open().filter(members=peer).order_by("name", "pk")


def last_session(group: SupervisionGroup) -> SupervisionSession | None:
    return SupervisionSession.objects.filter(group=group).order_by("-starts_at", "-id").first()


def attendance_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(AttendanceStatus.values, 0)
    for row in rows:
        if row["status"] in counts:
            counts[row["status"]] += 1
    return counts


def group_list(user: Any, *, include_closed: bool = False) -> QuerySet[SupervisionGroup]:
    groups = SupervisionGroup.objects.visible_to(user)
    if not include_closed:
        groups = groups.open()
    return (
        groups.select_related("unit")
        .annotate(
            member_count=Count("members", distinct=True),
            session_count=Count("sessions", distinct=True),
            last_session=Max(
                "sessions__starts_at", filter=Q(sessions__starts_at__lte=timezone.now())
            ),
            next_session=Min(
                "sessions__starts_at", filter=Q(sessions__starts_at__gt=timezone.now())
            ),
        )
        .order_by("name", "id")
    )


def group_page(group: SupervisionGroup, *, today: datetime.date | None = None) -> dict[str, Any]:
    """Members with their status, and the sessions with attendance counts."""
    members = list(group.members.select_related("user").order_by("user__first_name", "pk"))
    status = supervision_status(members, today=today)
    sessions = list(
        SupervisionSession.objects.filter(group=group)
        .annotate(
            present=Count("attendance", filter=Q(attendance__status=AttendanceStatus.PRESENT)),
            recorded=Count("attendance"),
        )
        .order_by("-starts_at", "-id")
    )
    now = timezone.now()
    return {
        "members": [{"peer": m, "status": status[m.pk]} for m in members],
        "upcoming": [s for s in reversed(sessions) if s.starts_at > now],
        "held": [s for s in sessions if s.starts_at <= now],
    }


def session_rows(session: SupervisionSession) -> list[dict[str, Any]]:
    """The group's members, and anyone recorded before leaving it, with their attendance."""
    recorded = {
        a.peer_id: a
        for a in SupervisionAttendance.objects.filter(session=session).select_related("peer__user")
    }
    members = list(session.group.members.select_related("user").order_by("user__first_name", "pk"))
    peers = {m.pk: m for m in members}
    for peer_id, attendance in recorded.items():
        peers.setdefault(peer_id, attendance.peer)
    ordered = sorted(peers.values(), key=lambda p: (p.user.first_name, p.pk))
    return [
        {
            "peer": p,
            "key": p.pk,
            "label": p.name,
            "status": recorded[p.pk].status if p.pk in recorded else "",
        }
        for p in ordered
    ]


def peer_sessions(peer: PeerWorker, *, since: datetime.date | None = None) -> list[dict[str, Any]]:
    """A peer's supervision sessions in their groups (and any they were recorded at),
    newest first, with their own attendance."""
    sessions = SupervisionSession.objects.filter(
        Q(group__members=peer) | Q(attendance__peer=peer)
    ).distinct()
    if since is not None:
        sessions = sessions.filter(starts_at__gte=day_start(since))
    sessions = sessions.select_related("group").order_by("-starts_at", "-id")
    listed = list(sessions)
    own = dict(
        SupervisionAttendance.objects.filter(
            peer=peer, session__in=[s.pk for s in listed]
        ).values_list("session_id", "status")
    )
    now = timezone.now()
    return [
        {"session": s, "status": own.get(s.pk, ""), "future": s.starts_at > now} for s in listed
    ]


def peer_status(peer: PeerWorker, *, today: datetime.date | None = None) -> dict[str, Any]:
    """What the peer page (people:peer_detail) says about pauses, the contract's end and a
    departure, with the peer's active courses."""
    today = today or timezone.localdate()
    pauses = list(PeerPause.objects.not_over(today).filter(peer=peer).order_by("starts_on"))
    departure = PeerDeparture.objects.filter(peer=peer).first()
    active = Course.objects.active().filter(peer=peer).count()
    horizon = today + datetime.timedelta(days=settings.CONTRACT_END_WARNING_DAYS)
    ends = departure.last_day if departure else peer.contract_end
    return {
        "pauses": pauses,
        "paused_now": next((p for p in pauses if p.starts_on <= today), None),
        "departure": departure,
        "active_courses": active,
        "ending_soon": bool(ends and ends <= horizon and active),
        "ends_on": ends,
        "days_left": (ends - today).days if ends else None,
        "today": today,
    }
