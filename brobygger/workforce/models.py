"""The peer workforce: peer education and supervision from outside the hospital.

Peer education is paid by the employer when a new peer has none; supervision comes
from a user organisation, the peer network or the programme itself (DOMAIN.md § 1).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from brobygger.accounts import policy
from brobygger.accounts.models import Unit

# Attendance has the same three answers as at a recovery group session.
from brobygger.groups.models import AttendanceStatus
from brobygger.people.models import PeerWorker

MIN_TARGET_DAYS, MAX_TARGET_DAYS = 7, 180
MIN_SESSION_MINUTES, MAX_SESSION_MINUTES = 30, 480


class EducationRecordStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ONGOING = "ongoing", _("Ongoing")
    COMPLETED = "completed", _("Completed")
    DROPPED = "dropped", _("Dropped out")


class EducationRecordQuerySet(models.QuerySet["EducationRecord"]):
    def upcoming(self) -> EducationRecordQuerySet:
        """Planned or under way: what the coordinator can count on."""
        return self.filter(
            status__in=[EducationRecordStatus.PLANNED, EducationRecordStatus.ONGOING]
        )

    def taking_time(self) -> EducationRecordQuerySet:
        """Courses whose hours are working time on a timesheet (not planned, not dropped)."""
        return self.filter(
            status__in=[EducationRecordStatus.ONGOING, EducationRecordStatus.COMPLETED]
        )


class EducationRecord(models.Model):
    """One course of peer education for one peer worker."""

    peer = models.ForeignKey(
        PeerWorker,
        verbose_name=_("peer worker"),
        on_delete=models.CASCADE,
        related_name="education_records",
        db_index=False,
    )
    provider = models.CharField(_("provider"), max_length=200)
    title = models.CharField(pgettext_lazy("education", "course"), max_length=200)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    status = models.CharField(_("status"), max_length=10, choices=EducationRecordStatus.choices)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1, default=0)
    cost = models.DecimalField(_("cost (DKK)"), max_digits=10, decimal_places=2, default=0)
    paid_by_employer = models.BooleanField(_("paid by the employer"), default=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EducationRecordQuerySet.as_manager()

    class Meta:
        ordering = ["peer", "starts_on", "id"]
        verbose_name = _("education record")
        verbose_name_plural = _("education records")
        indexes = [
            models.Index(fields=["peer", "status"], name="education_peer_status"),
            models.Index(fields=["starts_on"], name="education_starts"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="education_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(hours__gte=0), name="education_hours_not_negative"),
            models.CheckConstraint(condition=Q(cost__gte=0), name="education_cost_not_negative"),
            models.CheckConstraint(
                condition=Q(status__in=EducationRecordStatus.values), name="education_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.peer_id})"


class ProviderKind(models.TextChoices):
    USER_ORGANISATION = "user_org", _("User organisation")
    PEER_NETWORK = "peer_network", _("Peer network")
    INTERNAL = "internal", _("Internal")
    EXTERNAL_SUPERVISOR = "external", _("External supervisor")


class SupervisionGroupQuerySet(models.QuerySet["SupervisionGroup"]):
    def open(self) -> SupervisionGroupQuerySet:
        return self.filter(closed_at__isnull=True)

    def visible_to(self, user: Any) -> SupervisionGroupQuerySet:
        """Coordinators: groups of their units and those across units; peers: their own
        groups; everyone else: none."""
        if policy.is_coordinator(user):
            return self.filter(policy.unit_q(user))
        if policy.is_peer(user):
            return self.filter(members__user=user)
        return self.none()


class SupervisionGroup(models.Model):
    """A standing supervision group and who provides it."""

    name = models.CharField(_("name"), max_length=150)
    provider_kind = models.CharField(
        _("kind of provider"), max_length=20, choices=ProviderKind.choices
    )
    provider_name = models.CharField(_("provider"), max_length=150)
    supervisor_name = models.CharField(_("supervisor"), max_length=150, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervision_groups",
    )
    # Each member should attend at least once within this many days.
    target_days = models.PositiveSmallIntegerField(_("target: at least every (days)"), default=28)
    members = models.ManyToManyField(
        PeerWorker, verbose_name=_("members"), blank=True, related_name="supervision_groups"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = SupervisionGroupQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("supervision group")
        verbose_name_plural = _("supervision groups")
        constraints = [
            models.CheckConstraint(
                condition=Q(target_days__gte=MIN_TARGET_DAYS) & Q(target_days__lte=MAX_TARGET_DAYS),
                name="supervision_target_days_range",
            ),
            models.CheckConstraint(
                condition=Q(provider_kind__in=ProviderKind.values),
                name="supervision_provider_kind_known",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class SupervisionSessionQuerySet(models.QuerySet["SupervisionSession"]):
    def visible_to(self, user: Any) -> SupervisionSessionQuerySet:
        return self.filter(group__in=SupervisionGroup.objects.visible_to(user))


class SupervisionSession(models.Model):
    """One meeting of a supervision group. Themes in general words, never about a person."""

    group = models.ForeignKey(
        SupervisionGroup, on_delete=models.CASCADE, related_name="sessions", db_index=False
    )
    starts_at = models.DateTimeField(_("starts"))
    minutes = models.PositiveSmallIntegerField(_("length (minutes)"))
    place = models.CharField(_("place"), max_length=200)
    themes = models.TextField(_("themes"), max_length=2000, blank=True)
    # Why it was planned though a member is away, on a public holiday or outside their
    # hours (scheduling.services.check_availability); empty when the time suited everyone.
    override_reason = models.CharField(
        _("why outside the peers' hours"), max_length=300, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SupervisionSessionQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("supervision session")
        verbose_name_plural = _("supervision sessions")
        indexes = [models.Index(fields=["group", "starts_at"], name="supsession_group_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=MIN_SESSION_MINUTES) & Q(minutes__lte=MAX_SESSION_MINUTES),
                name="supsession_minutes_range",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def ends_at(self) -> datetime.datetime:
        return self.starts_at + datetime.timedelta(minutes=self.minutes)


class SupervisionAttendance(models.Model):
    session = models.ForeignKey(
        SupervisionSession,
        on_delete=models.CASCADE,
        related_name="attendance",
        db_index=False,
    )
    peer = models.ForeignKey(
        PeerWorker,
        on_delete=models.CASCADE,
        related_name="supervision_attendance",
        db_index=False,
    )
    status = models.CharField(_("attendance"), max_length=10, choices=AttendanceStatus.choices)
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session", "id"]
        verbose_name = _("supervision attendance")
        verbose_name_plural = _("supervision attendance")
        indexes = [models.Index(fields=["peer", "status"], name="supattendance_peer_status")]
        constraints = [
            models.UniqueConstraint(fields=["session", "peer"], name="supattendance_once"),
            models.CheckConstraint(
                condition=Q(status__in=AttendanceStatus.values), name="supattendance_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.peer_id} {self.status}"
