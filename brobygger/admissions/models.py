"""Hospital admissions per course, entered by the coordinator or imported from the hospital.

Used only in aggregate (readmissions and bed days on the dashboard and in reports).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from brobygger.accounts.models import Unit
from brobygger.referrals.models import Course


class AdmissionSource(models.TextChoices):
    ENTERED = "entered", _("Entered by the coordinator")
    IMPORTED = "imported", _("Imported from the hospital")


class Admission(models.Model):
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="admissions", db_index=False
    )
    admitted_on = models.DateField(_("admitted"))
    discharged_on = models.DateField(_("discharged"), null=True, blank=True)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="admissions",
        verbose_name=_("unit"),
    )
    source = models.CharField(
        _("source"), max_length=10, choices=AdmissionSource.choices, default=AdmissionSource.ENTERED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["admitted_on", "id"]
        verbose_name = _("admission")
        verbose_name_plural = _("admissions")
        indexes = [models.Index(fields=["admitted_on"], name="admission_admitted")]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "admitted_on"], name="admission_one_per_course_day"
            ),
            models.CheckConstraint(
                condition=Q(discharged_on__isnull=True)
                | Q(discharged_on__gte=models.F("admitted_on")),
                name="admission_discharge_after_admission",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def bed_days(self) -> int | None:
        """Nights in hospital; None while the person is still admitted."""
        if self.discharged_on is None:
            return None
        return (self.discharged_on - self.admitted_on).days


class AdmissionImport(models.Model):
    """One saved import of a hospital file: who, when, which file (its hash) and the counts.

    The file itself is not kept: it is read, previewed and saved within one session.
    The access-log entry of the import points at this row, so the log shows how many
    admissions one use of the CPR numbers concerned.
    """

    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    file_sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(_("rows"))
    created = models.PositiveIntegerField(_("new"))
    changed = models.PositiveIntegerField(_("changed"))
    unchanged = models.PositiveIntegerField(_("unchanged"))

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = _("admission import")
        verbose_name_plural = _("admission imports")
        constraints = [
            models.CheckConstraint(
                condition=Q(rows=models.F("created") + models.F("changed") + models.F("unchanged")),
                name="admissionimport_counts_add_up",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"
