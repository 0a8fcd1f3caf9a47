"""The coordinator's matching settings, and peers' refusals of proposed matches."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from brobygger.people.models import PeerWorker
from brobygger.referrals.models import Referral

from .engine import Weights


def default_weights() -> dict[str, float]:
    return Weights().as_dict()


class MatchingSettings(models.Model):
    """One row: the weights of the score and the hours a new course is expected to take."""

    weights = models.JSONField(default=default_weights)
    hours_per_course = models.DecimalField(
        _("expected hours per week per course"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.5"),
    )
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(hours_per_course__gt=0) & Q(hours_per_course__lte=20),
                name="matching_hours_per_course_range",
            )
        ]

    def __str__(self) -> str:
        return f"matching settings ({self.hours_per_course} h/course)"

    @classmethod
    def current(cls) -> MatchingSettings:
        found = cls.objects.order_by("pk").first()
        return found if found is not None else cls(weights=default_weights())

    def engine_weights(self) -> Weights:
        data: dict[str, Any] = dict(self.weights or {})
        return Weights.from_dict(data)


class MatchDecline(models.Model):
    """A peer said no to a proposed match; that peer is not proposed for it again."""

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="declines", db_index=False
    )
    peer = models.ForeignKey(PeerWorker, on_delete=models.CASCADE, related_name="declines")
    reason = models.CharField(_("reason"), max_length=500)
    declined_at = models.DateTimeField(auto_now_add=True)
    declined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["referral", "peer"], name="matchdecline_pair")]

    def __str__(self) -> str:
        return f"{self.peer_id} declined {self.referral_id}"
