"""Fill the busy table from the rows that already make people busy.

Conversations first (their own exclusion constraints kept them apart), then interview
panels, group sessions run, supervision and group places. Where existing data already
overlap for one party (supervision clashes were only a warning before), the later row
in that order is left out of the busy table and counted in the log; the source rows
themselves are kept as they are, and the migration never fails on real data.

Past group sessions and supervision: who was present (attendance); coming ones: who is
enrolled or a member now.
"""

from __future__ import annotations

import bisect
import datetime
import logging
from collections import Counter, defaultdict

from django.db import migrations
from django.utils import timezone

logger = logging.getLogger("brobygger.agenda")


class Filler:
    def __init__(self, busy_model):
        self.model = busy_model
        self.taken = defaultdict(list)  # party -> sorted, non-overlapping [(start, end)]
        self.rows = []
        self.added: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()

    def add(self, party, starts_at, ends_at, kind, source, source_id, label=""):
        if ends_at <= starts_at:
            self.skipped[kind] += 1
            return
        spans = self.taken[party]
        i = bisect.bisect_left(spans, (starts_at, ends_at))
        if (i > 0 and spans[i - 1][1] > starts_at) or (i < len(spans) and spans[i][0] < ends_at):
            self.skipped[kind] += 1
            return
        spans.insert(i, (starts_at, ends_at))
        self.added[kind] += 1
        self.rows.append(
            self.model(
                party=party,
                starts_at=starts_at,
                ends_at=ends_at,
                kind=kind,
                source=source,
                source_id=source_id,
                label=label[:150],
            )
        )

    def save(self):
        self.model.objects.bulk_create(self.rows, batch_size=1000)
        for kind, count in sorted(self.skipped.items()):
            logger.warning("busy times left out (overlapping existing data): %s %s", count, kind)
        return self.added, self.skipped


def fill(apps, schema_editor=None):
    get = apps.get_model
    filler = Filler(get("agenda", "Busy"))
    now = timezone.now()
    peers = dict(get("people", "PeerWorker").objects.values_list("user_id", "pk"))

    def staff(user_id):
        return f"peer:{peers[user_id]}" if user_id in peers else f"user:{user_id}"

    appointments = (
        get("scheduling", "Appointment")
        .objects.exclude(status="cancelled")
        .order_by("starts_at", "pk")
        .values_list("pk", "peer_id", "person_id", "starts_at", "ends_at")
    )
    for pk, peer_id, person_id, starts_at, ends_at in appointments.iterator():
        for party in (f"peer:{peer_id}", f"person:{person_id}"):
            filler.add(party, starts_at, ends_at, "conversation", "appointment", pk)

    seats = (
        get("recruitment", "InterviewSeat")
        .objects.filter(active=True)
        .exclude(interview__status="cancelled")
        .order_by("starts_at", "pk")
        .values_list("interview_id", "user_id", "starts_at", "ends_at")
    )
    for interview_id, user_id, starts_at, ends_at in seats.iterator():
        filler.add(staff(user_id), starts_at, ends_at, "interview", "interview", interview_id)

    session_model = get("groups", "GroupSession")
    sessions = {
        pk: (starts_at, ends_at, title)
        for pk, starts_at, ends_at, title in session_model.objects.filter(cancelled=False)
        .order_by("starts_at", "pk")
        .values_list("pk", "starts_at", "ends_at", "group__title")
    }
    running = session_model.facilitators.through.objects.filter(
        groupsession_id__in=list(sessions)
    ).order_by("groupsession_id", "peerworker_id")
    for session_id, peer_id in running.values_list("groupsession_id", "peerworker_id"):
        starts_at, ends_at, title = sessions[session_id]
        filler.add(
            f"peer:{peer_id}", starts_at, ends_at, "group_facilitator", "group_session",
            session_id, title,
        )

    supervision = get("workforce", "SupervisionSession").objects.order_by("starts_at", "pk")
    members = defaultdict(list)
    through = get("workforce", "SupervisionGroup").members.through
    for group_id, peer_id in through.objects.values_list("supervisiongroup_id", "peerworker_id"):
        members[group_id].append(peer_id)
    present = defaultdict(list)
    attended = get("workforce", "SupervisionAttendance").objects.filter(status="present")
    for session_id, peer_id in attended.values_list("session_id", "peer_id"):
        present[session_id].append(peer_id)
    for session in supervision.select_related("group").iterator():
        ends_at = session.starts_at + datetime.timedelta(minutes=session.minutes)
        who = present[session.pk] if ends_at <= now else members[session.group_id]
        for peer_id in sorted(who):
            filler.add(
                f"peer:{peer_id}", session.starts_at, ends_at, "supervision",
                "supervision_session", session.pk, session.group.name,
            )

    enrolled = defaultdict(list)
    enrolments = get("groups", "Enrolment").objects.filter(status="enrolled")
    for group_id, person_id in enrolments.values_list("group_id", "person_id"):
        enrolled[group_id].append(person_id)
    came = defaultdict(list)
    attendance = get("groups", "Attendance").objects.filter(status="present")
    for session_id, person_id in attendance.values_list("session_id", "person_id"):
        came[session_id].append(person_id)
    coming = session_model.objects.filter(cancelled=False).order_by("starts_at", "pk")
    for pk, group_id, starts_at, ends_at in coming.values_list(
        "pk", "group_id", "starts_at", "ends_at"
    ):
        who = enrolled[group_id] if ends_at > now else came[pk]
        for person_id in sorted(who):
            filler.add(
                f"person:{person_id}", starts_at, ends_at, "group_participant",
                "group_session", pk,
            )
    return filler.save()


def empty(apps, schema_editor):
    apps.get_model("agenda", "Busy").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agenda", "0001_busy"),
        ("people", "0007_merged_person"),
        ("scheduling", "0004_protect_health_records"),
        ("groups", "0003_protect_health_records"),
        ("recruitment", "0003_interview_no_double_booking"),
        ("workforce", "0001_initial"),
    ]
    operations = [migrations.RunPython(fill, empty)]
