"""Retention: the periods the administrator set, the legal holds, and the runs.

The record types themselves (their clocks, actions and legal bounds) are code, in
`registry.py`; a `RetentionPolicy` row exists only for a type whose period was changed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from brobygger.people.models import Person
from brobygger.referrals.models import Course


class RetentionPolicy(models.Model):
    """The period the administrator chose for one record type (within its legal bounds)."""

    record_type = models.CharField(max_length=40, unique=True)
    period_days = models.PositiveIntegerField(_("period in days"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")

    def __str__(self) -> str:
        return self.record_type


class LegalHoldQuerySet(models.QuerySet["LegalHold"]):
    def active(self) -> LegalHoldQuerySet:
        return self.filter(lifted_at__isnull=True)


class LegalHold(models.Model):
    """Nothing of the person (all their courses) or of the course is deleted while it holds:
    a complaint, a claim, an inspection. Lifted with a reason, never deleted."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="legal_holds"
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, null=True, blank=True, related_name="legal_holds"
    )
    reason = models.CharField(_("reason"), max_length=300)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    placed_at = models.DateTimeField()
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lift_reason = models.CharField(_("reason for lifting"), max_length=300, blank=True)

    objects = LegalHoldQuerySet.as_manager()

    class Meta:
        ordering = ["-placed_at", "-id"]
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        constraints = [
            models.CheckConstraint(
                condition=(Q(person__isnull=False) & Q(course__isnull=True))
                | (Q(person__isnull=True) & Q(course__isnull=False)),
                name="legalhold_person_xor_course",
            ),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True) | ~Q(lift_reason=""),
                name="legalhold_lift_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"


class AnonymisedPerson(models.Model):
    """A person whose identifying data retention has cleared (the row stays: the access
    log and merges refer to it)."""

    person = models.OneToOneField(
        Person, on_delete=models.PROTECT, primary_key=True, related_name="anonymised"
    )
    anonymised_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"#{self.pk}"


class RetentionRun(models.Model):
    """One real run of the retention job: the count per record type (no names)."""

    ran_at = models.DateTimeField()
    ran_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-ran_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk}"
