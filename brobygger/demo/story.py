"""The demo's story dates: rows the services stamped with the load's time get the time
their event happened in the story (relative to the demo's today).

The services and bulk writers stamp `auto_now`/`auto_now_add` fields with the present
moment, whatever the story says; this last phase moves each such stamp to its event:
a conversation's note a few hours after it ended, a booking days before it, a person's
record when their first referral came, a timesheet on the month's first day. Only stamps
of the load itself (at or after `started`) move: a phase that set its own story time
(retention's six-year-old courses) keeps it. The audit and access logs keep their real
times (the chain covers them); `AuditEvent.happened_at` carries the story's.

One UPDATE per table where the story time follows from the row's own columns, else one
`update_rows` batch.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable

from django.db import models
from django.db.models import DateTimeField, ExpressionWrapper, F, Min, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Least

from brobygger.lib.dates import local_datetime
from brobygger.lib.rows import update_rows

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def _moment(expression: models.Expression | F) -> ExpressionWrapper:
    return ExpressionWrapper(expression, output_field=DateTimeField())


def _stamp(
    model: type[models.Model], fields: list[str], rows: Iterable[tuple[int, datetime.datetime]]
) -> None:
    objs = []
    for pk, moment in rows:
        obj = model(pk=pk)
        for name in fields:
            setattr(obj, name, moment)
        objs.append(obj)
    update_rows(objs, fields)


def tell(*, started: datetime.datetime, today: datetime.date, rng: random.Random) -> None:
    """Move every stamp made since `started` (the build's first moment) to its story time,
    never later than ten minutes before the load began."""
    from brobygger.conversations.models import ConversationRecord, CourseTopic
    from brobygger.groups.models import GroupSession
    from brobygger.outcomes.models import Administration
    from brobygger.people.models import Consent, Person
    from brobygger.referrals.models import Course, Referral
    from brobygger.scheduling.models import Appointment
    from brobygger.timesheets.models import IndirectEntry, Timesheet
    from brobygger.workforce.models import SupervisionSession

    starts = dict(Course.objects.values_list("pk", "started_on"))
    cap = Value(started - 10 * datetime.timedelta(minutes=1), output_field=DateTimeField())
    latest = started - 10 * datetime.timedelta(minutes=1)

    # Conversations: a past one was recorded two hours after it ended, a coming one booked
    # nine days before (or a day before the load, for the next few days').
    Appointment.objects.filter(created_at__gte=started, starts_at__lt=started).update(
        created_at=Least(_moment(F("ends_at") + 2 * HOUR), cap),
        updated_at=Least(_moment(F("ends_at") + 2 * HOUR), cap),
    )
    Appointment.objects.filter(created_at__gte=started, starts_at__gte=started).update(
        created_at=Least(_moment(F("starts_at") - 9 * DAY), Value(latest - DAY)),
        updated_at=Least(_moment(F("starts_at") - 9 * DAY), Value(latest - DAY)),
    )
    # Notes: written three hours after the conversation ended.
    ended = Appointment.objects.filter(pk=OuterRef("appointment_id")).values("ends_at")[:1]
    written = Least(_moment(Subquery(ended) + 3 * HOUR), cap)
    ConversationRecord.objects.filter(created_at__gte=started).update(
        created_at=written, updated_at=written
    )
    last_note = (
        ConversationRecord.objects.filter(course_id=OuterRef("course_id"))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    CourseTopic.objects.filter(updated_at__gte=started).update(
        updated_at=Coalesce(Subquery(last_note), F("updated_at"))
    )
    # What the guide's later phases changed (a topic set done, a follow-up): the day it
    # was first covered, else the course's start.
    _stamp(
        CourseTopic,
        ["updated_at"],
        [
            (pk, min(local_datetime(day or starts[course], datetime.time(14)), latest))
            for pk, course, day in CourseTopic.objects.filter(updated_at__gte=started)
            .order_by("pk")
            .values_list("pk", "course_id", "first_covered_on")
        ],
    )
    # A referral a later phase changed (a peer declined the match): a day after the
    # step before, in the last week.
    _stamp(
        Referral,
        ["status_changed_at"],
        [
            (pk, max(received, latest - rng.randrange(1, 7) * DAY))
            for pk, received in Referral.objects.filter(status_changed_at__gte=started)
            .order_by("pk")
            .values_list("pk", "received_at")
        ],
    )
    # A person's record: when their first referral came; the others, some day this year.
    first = (
        Referral.objects.filter(person_id=OuterRef("pk"))
        .order_by()
        .values("person_id")
        .annotate(first=Min("received_at"))
        .values("first")[:1]
    )
    Person.objects.filter(created_at__gte=started).update(
        created_at=Coalesce(Subquery(first), F("created_at")),
        updated_at=Coalesce(Subquery(first), F("created_at")),
    )
    others = Person.objects.filter(created_at__gte=started).values_list("pk", flat=True)
    _stamp(
        Person,
        ["created_at", "updated_at"],
        [
            (pk, local_datetime(today - rng.randrange(2, 360) * DAY, datetime.time(10)))
            for pk in others.order_by("pk")
        ],
    )
    # A consent given during the load (to share with a relative): a week or two after
    # the person's first referral; one withdrawn: some weeks after it was given.
    came = dict(
        Referral.objects.order_by()
        .values("person_id")
        .annotate(first=Min("received_at"))
        .values_list("person_id", "first")
    )
    _stamp(
        Consent,
        ["given_at"],
        [
            (pk, min(came.get(person, latest - 30 * DAY) + rng.randrange(3, 15) * DAY, latest))
            for pk, person in Consent.objects.filter(given_at__gte=started)
            .order_by("pk")
            .values_list("pk", "person_id")
        ],
    )
    _stamp(
        Consent,
        ["withdrawn_at"],
        [
            (pk, min(given + rng.randrange(7, 90) * DAY, latest))
            for pk, given in Consent.objects.filter(withdrawn_at__gte=started)
            .order_by("pk")
            .values_list("pk", "given_at")
        ],
    )
    # Questionnaires: planned when the course started.
    _stamp(
        Administration,
        ["created_at"],
        [
            (pk, min(local_datetime(starts[course], datetime.time(9)), latest))
            for pk, course in Administration.objects.filter(created_at__gte=started)
            .order_by("pk")
            .values_list("pk", "course_id")
        ],
    )
    # Group and supervision sessions: planned three weeks before they start.
    for model in (GroupSession, SupervisionSession):
        planned = Least(_moment(F("starts_at") - 21 * DAY), cap)
        model.objects.filter(created_at__gte=started).update(created_at=planned, updated_at=planned)
    # Timesheets: opened on the month's first day; an entry written on its own day.
    sheets = Timesheet.objects.filter(created_at__gte=started).order_by("pk")
    _stamp(
        Timesheet,
        ["created_at"],
        [
            (pk, min(local_datetime(datetime.date(year, month, 1), datetime.time(8)), latest))
            for pk, year, month in sheets.values_list("pk", "year", "month")
        ],
    )
    Timesheet.objects.filter(updated_at__gte=started).update(
        updated_at=Coalesce("approved_at", "confirmed_at", "created_at")
    )
    _stamp(
        IndirectEntry,
        ["created_at", "updated_at"],
        [
            (pk, min(local_datetime(day, datetime.time(16)), latest))
            for pk, day in IndirectEntry.objects.filter(created_at__gte=started)
            .order_by("pk")
            .values_list("pk", "date")
        ],
    )
