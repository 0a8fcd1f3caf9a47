"""A break-the-glass grant: one user may read one person, for a few hours, for a reason.

DESIGN.md §2: access follows from an active referral or match; anything else is "break
the glass": a stated reason, logged, flagged for review. The grant is the flag: it stays
in the administrators' review queue until one of them marks it reviewed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from brobygger.people.models import Person


class GlassReason(models.TextChoices):
    ACUTE = "acute", _("Acute situation")
    COVERING = "covering", _("Covering for a colleague")
    ASKED = "asked", _("The person asked for it")
    OTHER = "other", _("Other")


class GlassAccessQuerySet(models.QuerySet["GlassAccess"]):
    def active(self, at: Any = None) -> GlassAccessQuerySet:
        return self.filter(expires_at__gt=at or timezone.now())

    def unreviewed(self) -> GlassAccessQuerySet:
        return self.filter(reviewed_at__isnull=True)

    def reviewed(self) -> GlassAccessQuerySet:
        return self.filter(reviewed_at__isnull=False)


class GlassAccess(models.Model):
    """`user` may read `person` (and their courses) until `expires_at`, because of `reason`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="glass_accesses", db_index=False
    )
    reason = models.CharField(_("reason"), max_length=10, choices=GlassReason.choices)
    # What happened, in the user's words: shown to the reviewing administrator, never in
    # an audit event, a log line or an e-mail.
    text = models.CharField(_("explanation"), max_length=500)
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.CharField(_("review comment"), max_length=500, blank=True)

    objects = GlassAccessQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at", "-id"]
        verbose_name = _("break-the-glass access")
        verbose_name_plural = _("break-the-glass accesses")
        indexes = [
            models.Index(fields=["user", "expires_at"], name="glass_user_expires"),
            models.Index(fields=["reviewed_at", "granted_at"], name="glass_review"),
            models.Index(fields=["person", "granted_at"], name="glass_person"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("granted_at")), name="glass_expires_after_grant"
            ),
            models.CheckConstraint(
                condition=Q(reviewed_at__isnull=True, reviewed_by__isnull=True)
                | Q(reviewed_at__isnull=False, reviewed_by__isnull=False),
                name="glass_reviewed_by_and_at",
            ),
            models.CheckConstraint(condition=~Q(text=""), name="glass_text_given"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} -> {self.reference}"

    @property
    def reference(self) -> str:
        """The person as administrators see them: a reference, not a name."""
        return f"P-{self.person_id}"

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_at is not None
