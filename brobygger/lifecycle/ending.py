"""Ending is one operation: what depends on a consent or a course stops with it.

Issue 17 item 1. When a person withdraws a consent, or a course ends (also when its peer
leaves: matching.services.hand_over_course), the future conversations are cancelled
with the reason, questionnaires not yet answered stop (their links no longer work), and
group places end where the person can no longer take part. The reminder job only
reminds of booked conversations, and the peer's week and calendar feed show the
cancellation (a cancelled event stays in the feed with STATUS:CANCELLED, so the
calendar app removes it).

`for_consent` and `for_course` say what would end; the confirm pages list exactly that,
and `apply` ends exactly what the same functions return, inside the caller's
transaction, so the page and the outcome cannot disagree.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from brobygger.groups.models import Enrolment, EnrolmentStatus
from brobygger.groups.services import leave
from brobygger.lib.dates import TZ
from brobygger.outcomes.models import Administration, AdministrationStatus, Timepoint
from brobygger.outcomes.services import stop
from brobygger.people.models import Consent, ConsentKind, Person, StopKind
from brobygger.referrals.models import Course, EndReason
from brobygger.scheduling.models import Appointment, AppointmentStatus, CancelledBy
from brobygger.scheduling.services import cancel


@dataclass
class Ending:
    """What ends: the future booked conversations, the group places and waiting-list
    places, and the questionnaires not yet answered."""

    appointments: list[Appointment] = field(default_factory=list)
    enrolments: list[Enrolment] = field(default_factory=list)
    administrations: list[Administration] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.appointments or self.enrolments or self.administrations)

    @property
    def person_ids(self) -> set[int]:
        ids = {a.person_id for a in self.appointments}
        ids |= {e.person_id for e in self.enrolments}
        ids |= {a.course.person_id for a in self.administrations}
        return ids


def _future_booked(**filters: Any) -> list[Appointment]:
    return list(
        Appointment.objects.filter(
            status=AppointmentStatus.BOOKED, starts_at__gt=timezone.now(), **filters
        )
        .select_related("peer__user", "course")
        .order_by("starts_at", "pk")
    )


def _open_administrations(**filters: Any) -> list[Administration]:
    return list(
        Administration.objects.open()
        .filter(**filters)
        .select_related("course", "version__instrument")
        .order_by("due_on", "pk")
    )


def _group_places(person: Person) -> list[Enrolment]:
    return list(
        Enrolment.objects.filter(
            person=person, status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING]
        )
        .select_related("group")
        .order_by("group__title", "pk")
    )


def for_consent(consent: Consent) -> Ending:
    """What withdrawing `consent` ends.

    Contact withdrawn means no contact at all (DOMAIN.md, consent): every future
    conversation, every group place and every questionnaire not yet answered (a link is
    contact too). Questionnaires withdrawn: the questionnaires only. Keeping notes or
    sharing with relatives ends no appointment.
    """
    if consent.kind == ConsentKind.CONTACT:
        return Ending(
            appointments=_future_booked(person_id=consent.person_id),
            enrolments=_group_places(consent.person),
            administrations=_open_administrations(course__person_id=consent.person_id),
        )
    if consent.kind == ConsentKind.QUESTIONNAIRES:
        return Ending(administrations=_open_administrations(course__person_id=consent.person_id))
    return Ending()


# Reasons after which no questionnaire is ever sent: the person withdrew, died or moved.
ALL_QUESTIONNAIRES_STOP = frozenset({EndReason.CONSENT_WITHDRAWN, EndReason.DIED, EndReason.MOVED})


def for_stop(person: Person, kind: str) -> Ending:
    """What recording a death, a move or a restriction of processing for `person` ends
    (lifecycle.stopping).

    Death or move: everything, as when contact consent is withdrawn (every future
    conversation, every group place, every questionnaire not yet answered). Restriction
    freezes: the future conversations and group places end (they are processing beyond
    storage, GDPR art. 18), and so do the questionnaire links already sent; questionnaires
    not yet sent stay planned and are simply not sent while the restriction lasts
    (outcomes.reminders.send_link asks `people.services.ensure_may_start`).
    """
    administrations = _open_administrations(course__person_id=person.pk)
    if kind == StopKind.RESTRICTED:
        administrations = [a for a in administrations if a.status != AdministrationStatus.DUE]
    return Ending(
        appointments=_future_booked(person_id=person.pk),
        enrolments=_group_places(person),
        administrations=administrations,
    )


def _after(day: datetime.date) -> datetime.datetime:
    """The first moment after `day`, Copenhagen time."""
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), TZ)


def for_course(course: Course, *, ended_on: datetime.date, reason: str) -> Ending:
    """What ending `course` on `ended_on` for `reason` ends.

    The conversations booked after the end.
    Questionnaires: none when the peer left (they move to the successor course); all not
    yet answered when consent was withdrawn or the person died or moved; otherwise those
    due after the end, except the ones the schedule asks for after support
    (outcomes.schedule: "end", and "3 months after discharge" once the person was
    discharged within the course). Group places do not belong to a course: they end with
    the contact consent.
    """
    # Ended today (or earlier): from now on. Ending on a later day keeps the
    # conversations up to and including that day.
    cutoff = timezone.now() if ended_on <= timezone.localdate() else _after(ended_on)
    appointments = _future_booked(course=course, starts_at__gte=cutoff)
    if reason == EndReason.PEER_LEFT:
        return Ending(appointments=appointments)
    administrations = _open_administrations(course=course)
    if reason not in ALL_QUESTIONNAIRES_STOP:
        follow_up = {Timepoint.END}
        if course.discharged_on is not None and course.discharged_on <= ended_on:
            follow_up.add(Timepoint.AFTER_3_MONTHS)
        administrations = [
            a for a in administrations if a.due_on > ended_on and a.timepoint not in follow_up
        ]
    return Ending(appointments=appointments, administrations=administrations)


def apply(*, actor: Any, ending: Ending, reason: str, by: str = "") -> Ending:
    """End everything in `ending`, with `reason` (shown to the peer and in the audit);
    `by` is who cancelled the conversations (scheduling.models.CancelledBy)."""
    with transaction.atomic():
        for appointment in ending.appointments:
            appointment.refresh_from_db()
            if appointment.status == AppointmentStatus.BOOKED:
                cancel(
                    actor=actor,
                    appointment=appointment,
                    by=by or CancelledBy.COORDINATOR,
                    reason=reason,
                )
        for enrolment in ending.enrolments:
            enrolment.refresh_from_db(fields=["status"])
            if enrolment.status != EnrolmentStatus.LEFT:
                leave(actor=actor, group=enrolment.group, person=enrolment.person)
        for administration in ending.administrations:
            stop(actor=actor, administration=administration, reason=reason)
    return ending
