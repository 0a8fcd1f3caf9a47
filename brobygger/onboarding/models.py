"""Hiring a peer: the hire record, the staff invitation and the onboarding checklist."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from brobygger.accounts.models import Role
from brobygger.people.models import PeerWorker
from brobygger.recruitment.models import Application


class Hire(models.Model):
    """An application that became a peer worker; the link recruitment's models cannot hold."""

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="hire", verbose_name=_("application")
    )
    peer = models.OneToOneField(
        PeerWorker, on_delete=models.PROTECT, related_name="hire", verbose_name=_("peer worker")
    )
    hired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    hired_at = models.DateTimeField(_("hired"), default=timezone.now)

    class Meta:
        ordering = ["-hired_at", "-pk"]
        verbose_name = _("hire")
        verbose_name_plural = _("hires")

    def __str__(self) -> str:
        return f"{_('Hire')} {self.pk}"


class InvitationState(models.TextChoices):
    PENDING = "pending", _("Waiting to be used")
    USED = "used", _("Used")
    REPLACED = "replaced", _("Replaced by a newer invitation")
    EXPIRED = "expired", _("Expired")


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def usable(self, now: datetime.datetime | None = None) -> InvitationQuerySet:
        now = now or timezone.now()
        return self.filter(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)


class InvitationPurpose(models.TextChoices):
    HIRE = "hire", _("New peer worker")
    # An administrator's one-time link for an existing account: the first authenticator,
    # or a new one after a lost phone. Always a password and an authenticator app, also
    # where staff otherwise sign in through the region (break-glass accounts).
    SETUP = "setup", _("Two-factor setup link")


class Invitation(models.Model):
    """A single-use, expiring link for a member of staff to set up their login."""

    purpose = models.CharField(
        max_length=10, choices=InvitationPurpose.choices, default=InvitationPurpose.HIRE
    )
    hire = models.ForeignKey(
        Hire,
        on_delete=models.CASCADE,
        related_name="invitations",
        null=True,
        blank=True,
        db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    # sha256 of the link's token: a copy of the database cannot be used to take the account.
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("replaced"), null=True, blank=True)
    emailed_to = models.EmailField(_("sent to"), blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [models.Index(fields=["hire", "created_at"], name="invitation_hire_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="invitation_expires_after_created",
            ),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(revoked_at__isnull=True),
                name="invitation_used_or_revoked",
            ),
            models.CheckConstraint(
                condition=Q(purpose=InvitationPurpose.HIRE, hire__isnull=False)
                | Q(purpose=InvitationPurpose.SETUP, hire__isnull=True),
                name="invitation_purpose_hire",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Invitation')} {self.pk}"

    def state(self, now: datetime.datetime | None = None) -> str:
        if self.used_at is not None:
            return InvitationState.USED
        if self.revoked_at is not None:
            return InvitationState.REPLACED
        if self.expires_at <= (now or timezone.now()):
            return InvitationState.EXPIRED
        return InvitationState.PENDING

    def get_state_display(self) -> str:
        return str(InvitationState(self.state()).label)

    @property
    def is_setup_link(self) -> bool:
        return self.purpose == InvitationPurpose.SETUP


class ItemKind(models.TextChoices):
    """The steps every new peer goes through, in the order they usually happen."""

    CONTRACT = "contract", _("Contract signed")
    IT_SECURITY = "it_security", _("IT security and data protection training")
    INTRODUCTION = "introduction", _("Introduction to the ward or team")
    EDUCATION = "education", _("Peer education completed or planned")
    SUPERVISION = "supervision", _("First supervision")


ITEM_ORDER = {kind: index for index, kind in enumerate(ItemKind.values)}


class Responsible(models.TextChoices):
    COORDINATOR = "coordinator", _("The coordinator")
    PEER = "peer", _("The new peer")
    NAMED = "named", _("A named person")


class OnboardingItemQuerySet(models.QuerySet["OnboardingItem"]):
    def open(self) -> OnboardingItemQuerySet:
        return self.filter(done_on__isnull=True)

    def overdue(self, today: datetime.date | None = None) -> OnboardingItemQuerySet:
        return self.open().filter(due_on__lt=today or timezone.localdate())

    def visible_to(self, user: Any) -> OnboardingItemQuerySet:
        role = getattr(user, "role", None)
        if role == Role.COORDINATOR:
            return self.filter(peer__in=PeerWorker.objects.filter(onboarding_visible(user)))
        if role in (Role.PEER_WORKER, Role.RELATIVE_PEER):
            return self.filter(peer__user=user)
        return self.none()


def onboarding_visible(user: Any) -> Q:
    """Peers whose onboarding a coordinator follows: those in their units, or hired by them."""
    return Q(units__in=user.units.all()) | Q(hire__hired_by=user)


class OnboardingItem(models.Model):
    peer = models.ForeignKey(
        PeerWorker, on_delete=models.CASCADE, related_name="onboarding_items", db_index=False
    )
    kind = models.CharField(_("step"), max_length=20, choices=ItemKind.choices)
    due_on = models.DateField(_("due"))
    responsible = models.CharField(
        _("responsible"),
        max_length=12,
        choices=Responsible.choices,
        default=Responsible.COORDINATOR,
    )
    responsible_name = models.CharField(
        _("name of the responsible person"), max_length=120, blank=True
    )
    done_on = models.DateField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = OnboardingItemQuerySet.as_manager()

    class Meta:
        ordering = ["peer", "due_on", "pk"]
        verbose_name = _("onboarding step")
        verbose_name_plural = _("onboarding steps")
        indexes = [models.Index(fields=["peer", "done_on"], name="onboardingitem_peer_idx")]
        constraints = [
            models.UniqueConstraint(fields=["peer", "kind"], name="onboardingitem_one_per_kind"),
            models.CheckConstraint(
                condition=Q(kind__in=ItemKind.values), name="onboardingitem_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(responsible__in=Responsible.values),
                name="onboardingitem_responsible_valid",
            ),
            models.CheckConstraint(
                condition=~Q(responsible=Responsible.NAMED) | ~Q(responsible_name=""),
                name="onboardingitem_named_has_name",
            ),
            models.CheckConstraint(
                condition=Q(done_on__isnull=True, done_by__isnull=True)
                | Q(done_on__isnull=False, done_by__isnull=False),
                name="onboardingitem_done_by_whom",
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_kind_display())

    @property
    def is_done(self) -> bool:
        return self.done_on is not None

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.done_on is None and self.due_on < (today or timezone.localdate())

    @property
    def responsible_label(self) -> str:
        if self.responsible == Responsible.NAMED:
            return self.responsible_name
        return str(self.get_responsible_display())
