"""Reads for the group pages, the peers' weeks and hours: constant query counts."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from brobygger.people.models import PeerWorker, Person, PersonKind
from brobygger.scheduling.models import Appointment

from .models import (
    Attendance,
    AttendanceStatus,
    Enrolment,
    EnrolmentStatus,
    GroupSession,
    RecoveryGroup,
)


def _count(queryset: QuerySet[Any]) -> Coalesce:
    """A correlated COUNT(*) subquery (several counts side by side without join blow-up)."""
    counted = queryset.order_by().values("group_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _facilitators() -> Prefetch:
    return Prefetch("facilitators", queryset=PeerWorker.objects.select_related("user"))


def group_list(user: Any, *, include_closed: bool = False) -> QuerySet[RecoveryGroup]:
    """The groups `user` may see, with enrolled, waiting and session counts."""
    now = timezone.now()
    groups = RecoveryGroup.objects.visible_to(user)
    if not include_closed:
        groups = groups.open()
    by_group = Enrolment.objects.filter(group=OuterRef("pk"))
    sessions = GroupSession.objects.active().filter(group=OuterRef("pk"))
    next_start = sessions.filter(starts_at__gte=now).order_by("starts_at").values("starts_at")[:1]
    return (
        groups.select_related("unit")
        .only("title", "place", "capacity", "closed_at", "unit__name")
        .prefetch_related(
            Prefetch(
                "facilitators",
                queryset=PeerWorker.objects.select_related("user").only(
                    "user__first_name", "user__last_name", "user__username"
                ),
            )
        )
        .annotate(
            enrolled_count=_count(by_group.filter(status=EnrolmentStatus.ENROLLED)),
            waiting_count=_count(by_group.filter(status=EnrolmentStatus.WAITING)),
            session_count=_count(sessions),
            past_count=_count(sessions.filter(starts_at__lt=now)),
            next_session=Subquery(next_start),
        )
        .order_by("closed_at", "title", "id")
    )


def group_page(group: RecoveryGroup) -> dict[str, Any]:
    """Sessions with attendance counts, the participants and the waiting list."""
    sessions = list(
        GroupSession.objects.filter(group=group)
        .annotate(
            present=Count("attendance", filter=Q(attendance__status=AttendanceStatus.PRESENT)),
            recorded=Count("attendance"),
        )
        .order_by("starts_at", "id")
    )
    enrolments = list(
        Enrolment.objects.filter(group=group)
        .exclude(status=EnrolmentStatus.LEFT)
        .select_related("person", "person__unit")
        .annotate(
            attended=Count(
                "person__group_attendance",
                filter=Q(
                    person__group_attendance__session__group=group,
                    person__group_attendance__status=AttendanceStatus.PRESENT,
                ),
            )
        )
        .order_by("position", "person__given_name", "person__family_name", "id")
    )
    enrolled = [e for e in enrolments if e.status == EnrolmentStatus.ENROLLED]
    waiting = [e for e in enrolments if e.status == EnrolmentStatus.WAITING]
    return {
        "sessions": sessions,
        "enrolled": enrolled,
        "waiting": waiting,
        "free_places": max(0, group.capacity - len(enrolled)),
        "held_count": sum(1 for s in sessions if getattr(s, "recorded", 0)),
    }


def session_page(session: GroupSession) -> dict[str, Any]:
    """Who runs (or ran) the session, and the enrolled participants, each with their
    attendance at this session (if any)."""
    marks = dict(Attendance.objects.filter(session=session).values_list("person_id", "status"))
    enrolled = list(
        Enrolment.objects.filter(group_id=session.group_id)
        .enrolled()
        .select_related("person")
        .order_by("person__given_name", "person__family_name", "id")
    )
    rows = [
        {
            "person": e.person,
            "key": e.person_id,
            "label": e.person.full_name,
            "status": marks.get(e.person_id, ""),
        }
        for e in enrolled
    ]
    counts = {status: 0 for status in AttendanceStatus.values}
    for status in marks.values():
        counts[status] = counts.get(status, 0) + 1
    return {
        "facilitators": list(session.facilitators.select_related("user")),
        "rows": rows,
        "counts": counts,
        "started": session.starts_at <= timezone.now(),
    }


def candidates(user: Any, group: RecoveryGroup, text: str, *, limit: int = 20) -> list[Person]:
    """Patients the coordinator may sign up: visible to them, not yet in the group."""
    from brobygger.people.models import Consent, ConsentKind

    taken = Enrolment.objects.filter(group=group).exclude(status=EnrolmentStatus.LEFT)
    consent = Consent.objects.current().filter(person=OuterRef("pk"), kind=ConsentKind.CONTACT)
    people = (
        Person.objects.visible_to(user)
        .filter(kind=PersonKind.PATIENT)
        .exclude(pk__in=taken.values("person_id"))
        .search(text)
        .select_related("unit")
        .annotate(has_consent=Subquery(consent.values("pk")[:1]))
        .order_by("given_name", "family_name", "id")
    )
    return list(people[:limit])


def session_plan(group: RecoveryGroup) -> list[GroupSession]:
    """The plan to hand out: dates, times, topics. No participants."""
    return list(GroupSession.objects.filter(group=group).order_by("starts_at", "id"))


def attendance_summary(group: RecoveryGroup) -> dict[str, int]:
    """Totals over the group's sessions, for reports and the group page."""
    rows = (
        Attendance.objects.filter(session__group=group)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    totals = {status: 0 for status in AttendanceStatus.values}
    totals.update({row["status"]: row["n"] for row in rows})
    return totals


# -- the peers' time ------------------------------------------------------------------------


def facilitator_minutes(
    peer_ids: Iterable[int], start: datetime.datetime, end: datetime.datetime
) -> dict[int, int]:
    """Minutes each peer spends running group sessions within [start, end).

    Non-cancelled sessions overlapping the range, clipped to it; every facilitator of
    a session (the session's own, see GroupSession.facilitators) is credited the whole
    session. Peers without sessions are absent from the result. One query whatever the
    number of peers.
    """
    ids = list(peer_ids)
    minutes: dict[int, int] = defaultdict(int)
    if not ids:
        return {}
    through = GroupSession.facilitators.through
    rows = (
        through.objects.filter(
            peerworker_id__in=ids,
            groupsession__cancelled=False,
            groupsession__starts_at__lt=end,
            groupsession__ends_at__gt=start,
        )
        .values_list("peerworker_id", "groupsession__starts_at", "groupsession__ends_at")
        .order_by()
    )
    for peer_id, starts_at, ends_at in rows:
        span = min(ends_at, end) - max(starts_at, start)
        minutes[peer_id] += int(span.total_seconds() // 60)
    return dict(minutes)


def sessions_for_peer(
    peer: PeerWorker | int,
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    include_cancelled: bool = False,
) -> QuerySet[GroupSession]:
    """The group sessions a peer runs that overlap [start, end), for week views."""
    peer_id = peer if isinstance(peer, int) else peer.pk
    return _week_sessions(Q(facilitators=peer_id), start, end, include_cancelled)


def sessions_run_by(
    user: Any, start: datetime.datetime, end: datetime.datetime
) -> QuerySet[GroupSession]:
    """`sessions_for_peer` for the peer signed in as `user`, without first reading their
    peer profile (the peer's home page, issue 19)."""
    return _week_sessions(Q(facilitators__user=user), start, end, False)


def _week_sessions(
    who: Q, start: datetime.datetime, end: datetime.datetime, include_cancelled: bool
) -> QuerySet[GroupSession]:
    sessions = GroupSession.objects.overlapping(start, end).filter(who)
    if not include_cancelled:
        sessions = sessions.active()
    return sessions.select_related("group").order_by("starts_at", "id")


def group_session_clash(
    peer_id: int, starts_at: datetime.datetime, ends_at: datetime.datetime
) -> GroupSession | None:
    """A non-cancelled group session the peer runs in [starts_at, ends_at), if any.

    For the conversation booking guard: a peer in a group session cannot hold a
    conversation at the same time.
    """
    return (
        GroupSession.objects.active()
        .overlapping(starts_at, ends_at)
        .filter(facilitators=peer_id)
        .select_related("group")
        .order_by("starts_at")
        .first()
    )


def facilitator_conflict(
    peer_ids: list[int],
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    *,
    exclude_session_id: int | None = None,
) -> Appointment | GroupSession | None:
    """The first active conversation or group session of any of the peers in
    [starts_at, ends_at): what stops them from running a group session then."""
    appointment = (
        Appointment.objects.active()
        .overlapping(starts_at, ends_at)
        .filter(peer_id__in=peer_ids)
        .order_by("starts_at")
        .first()
    )
    if appointment is not None:
        return appointment
    sessions = (
        GroupSession.objects.active()
        .overlapping(starts_at, ends_at)
        .filter(facilitators__in=peer_ids)
        .select_related("group")
        .order_by("starts_at")
    )
    if exclude_session_id is not None:
        sessions = sessions.exclude(pk=exclude_session_id)
    return sessions.first()


def sessions_in_range(
    peer_ids: Iterable[int], start: datetime.datetime, end: datetime.datetime
) -> list[tuple[int, datetime.datetime, datetime.datetime]]:
    """(facilitator id, start, end) of every non-cancelled session in [start, end), for
    the planning chart's weekly hours."""
    return list(
        GroupSession.objects.filter(
            cancelled=False,
            starts_at__lt=end,
            ends_at__gt=start,
            facilitators__in=list(peer_ids),
        ).values_list("facilitators", "starts_at", "ends_at")
    )


def participant_session_clash(
    person_id: int, starts_at: datetime.datetime, ends_at: datetime.datetime
) -> GroupSession | None:
    """A non-cancelled session of a group the person is enrolled in, in [starts_at, ends_at).

    For the conversation booking guard: the person cannot be in two places at once.
    """
    return (
        GroupSession.objects.active()
        .overlapping(starts_at, ends_at)
        .filter(group__enrolments__person_id=person_id, group__enrolments__status="enrolled")
        .select_related("group")
        .order_by("starts_at")
        .first()
    )


def enrolled_count(group: RecoveryGroup) -> int:
    return Enrolment.objects.filter(group=group).enrolled().count()


def export_person(person: Person) -> dict[str, list[dict[str, Any]]]:
    """The person's group sign-ups and attendance (GDPR art. 15): never the other
    participants."""
    from brobygger.lib.export import rows

    from .models import Attendance, Enrolment

    return {
        "groups.Enrolment": rows(
            Enrolment.objects.filter(person=person).select_related("group", "person")
        ),
        "groups.Attendance": rows(
            Attendance.objects.filter(person=person)
            .select_related("session__group", "person")
            .order_by("session__starts_at", "pk")
        ),
    }
