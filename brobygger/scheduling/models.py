"""Peers' availability, conversations (appointments), reminders and calendar feeds."""

from __future__ import annotations

import datetime
import hashlib
import secrets
import uuid
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from brobygger.accounts import policy
from brobygger.lib.dates import elapsed_minutes
from brobygger.people.models import PeerWorker, Person
from brobygger.referrals.models import Course

# The ValidationError code of a time outside a peer's hours (services.check_availability).
OUTSIDE_HOURS = "outside_hours"


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class AvailabilityWindow(models.Model):
    """A weekly window (local Copenhagen wall-clock time) in which a peer can meet."""

    peer = models.ForeignKey(
        PeerWorker, on_delete=models.CASCADE, related_name="windows", db_index=False
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("to"))

    class Meta:
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="window_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="window_weekday_range"
            ),
        ]
        indexes = [models.Index(fields=["peer", "weekday"], name="window_peer_day")]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class ExceptionKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday")
    SICK = "sick", _("Sick")
    UNAVAILABLE = "unavailable", _("Not available")
    EXTRA = "extra", _("Extra time available")


AWAY_KINDS = (ExceptionKind.HOLIDAY, ExceptionKind.SICK, ExceptionKind.UNAVAILABLE)


class AvailabilityExceptionQuerySet(models.QuerySet["AvailabilityException"]):
    def away(self) -> AvailabilityExceptionQuerySet:
        """Holiday, sickness and other time off: everything but extra time."""
        return self.exclude(kind=ExceptionKind.EXTRA)

    def touching(self, first: datetime.date, last: datetime.date) -> AvailabilityExceptionQuerySet:
        """Entries with at least one day in [first, last] (both inclusive)."""
        return self.filter(starts_on__lte=last, ends_on__gte=first)

    def on(self, day: datetime.date) -> AvailabilityExceptionQuerySet:
        return self.touching(day, day)


class AvailabilityException(models.Model):
    """A one-off change: away (holiday, sickness) from one date to another, both days
    included, or extra time on one date. Hours (from-to) only on a one-day entry."""

    # Stable and not guessable: the calendar feed's UID for an absence.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    peer = models.ForeignKey(
        PeerWorker, on_delete=models.CASCADE, related_name="exceptions", db_index=False
    )
    starts_on = models.DateField(_("from date"))
    ends_on = models.DateField(_("to date"))
    kind = models.CharField(_("kind"), max_length=12, choices=ExceptionKind.choices)
    start_time = models.TimeField(_("from"), null=True, blank=True)
    end_time = models.TimeField(_("to"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # Entries are added and removed, never changed: the feed's DTSTAMP.
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AvailabilityExceptionQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(start_time__isnull=True, end_time__isnull=True)
                    | Q(end_time__gt=models.F("start_time"))
                ),
                name="exception_times",
            ),
            models.CheckConstraint(
                condition=~Q(kind="extra") | Q(start_time__isnull=False),
                name="exception_extra_has_times",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="exception_ends_on_or_after"
            ),
            models.CheckConstraint(
                condition=Q(start_time__isnull=True) | Q(ends_on=models.F("starts_on")),
                name="exception_hours_on_one_day",
            ),
        ]
        # "Is peer X away on day D / in period P": peer, then ends_on >= first (mostly
        # the few entries not yet over), then starts_on <= last.
        indexes = [
            models.Index(fields=["peer", "ends_on", "starts_on"], name="exception_peer_period")
        ]

    def __str__(self) -> str:
        return f"{self.starts_on}\u2013{self.ends_on} {self.kind}"

    @property
    def whole_day(self) -> bool:
        return self.start_time is None

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


class Mode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video")


class PlaceKind(models.TextChoices):
    WARD = "ward", _("On the ward")
    CLINIC = "clinic", _("At the clinic")
    OTHER = "other", _("Somewhere else")


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("Did not come")


ACTIVE_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.HELD, AppointmentStatus.NO_SHOW)


class CancelledBy(models.TextChoices):
    PERSON = "person", _("The person")
    PEER = "peer", _("The peer")
    COORDINATOR = "coordinator", _("The coordinator")


class AppointmentQuerySet(models.QuerySet["Appointment"]):
    def active(self) -> AppointmentQuerySet:
        """What takes up time: everything but cancelled."""
        return self.exclude(status=AppointmentStatus.CANCELLED)

    def overlapping(self, starts_at: Any, ends_at: Any) -> AppointmentQuerySet:
        # Half-open ranges [start, end): back-to-back conversations do not clash.
        return self.filter(starts_at__lt=ends_at, ends_at__gt=starts_at)

    def visible_to(self, user: Any) -> AppointmentQuerySet:
        """Through the course: accounts/policy.py."""
        return self.filter(policy.course_q(user, "course__"))


class Appointment(models.Model):
    """One individual conversation: in person, by phone or video."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="appointments")
    # Copied from the course so the database can refuse double booking per peer and person.
    peer = models.ForeignKey(
        PeerWorker, on_delete=models.PROTECT, related_name="appointments", db_index=False
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="appointments", db_index=False
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    mode = models.CharField(_("how"), max_length=10, choices=Mode.choices)
    place_kind = models.CharField(_("where"), max_length=10, choices=PlaceKind.choices, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.BOOKED,
    )
    cancelled_by = models.CharField(
        _("cancelled by"), max_length=12, choices=CancelledBy.choices, blank=True
    )
    cancel_reason = models.CharField(_("why"), max_length=300, blank=True)
    # Booked anyway outside the peer's hours, on a day off or a public holiday: why
    # (empty when the time was inside). Also in the booking's audit event.
    override_reason = models.CharField(
        _("why outside the peer's hours"), max_length=300, blank=True
    )
    # RFC 5545 SEQUENCE: raised on every change a calendar must pick up.
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["peer", "starts_at"], name="appointment_peer_start"),
            models.Index(fields=["person", "starts_at"], name="appointment_person_start"),
            models.Index(fields=["status", "starts_at"], name="appointment_status_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="appointment_end_after_start"
            ),
            # The no-overlap rule itself is an exclusion constraint on PostgreSQL
            # (migration 0002); SQLite relies on immediate transactions and the service.
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def minutes(self) -> int:
        return elapsed_minutes(self.starts_at, self.ends_at)

    @property
    def reference(self) -> str:
        return f"S-{self.pk}"


class ReminderRecipient(models.TextChoices):
    PERSON = "person", _("The person")
    PEER = "peer", _("The peer")


class Reminder(models.Model):
    """One reminder sent; the unique key makes the job send each reminder once."""

    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="reminders", db_index=False
    )
    recipient = models.CharField(max_length=10, choices=ReminderRecipient.choices)
    channel = models.CharField(max_length=10)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "recipient"], name="reminder_once_per_recipient"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appointment_id} -> {self.recipient}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


def hash_feed_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeed(models.Model):
    """A private, revocable calendar address for one peer (no names in it).

    Only the sha256 of the address's token is kept, as for invitations and withdraw
    links: a copy of the database cannot be used to subscribe to anyone's calendar.
    """

    peer = models.ForeignKey(PeerWorker, on_delete=models.CASCADE, related_name="feeds")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["peer"],
                condition=Q(revoked_at__isnull=True),
                name="calendarfeed_one_active_per_peer",
            ),
        ]

    def __str__(self) -> str:
        return f"feed {self.peer_id}"
