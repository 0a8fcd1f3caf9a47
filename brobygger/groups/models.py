"""Recovery groups: a series of sessions, its participants, attendance and group notes."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from brobygger.accounts import policy
from brobygger.accounts.models import Unit
from brobygger.lib.dates import elapsed_minutes
from brobygger.people.models import PeerWorker, Person

MIN_CAPACITY, MAX_CAPACITY = 1, 30
MAX_FACILITATORS = 2


class RecoveryGroupQuerySet(models.QuerySet["RecoveryGroup"]):
    def open(self) -> RecoveryGroupQuerySet:
        return self.filter(closed_at__isnull=True)

    def visible_to(self, user: Any) -> RecoveryGroupQuerySet:
        """Coordinators: groups of their units and those with no unit; peers: groups they
        facilitate; everyone else: none (evaluators see numbers in reports only)."""
        if policy.is_coordinator(user):
            return self.filter(policy.unit_q(user))
        if policy.is_peer(user):
            return self.filter(facilitators__user=user)
        return self.none()


class RecoveryGroup(models.Model):
    """A group series (recovery-gruppe) run by one or two peer workers."""

    title = models.CharField(_("title"), max_length=150)
    theme = models.TextField(_("theme"), max_length=2000, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recovery_groups",
        db_index=False,
    )
    place = models.CharField(_("place"), max_length=200)
    capacity = models.PositiveSmallIntegerField(_("places"))
    # One or two; the service enforces the count (a database cannot count M2M rows).
    facilitators = models.ManyToManyField(
        PeerWorker, verbose_name=_("facilitators"), related_name="recovery_groups"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = RecoveryGroupQuerySet.as_manager()

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("recovery group")
        verbose_name_plural = _("recovery groups")
        indexes = [models.Index(fields=["unit", "closed_at"], name="group_unit_closed")]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=MIN_CAPACITY) & Q(capacity__lte=MAX_CAPACITY),
                name="group_capacity_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class GroupSessionQuerySet(models.QuerySet["GroupSession"]):
    def active(self) -> GroupSessionQuerySet:
        """What takes up the facilitators' time: everything but cancelled sessions."""
        return self.filter(cancelled=False)

    def overlapping(self, starts_at: Any, ends_at: Any) -> GroupSessionQuerySet:
        # Half-open ranges [start, end), as for conversations: back to back is fine.
        return self.filter(starts_at__lt=ends_at, ends_at__gt=starts_at)

    def visible_to(self, user: Any) -> GroupSessionQuerySet:
        return self.filter(group__in=RecoveryGroup.objects.visible_to(user))


class GroupSession(models.Model):
    """One meeting of a group: when, the plan (topic) and afterwards a group note."""

    group = models.ForeignKey(
        RecoveryGroup, on_delete=models.CASCADE, related_name="sessions", db_index=False
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    topic = models.CharField(_("topic"), max_length=300, blank=True)
    # About the group as a whole; never about one participant (see services.save_group_note).
    note = models.TextField(_("group note"), max_length=4000, blank=True)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    # Planned anyway outside a facilitator's hours, on a day off or a public holiday: why.
    override_reason = models.CharField(
        _("why outside the peer's hours"), max_length=300, blank=True
    )
    # Who runs this session: a fact of the session, for hours, timesheets and clashes.
    # Set from the group's facilitators when the session is planned; a change on the
    # group moves only the sessions that have not begun, so approved months stay as
    # they were. Who may see and run the group is still decided by the group.
    facilitators = models.ManyToManyField(
        PeerWorker,
        verbose_name=_("facilitators"),
        related_name="facilitated_sessions",
        blank=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GroupSessionQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("group session")
        verbose_name_plural = _("group sessions")
        indexes = [
            models.Index(fields=["group", "starts_at"], name="groupsession_group_start"),
            models.Index(fields=["starts_at", "ends_at"], name="groupsession_period"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="groupsession_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def minutes(self) -> int:
        return elapsed_minutes(self.starts_at, self.ends_at)


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    WAITING = "waiting", _("On the waiting list")
    LEFT = "left", _("Left the group")


class EnrolmentQuerySet(models.QuerySet["Enrolment"]):
    def enrolled(self) -> EnrolmentQuerySet:
        return self.filter(status=EnrolmentStatus.ENROLLED)

    def waiting(self) -> EnrolmentQuerySet:
        return self.filter(status=EnrolmentStatus.WAITING).order_by("position")


class Enrolment(models.Model):
    """A patient's place in a group, or their place in line for one."""

    group = models.ForeignKey(
        RecoveryGroup, on_delete=models.PROTECT, related_name="enrolments", db_index=False
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="group_enrolments", db_index=False
    )
    status = models.CharField(_("status"), max_length=10, choices=EnrolmentStatus.choices)
    # 1, 2, 3 ... in line while waiting; empty otherwise.
    position = models.PositiveSmallIntegerField(_("place on the waiting list"), null=True)
    enrolled_at = models.DateTimeField(_("signed up"))
    changed_at = models.DateTimeField(auto_now=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["group", "status", "position", "id"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        indexes = [
            models.Index(fields=["group", "status", "position"], name="enrolment_group_status"),
            models.Index(fields=["person", "status"], name="enrolment_person_status"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["group", "person"], name="enrolment_once_per_group"),
            models.UniqueConstraint(
                fields=["group", "position"],
                condition=Q(status="waiting"),
                name="enrolment_one_per_waiting_place",
            ),
            models.CheckConstraint(
                condition=(Q(status="waiting") & Q(position__isnull=False) & Q(position__gte=1))
                | (~Q(status="waiting") & Q(position__isnull=True)),
                name="enrolment_position_only_when_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_id}/{self.person_id} {self.status}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Sent word")


class Attendance(models.Model):
    session = models.ForeignKey(
        GroupSession, on_delete=models.PROTECT, related_name="attendance", db_index=False
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="group_attendance", db_index=False
    )
    status = models.CharField(_("attendance"), max_length=10, choices=AttendanceStatus.choices)
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session", "id"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        indexes = [models.Index(fields=["person"], name="attendance_person")]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"], name="attendance_once_per_session"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.person_id} {self.status}"
