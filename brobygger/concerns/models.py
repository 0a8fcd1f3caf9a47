"""Concerns raised by a peer ("Jeg er bekymret"), crisis contacts and crisis cards."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from brobygger.accounts import policy
from brobygger.accounts.models import Unit
from brobygger.people.models import Person
from brobygger.referrals.models import Course


class CrisisContactQuerySet(models.QuerySet["CrisisContact"]):
    def active(self) -> CrisisContactQuerySet:
        return self.filter(active=True)

    def for_unit(self, unit_id: int | None) -> CrisisContactQuerySet:
        """The unit's own numbers (the on-duty number first) and the region-wide ones."""
        return (
            self.active()
            .filter(Q(unit__isnull=True) | Q(unit_id=unit_id))
            .order_by("-on_duty", "order", "name")
        )


class CrisisContact(models.Model):
    """A number to call in a crisis: the unit's on-duty phone, the region's psychiatric
    emergency line, 112, a hotline. Regional data that change: the administrator keeps them
    (DOMAIN.md §2)."""

    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="crisis_contacts",
        help_text=_("Empty: shown for every unit."),
    )
    name = models.CharField(_("name"), max_length=120)
    phone = models.CharField(_("phone"), max_length=30)
    opening_hours = models.CharField(_("opening hours"), max_length=120, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    on_duty = models.BooleanField(
        _("the unit's on-duty number"),
        default=False,
        help_text=_("Shown first, as the number to call."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    active = models.BooleanField(_("active"), default=True)

    objects = CrisisContactQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("crisis contact")
        verbose_name_plural = _("crisis contacts")
        constraints = [
            models.CheckConstraint(
                condition=Q(on_duty=False) | Q(unit__isnull=False),
                name="crisis_contact_on_duty_has_unit",
            ),
            models.CheckConstraint(
                condition=Q(phone__regex=r"^\+?[0-9][0-9 ]{1,28}$"),
                name="crisis_contact_phone_digits",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tel(self) -> str:
        """The number for a tel: link (digits and a leading +)."""
        return "".join(c for c in self.phone if c.isdigit() or c == "+")


class UnitContact(models.Model):
    """A member of the treating unit's staff who is told at once when a peer is worried
    about one of the unit's persons (e.g. the ward's charge nurse account)."""

    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        related_name="concern_contacts",
        db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="concern_contact_for",
    )

    class Meta:
        verbose_name = _("the unit's contact for concerns")
        verbose_name_plural = _("the units' contacts for concerns")
        constraints = [
            models.UniqueConstraint(fields=["unit", "user"], name="unit_contact_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.unit}"


class Urgency(models.TextChoices):
    HIGH = "high", _("Urgent: today, within the hour")
    MEDIUM = "medium", _("Today")
    LOW = "low", _("Can wait until tomorrow")


class ConcernStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    CLOSED = "closed", _("Closed")


class ConcernOutcome(models.TextChoices):
    TREATMENT_CONTACTED = "treatment", _("The treating unit took over")
    EMERGENCY = "emergency", _("Emergency services or the psychiatric emergency room")
    FOLLOWED_UP = "followed_up", _("Followed up with the person; no further action")
    NETWORK = "network", _("The person's network was involved, with consent")
    NO_ACTION = "no_action", _("No action needed")
    OTHER = "other", _("Other")


def concern_q(user: Any) -> Q:
    """Who sees a concern: the course's peer and the unit's coordinators (the course's own
    rule, accounts/policy.py), and the treating unit's contacts for its concerns."""
    rule = policy.course_q(user, "course__")
    if getattr(user, "is_authenticated", False):
        rule |= Q(unit__in=UnitContact.objects.filter(user=user).values("unit"))
    return rule


class ConcernQuerySet(models.QuerySet["Concern"]):
    def unresolved(self) -> ConcernQuerySet:
        return self.exclude(status=ConcernStatus.CLOSED)

    def visible_to(self, user: Any) -> ConcernQuerySet:
        return self.filter(concern_q(user))


class Concern(models.Model):
    """A peer is worried about a person: open until someone acknowledges it, flagged on
    the course until it is closed with an outcome."""

    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="concerns", db_index=False
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="concerns", db_index=False
    )
    # The treating unit when raised (the course's unit): who is told, and who may see it.
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="concerns"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="concerns_raised"
    )
    raised_at = models.DateTimeField(_("raised"))
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices)
    what_happened = models.CharField(_("what happened, in a few words"), max_length=1000)
    status = models.CharField(
        _("status"), max_length=14, choices=ConcernStatus.choices, default=ConcernStatus.OPEN
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=ConcernOutcome.choices, blank=True
    )
    outcome_note = models.CharField(_("what was done"), max_length=1000, blank=True)

    objects = ConcernQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")
        indexes = [
            models.Index(fields=["status", "raised_at"], name="concern_status_raised"),
            models.Index(fields=["course", "status"], name="concern_course_status"),
            models.Index(fields=["person", "status"], name="concern_person_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | Q(acknowledged_at__isnull=False),
                name="concern_acknowledged_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | (Q(closed_at__isnull=False) & ~Q(outcome="")),
                name="concern_closed_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"


class CrisisCard(models.Model):
    """The person's own crisis plan, agreed with them: warning signs, what helps, whom to
    call. One per person; every change is an audit event with the version it made."""

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="crisis_card")
    warning_signs = models.TextField(_("my warning signs"), max_length=2000, blank=True)
    what_helps = models.TextField(_("what helps me"), max_length=2000, blank=True)
    who_to_call = models.TextField(_("whom I call"), max_length=2000, blank=True)
    own_contacts = models.TextField(
        _("my own contacts (name and number)"), max_length=2000, blank=True
    )
    agreed_on = models.DateField(_("agreed with the person on"))
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("crisis card")
        verbose_name_plural = _("crisis cards")

    def __str__(self) -> str:
        return f"#{self.pk}"

    def lines(self, field: str) -> list[str]:
        return [line.strip() for line in getattr(self, field).splitlines() if line.strip()]

    @property
    def warning_lines(self) -> list[str]:
        return self.lines("warning_signs")

    @property
    def helps_lines(self) -> list[str]:
        return self.lines("what_helps")

    @property
    def call_lines(self) -> list[str]:
        return self.lines("who_to_call")

    @property
    def contact_lines(self) -> list[str]:
        return self.lines("own_contacts")
