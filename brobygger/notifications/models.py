"""Notifications: short messages to staff in their inbox ("Beskeder").

One model for every kind, written only by `services.notify`, which the apps above call
(referrals, matching, outcomes, workforce, concerns). A notification's title names no
person, CPR number or clinical detail: a kind and a reference (e.g. "H-123") at most.
Where it is about a person, `person` lets the inbox apply the access policy: the link
is shown only while the recipient may still see that person.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from brobygger.people.models import Person


class NotificationKind(models.TextChoices):
    SELF_REFERRAL = "self_referral", _("New self-referral")
    REFERRAL_WAITING = "referral_waiting", _("Referral waiting")
    MATCH_DECLINED = "match_declined", _("Match declined")
    CONCERN_RAISED = "concern_raised", _("Concern raised")
    CONCERN_UNACKNOWLEDGED = "concern_unacknowledged", _("Concern not acknowledged")
    SCORE_THRESHOLD = "score_threshold", _("Score crossed a threshold")
    CONTRACT_DUE = "contract_due", _("Contract ending")
    SUPERVISION_DUE = "supervision_due", _("Supervision due")


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_user(self, user: Any) -> NotificationQuerySet:
        """A user's own notifications; nobody sees another's inbox."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        # The recipient's own inbox: it goes with the user account, and holds no health
        # data of its own (titles name no person).
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    title = models.CharField(_("title"), max_length=200)
    link = models.CharField(_("link"), max_length=300, blank=True)
    # SET_NULL, not CASCADE (tests/test_integrity.py): deleting or merging a person must
    # never depend on, nor be blocked by, the inboxes that mentioned them. The notification
    # stays as a reference-only line; `about_person` remembers that it was about someone,
    # so the inbox then shows no link (nobody may still see that person).
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    about_person = models.BooleanField(default=False)
    dedupe_key = models.CharField(max_length=120, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_inbox"),
        ]
        constraints = [
            # Repeated scheduled checks are idempotent: one notification per key per user.
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="notification_dedupe",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class DigestSent(models.Model):
    """The claim that a user's daily digest went out: one per user per day, so a second
    run of `send_digest` on the same day sends nothing twice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField(_("day"))
    unread = models.PositiveIntegerField(_("unread"))
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("notification digest")
        verbose_name_plural = _("notification digests")
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="digest_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"
