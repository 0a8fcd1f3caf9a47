from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    OK = "ok", _("OK")
    FAILED = "failed", _("Failed")


class Heartbeat(models.Model):
    """One row per scheduled job: when it was last enqueued, started and finished, and how
    it went. Operational data with no person in it; the error is the exception's class (and
    the command's own message), never the text of a database or mail error, which may
    quote personal data."""

    name = models.CharField(max_length=64, unique=True)
    every = models.DurationField(help_text="The expected interval, from jobs/schedule.py.")
    last_enqueued_at = models.DateTimeField(null=True, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_succeeded_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=8, choices=Outcome.choices, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_outcome__in=["", "ok", "failed"]),
                name="jobs_heartbeat_outcome_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(last_outcome="failed") | models.Q(last_error=""),
                name="jobs_heartbeat_error_only_when_failed",
            ),
        ]

    def __str__(self) -> str:
        return self.name
