"""Every record type the retention job knows: its clock, its action and its legal bounds.

An explicit list in this app, which sits above the domain apps (only `desk` is higher):
the order is the order of deletion, children before the rows they PROTECT-reference
(peer notes and responses before appointments and courses, courses before referrals,
all of them before a person is anonymised), and reading it in one place is easier than
reassembling it from registrations spread over every app's `ready()`.

Each type's `apply` deletes or anonymises what is due *now*, after the types before it
have run; so a dry run is the real run inside a transaction that is rolled back, and its
counts are exactly what the real run would do.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from brobygger.accounts.models import Session
from brobygger.admissions.models import Admission
from brobygger.agenda import services as agenda
from brobygger.agenda.models import Busy, Source
from brobygger.audit.retention import cut_log
from brobygger.conversations.models import ConversationRecord, CourseTopic, RecordVersion
from brobygger.groups.models import Attendance, Enrolment
from brobygger.notifications.models import Notification
from brobygger.outcomes.models import Administration, Answer, PeerDigest, Score
from brobygger.people.models import Consent, Person, PersonAccessRequest, RelativeLink
from brobygger.recruitment.retention import applications_due, delete_applications
from brobygger.referrals.models import OPEN_STATUSES, Course, Referral
from brobygger.research.models import ResearchExport
from brobygger.scheduling.models import Appointment, Reminder

from .models import AnonymisedPerson, LegalHold

YEAR = 365


class Action:
    DELETE = "delete"
    ANONYMISE = "anonymise"


@dataclass(frozen=True)
class Context:
    now: datetime.datetime
    periods: dict[str, int]

    def cutoff(self, key: str) -> datetime.datetime:
        """The moment before which a record of this type is due."""
        return self.now - datetime.timedelta(days=self.periods[key])

    def cutoff_date(self, key: str) -> datetime.date:
        return timezone.localdate(self.cutoff(key))

    def held_courses(self) -> QuerySet[Course]:
        """Courses under a hold of their own or of their person."""
        holds = LegalHold.objects.active()
        return Course.objects.filter(
            Q(pk__in=holds.filter(course__isnull=False).values("course_id"))
            | Q(person_id__in=holds.filter(person__isnull=False).values("person_id"))
        )

    def held_persons(self) -> QuerySet[Person]:
        holds = LegalHold.objects.active()
        return Person.objects.filter(
            Q(pk__in=holds.filter(person__isnull=False).values("person_id"))
            | Q(pk__in=holds.filter(course__isnull=False).values("course__person_id"))
        )

    def ended_courses(self, key: str) -> QuerySet[Course]:
        """Courses that ended before the type's cutoff and are not held."""
        return Course.objects.filter(ended_on__lt=self.cutoff_date(key)).exclude(
            pk__in=self.held_courses().values("pk")
        )


@dataclass(frozen=True)
class RecordType:
    key: str
    label: str | Promise
    clock: str | Promise
    action: str
    default_days: int
    min_days: int
    max_days: int
    apply: Callable[[Context], int]

    def validate(self, days: int) -> bool:
        return self.min_days <= days <= self.max_days


def _count_delete(qs: QuerySet[Any]) -> int:
    n, _per_model = qs.delete()
    return n


# -- the types, in the order of deletion -------------------------------------------------


def apply_questionnaire_links(ctx: Context) -> int:
    """A questionnaire link's token is cleared once the link has been dead for the period:
    the answers stay, the link can never be matched to a token again."""
    return (
        Administration.objects.exclude(token_hash="")
        .filter(link_expires_at__lt=ctx.cutoff("questionnaire_links"))
        .exclude(course__in=ctx.held_courses())
        .update(token_hash="")
    )


def apply_peer_notes(ctx: Context) -> int:
    """Peer notes and their history: the period runs from the course's last entry (its end,
    or a later edit of a note)."""
    key = "peer_notes"
    courses = ctx.ended_courses(key).exclude(records__updated_at__gte=ctx.cutoff(key))
    records = ConversationRecord.objects.filter(course__in=courses)
    RecordVersion.objects.filter(record__in=records).delete()
    n = records.count()
    records.delete()
    CourseTopic.objects.filter(course__in=courses).delete()
    return n


def apply_questionnaire_responses(ctx: Context) -> int:
    courses = ctx.ended_courses("questionnaire_responses")
    administrations = Administration.objects.filter(course__in=courses)
    Answer.objects.filter(administration__in=administrations).delete()
    n = administrations.count()
    administrations.delete()
    return n + _count_delete(Score.objects.filter(course__in=courses))


def apply_admissions(ctx: Context) -> int:
    return _count_delete(Admission.objects.filter(course__in=ctx.ended_courses("admissions")))


def apply_appointments(ctx: Context) -> int:
    """Appointments of ended courses, once no peer note hangs on them (a note kept longer
    keeps its appointment)."""
    due = Appointment.objects.filter(
        course__in=ctx.ended_courses("appointments"), record__isnull=True
    )
    Reminder.objects.filter(appointment__in=due).delete()
    ids = list(due.values_list("pk", flat=True))
    # The busy time they held goes with them (the one agenda points at its source row).
    agenda.release(Source.APPOINTMENT, ids)
    return _count_delete(Appointment.objects.filter(pk__in=ids))


def apply_courses(ctx: Context) -> int:
    """A course goes when its period has run and nothing of it is left (each part has its
    own period: a longer one keeps the course too)."""
    course = OuterRef("pk")
    due = ctx.ended_courses("courses").filter(
        ~Exists(Appointment.objects.filter(course=course)),
        ~Exists(ConversationRecord.objects.filter(course=course)),
        ~Exists(Administration.objects.filter(course=course)),
        ~Exists(Score.objects.filter(course=course)),
        ~Exists(Admission.objects.filter(course=course)),
    )
    ids = list(due.values_list("pk", flat=True))
    if not ids:
        return 0
    referral_ids = list(
        Course.objects.filter(pk__in=ids, referral__isnull=False).values_list(
            "referral_id", flat=True
        )
    )
    CourseTopic.objects.filter(course_id__in=ids).delete()
    # Lifted holds of the course go with it: their placing and lifting stay in the audit log.
    LegalHold.objects.filter(course_id__in=ids, lifted_at__isnull=False).delete()
    Course.objects.filter(pk__in=ids).delete()
    Referral.objects.filter(pk__in=referral_ids).delete()
    return len(ids)


def apply_group_attendance(ctx: Context) -> int:
    key = "group_attendance"
    held = ctx.held_persons().values("pk")
    n = _count_delete(
        Attendance.objects.filter(session__starts_at__lt=ctx.cutoff(key)).exclude(person__in=held)
    )
    # An enrolment goes with the group's last session (or its closing) before the cutoff.
    enrolments = (
        Enrolment.objects.filter(
            Q(group__closed_at__lt=ctx.cutoff(key)) | Q(group__closed_at__isnull=True)
        )
        .exclude(group__sessions__starts_at__gte=ctx.cutoff(key))
        .exclude(group__closed_at__isnull=True, group__sessions__isnull=True)
        .exclude(person__in=held)
    )
    return n + _count_delete(Enrolment.objects.filter(pk__in=list(enrolments.values("pk"))))


def apply_referrals(ctx: Context) -> int:
    """Referrals that never became a course (declined, withdrawn, no contact) or whose
    course is gone, counted from their last change of status."""
    due = (
        Referral.objects.exclude(status__in=OPEN_STATUSES)
        .filter(status_changed_at__lt=ctx.cutoff("referrals"), course__isnull=True)
        .exclude(person__in=ctx.held_persons())
    )
    return _count_delete(Referral.objects.filter(pk__in=list(due.values_list("pk", flat=True))))


def apply_persons(ctx: Context) -> int:
    """A person with nothing left (no course, referral, appointment, group) and no hold is
    anonymised: names, CPR, contact and address cleared; consents, links to relatives and
    access requests deleted. The row stays, as the access log and merges refer to it."""
    person = OuterRef("pk")
    due = (
        Person.objects.filter(created_at__lt=ctx.cutoff("persons"))
        .exclude(pk__in=AnonymisedPerson.objects.values("person_id"))
        .exclude(pk__in=ctx.held_persons().values("pk"))
        .filter(
            ~Exists(Course.objects.filter(person=person)),
            ~Exists(Referral.objects.filter(person=person)),
            ~Exists(Appointment.objects.filter(person=person)),
            ~Exists(Enrolment.objects.filter(person=person)),
            ~Exists(Attendance.objects.filter(person=person)),
        )
    )
    ids = list(due.values_list("pk", flat=True))
    if not ids:
        return 0
    Consent.objects.filter(Q(person_id__in=ids) | Q(recipient_id__in=ids)).delete()
    RelativeLink.objects.filter(Q(relative_id__in=ids) | Q(patient_id__in=ids)).delete()
    PersonAccessRequest.objects.filter(person_id__in=ids).delete()
    Person.objects.filter(pk__in=ids).update(
        given_name="",
        family_name="",
        cpr=None,
        birth_date=None,
        gender="",
        phone="",
        email="",
        street="",
        postal_code="",
        city="",
        protected_address=False,
        contact_times="",
        preferred_times="",
        updated_at=ctx.now,
    )
    AnonymisedPerson.objects.bulk_create(
        [AnonymisedPerson(person_id=pk, anonymised_at=ctx.now) for pk in ids]
    )
    return len(ids)


def apply_applications(ctx: Context) -> int:
    return delete_applications(applications_due(closed_before=ctx.cutoff("applications")))


def apply_research_exports(ctx: Context) -> int:
    """The export files go; the row (who exported what, when and why) stays."""
    return (
        ResearchExport.objects.expired(ctx.cutoff("research_exports"))
        .filter(files_deleted_at__isnull=True)
        .update(csv_data=None, xlsx_data=None, files_deleted_at=ctx.now)
    )


def apply_notifications(ctx: Context) -> int:
    """Sent reminders and digests, and staff notifications once read (an unread one
    stays until someone has seen it)."""
    cutoff = ctx.cutoff("notifications")
    return (
        _count_delete(Reminder.objects.filter(sent_at__lt=cutoff))
        + _count_delete(PeerDigest.objects.filter(sent_at__lt=cutoff))
        + _count_delete(Notification.objects.filter(read_at__lt=cutoff))
    )


def apply_busy_times(ctx: Context) -> int:
    """The agenda's busy times once over: they only keep two bookings apart, and the
    conversation, group session or interview they came from keeps its own record."""
    return _count_delete(Busy.objects.filter(ends_at__lt=ctx.cutoff("busy_times")))


def apply_sessions(ctx: Context) -> int:
    return _count_delete(Session.objects.filter(expire_date__lt=ctx.cutoff("sessions")))


def apply_access_log(ctx: Context) -> int:
    """The access log and the audit trail: whole sealed stretches older than the period
    (brobygger/audit/retention.py keeps the chain verifiable)."""
    return cut_log(cutoff=ctx.cutoff("access_log"))


RECORD_TYPES: tuple[RecordType, ...] = (
    RecordType(
        "questionnaire_links",
        _("Questionnaire links"),
        _("after the link expired (the token is cleared)"),
        Action.ANONYMISE,
        30,
        1,
        180,
        apply_questionnaire_links,
    ),
    RecordType(
        "peer_notes",
        _("Peer notes and their history"),
        _("after the course's last entry"),
        Action.DELETE,
        5 * YEAR,
        2 * YEAR,
        10 * YEAR,
        apply_peer_notes,
    ),
    RecordType(
        "questionnaire_responses",
        _("Questionnaire responses and scores"),
        _("after the course ended"),
        Action.DELETE,
        5 * YEAR,
        1 * YEAR,
        10 * YEAR,
        apply_questionnaire_responses,
    ),
    RecordType(
        "admissions",
        _("Admissions"),
        _("after the course ended"),
        Action.DELETE,
        5 * YEAR,
        1 * YEAR,
        10 * YEAR,
        apply_admissions,
    ),
    RecordType(
        "appointments",
        _("Appointments of ended courses"),
        _("after the course ended"),
        Action.DELETE,
        5 * YEAR,
        1 * YEAR,
        10 * YEAR,
        apply_appointments,
    ),
    RecordType(
        "courses",
        _("Courses"),
        _("after the course ended, once nothing of it is kept longer"),
        Action.DELETE,
        5 * YEAR,
        2 * YEAR,
        10 * YEAR,
        apply_courses,
    ),
    RecordType(
        "group_attendance",
        _("Group attendance and sign-ups"),
        _("after the group session"),
        Action.DELETE,
        5 * YEAR,
        1 * YEAR,
        10 * YEAR,
        apply_group_attendance,
    ),
    RecordType(
        "referrals",
        _("Referrals without a course"),
        _("after the referral was closed"),
        Action.DELETE,
        2 * YEAR,
        180,
        5 * YEAR,
        apply_referrals,
    ),
    RecordType(
        "persons",
        _("Persons (patients and relatives) with nothing left"),
        _("after the person was created, once nothing else is kept"),
        Action.ANONYMISE,
        5 * YEAR,
        1 * YEAR,
        10 * YEAR,
        apply_persons,
    ),
    RecordType(
        "applications",
        _("Job applications not hired"),
        _("after the posting closed"),
        Action.DELETE,
        183,
        30,
        2 * YEAR,
        apply_applications,
    ),
    RecordType(
        "research_exports",
        _("Research export files"),
        _("after the download link expired (who exported what stays)"),
        Action.DELETE,
        0,
        0,
        30,
        apply_research_exports,
    ),
    RecordType(
        "notifications",
        _("Sent reminders, digests and read notifications"),
        _("after they were sent"),
        Action.DELETE,
        YEAR,
        30,
        5 * YEAR,
        apply_notifications,
    ),
    RecordType(
        "busy_times",
        _("Busy times in the agenda"),
        _("after the time was over"),
        Action.DELETE,
        YEAR,
        30,
        5 * YEAR,
        apply_busy_times,
    ),
    RecordType(
        "sessions",
        _("Expired sign-in sessions"),
        _("after the session expired"),
        Action.DELETE,
        0,
        0,
        30,
        apply_sessions,
    ),
    RecordType(
        "access_log",
        _("Access log and audit trail"),
        _("after the entry was written (whole sealed stretches, oldest first)"),
        Action.DELETE,
        5 * YEAR,
        183,
        5 * YEAR,
        apply_access_log,
    ),
)

BY_KEY = {t.key: t for t in RECORD_TYPES}
