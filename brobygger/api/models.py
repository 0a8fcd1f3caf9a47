"""Integrations (a system that calls the API) and the client keys that make a create safe
to repeat."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    REFERRALS_READ = "referrals:read", _("Read referrals")
    REFERRALS_WRITE = "referrals:write", _("Create referrals")
    COURSES_READ = "courses:read", _("Read courses")
    APPOINTMENTS_READ = "appointments:read", _("Read appointments")


class IntegrationQuerySet(models.QuerySet["Integration"]):
    def active(self) -> IntegrationQuerySet:
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class Integration(models.Model):
    """One system with one token. It acts as `user` (a clinician or coordinator account
    kept for it): what that account may see and do is what the integration may, within
    its scopes. Only the token's SHA-256 is kept; the token is shown once."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="integrations",
        verbose_name=_("acts as"),
    )
    scopes = models.JSONField(_("scopes"), default=list)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = IntegrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")

    def __str__(self) -> str:
        # The throttle's key (ninja's AuthRateThrottle uses str(request.auth)).
        return f"integration-{self.pk}"


class ClientKey(models.Model):
    """A create the integration already made: the same key returns the same referral.

    When the referral is erased (GDPR art. 17) the key stays, without the referral and
    without the payload's hash (`forgotten_at` set): a retry of the old request must not
    bring the erased person back, and nothing of them is kept.
    """

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="keys", db_index=False
    )
    key = models.CharField(max_length=100)
    payload_hash = models.CharField(max_length=64, blank=True)
    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="client_keys",
    )
    created_at = models.DateTimeField()
    forgotten_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["integration", "key"], name="api_client_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.integration_id}:{self.key}"
