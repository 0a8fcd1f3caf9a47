"""A peer's hours per month: the timesheet, its state and the indirect work entered by hand.

Conversations, group sessions, supervision, education and interviews are counted from
their own apps (see sources.py); only indirect work is entered here. At confirmation the
minutes of every source are copied onto the timesheet, so payroll pays what the peer
confirmed and the coordinator approved, even if a conversation is edited later.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from brobygger.people.models import PeerWorker

MIN_ENTRY_MINUTES, MAX_ENTRY_MINUTES = 5, 600
DESCRIPTION_LENGTH = 200


class TimesheetState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed by the peer")
    APPROVED = "approved", _("Approved")


# The sources of a month's hours, in the order pages and the payroll file show them.
SOURCES = (
    "conversations",
    "groups",
    "supervision",
    "education",
    "interviews",
    "indirect",
    "transport",
)
SOURCE_LABELS = {
    "conversations": _("Conversations held"),
    "groups": _("Group sessions"),
    "supervision": _("Supervision"),
    "education": _("Peer education"),
    "interviews": _("Job interviews"),
    "indirect": _("Indirect work"),
    "transport": _("Transport"),
}


class Timesheet(models.Model):
    """One peer's month: draft → confirmed (by the peer) → approved (by the coordinator)."""

    peer = models.ForeignKey(
        PeerWorker, on_delete=models.PROTECT, related_name="timesheets", db_index=False
    )
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    state = models.CharField(
        _("status"), max_length=10, choices=TimesheetState.choices, default=TimesheetState.DRAFT
    )
    # The snapshot: minutes per source and the contract band, copied at confirmation.
    conversations_minutes = models.PositiveIntegerField(null=True, blank=True)
    groups_minutes = models.PositiveIntegerField(null=True, blank=True)
    supervision_minutes = models.PositiveIntegerField(null=True, blank=True)
    education_minutes = models.PositiveIntegerField(null=True, blank=True)
    interviews_minutes = models.PositiveIntegerField(null=True, blank=True)
    indirect_minutes = models.PositiveIntegerField(null=True, blank=True)
    # Travel entries (IndirectCategory.TRAVEL); months confirmed before transport was a
    # kind of its own carry their travel inside indirect_minutes and 0 here.
    transport_minutes = models.PositiveIntegerField(null=True, blank=True)
    contract_min_minutes = models.PositiveIntegerField(null=True, blank=True)
    contract_max_minutes = models.PositiveIntegerField(null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Why the coordinator last sent the month back or reopened it; shown to the peer.
    returned_reason = models.CharField(_("reason"), max_length=300, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "-month", "peer_id"]
        verbose_name = _("timesheet")
        verbose_name_plural = _("timesheets")
        indexes = [models.Index(fields=["year", "month", "state"], name="timesheet_month_state")]
        constraints = [
            models.UniqueConstraint(
                fields=["peer", "year", "month"], name="timesheet_once_a_month"
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12) & Q(year__gte=2000, year__lte=2100),
                name="timesheet_month_range",
            ),
            # A confirmed or approved month always carries its snapshot.
            models.CheckConstraint(
                condition=Q(state="draft")
                | (
                    Q(conversations_minutes__isnull=False)
                    & Q(groups_minutes__isnull=False)
                    & Q(supervision_minutes__isnull=False)
                    & Q(education_minutes__isnull=False)
                    & Q(interviews_minutes__isnull=False)
                    & Q(indirect_minutes__isnull=False)
                    & Q(transport_minutes__isnull=False)
                    & Q(contract_min_minutes__isnull=False)
                    & Q(contract_max_minutes__isnull=False)
                    & Q(confirmed_at__isnull=False)
                ),
                name="timesheet_snapshot_when_confirmed",
            ),
            models.CheckConstraint(
                condition=~Q(state="approved") | Q(approved_at__isnull=False),
                name="timesheet_approved_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.peer_id} {self.year}-{self.month:02d}"

    @property
    def is_locked(self) -> bool:
        return self.state == TimesheetState.APPROVED

    def snapshot(self) -> dict[str, int] | None:
        """Minutes per source as confirmed, or None for a draft."""
        if self.state == TimesheetState.DRAFT or self.conversations_minutes is None:
            return None
        return {source: int(getattr(self, f"{source}_minutes") or 0) for source in SOURCES}


class IndirectCategory(models.TextChoices):
    PREPARATION = "preparation", _("Preparation and documentation")
    TRAVEL = "travel", _("Travel")
    MEETINGS = "meetings", _("Meetings")
    OTHER = "other", _("Training and other")


class IndirectEntry(models.Model):
    """Work away from the person (preparation, travel, meetings), entered by the peer.

    The description is in general words: never a name or a CPR number (the form warns).
    """

    timesheet = models.ForeignKey(
        Timesheet, on_delete=models.CASCADE, related_name="entries", db_index=False
    )
    date = models.DateField(_("date"))
    minutes = models.PositiveSmallIntegerField(_("minutes"))
    category = models.CharField(_("kind of work"), max_length=12, choices=IndirectCategory.choices)
    description = models.CharField(_("description"), max_length=DESCRIPTION_LENGTH)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("indirect work")
        verbose_name_plural = _("indirect work")
        indexes = [models.Index(fields=["timesheet", "date"], name="indirect_sheet_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=MIN_ENTRY_MINUTES, minutes__lte=MAX_ENTRY_MINUTES),
                name="indirect_minutes_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.category} {self.minutes}"
