"""Pseudonymised research exports for the evaluator, and the runs that delete them.

Issue 8: one row per course and per administration, a pseudonym per person that is
stable within an export and unlinkable across exports, dates shifted per person, no
names, CPR numbers, addresses, contact details or free text. The built files are kept
in the database (DESIGN.md §4: nothing on local disk but static files) for 24 hours and
are then deleted; the row stays, so it remains known who exported what and why.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from brobygger.lib.periods import whole_years
from brobygger.outcomes.models import Instrument
from brobygger.referrals.models import SupportModel


class ResearchExportQuerySet(models.QuerySet["ResearchExport"]):
    def created_by(self, user: Any) -> ResearchExportQuerySet:
        return self.filter(created_by=user)

    def expired(self, now: Any = None) -> ResearchExportQuerySet:
        return self.filter(expires_at__lte=now or timezone.now())

    def without_files(self) -> ResearchExportQuerySet:
        """Everything but the file contents, for lists."""
        return self.defer("csv_data", "xlsx_data")


class ResearchExport(models.Model):
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"))
    purpose = models.TextField(_("purpose"), max_length=500)
    started_from = models.DateField(_("courses started from"))
    started_to = models.DateField(_("courses started until"))
    # Support-model codes; empty means all of them.
    support_models = models.JSONField(_("support models"), default=list, blank=True)
    instrument = models.ForeignKey(
        Instrument,
        verbose_name=_("questionnaire"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    course_rows = models.PositiveIntegerField(_("courses"))
    administration_rows = models.PositiveIntegerField(_("questionnaires"))
    # What the k-anonymity check did (research.tables.Release.summary): k, the step of
    # the generalisation ladder and how many courses, persons and questionnaires were
    # left out. Counts and codes only, never a value of a person.
    anonymity = models.JSONField(_("anonymity"), default=dict, blank=True, editable=False)
    # sha256 of the download token: the raw token is only ever in the creator's session.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    csv_data = models.BinaryField(null=True, editable=False)
    xlsx_data = models.BinaryField(null=True, editable=False)
    files_deleted_at = models.DateTimeField(_("files deleted"), null=True, blank=True)
    downloads = models.PositiveIntegerField(_("downloads"), default=0)

    objects = ResearchExportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("research export")
        verbose_name_plural = _("research exports")
        indexes = [
            models.Index(fields=["created_by", "created_at"], name="researchexport_by_created"),
            models.Index(fields=["files_deleted_at", "expires_at"], name="researchexport_expiry"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="researchexport_expires_after_created",
            ),
            models.CheckConstraint(
                condition=Q(started_to__gte=models.F("started_from")),
                name="researchexport_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(files_deleted_at__isnull=True)
                | Q(csv_data__isnull=True, xlsx_data__isnull=True),
                name="researchexport_deleted_has_no_files",
            ),
            models.CheckConstraint(condition=~Q(purpose=""), name="researchexport_purpose_given"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    def is_expired(self, now: Any = None) -> bool:
        return bool(self.expires_at <= (now or timezone.now()))

    @property
    def period_label(self) -> str:
        """The calendar years the export covers: "2026" or "2025-2026" (the days, for an
        export made before exports covered whole years)."""
        first, last = self.started_from, self.started_to
        if not whole_years(first, last):
            return f"{first.isoformat()} \u2013 {last.isoformat()}"
        return str(first.year) if first.year == last.year else f"{first.year}\u2013{last.year}"

    @property
    def has_files(self) -> bool:
        return self.files_deleted_at is None

    @property
    def support_model_labels(self) -> list[str]:
        labels = dict(SupportModel.choices)
        return [str(labels.get(code, code)) for code in self.support_models]


class ExportPurge(models.Model):
    """One run of `purge_research_exports`: when, and how many exports lost their files."""

    ran_at = models.DateTimeField()
    deleted = models.PositiveIntegerField()

    class Meta:
        ordering = ["-ran_at", "-id"]

    def __str__(self) -> str:
        return f"{self.ran_at:%Y-%m-%d %H:%M}: {self.deleted}"
