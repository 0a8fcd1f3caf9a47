from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from brobygger.accounts.models import Role, Unit

# The roles a group may give. Administrators stay local accounts with two-factor (they must
# get in when the provider is down); peer workers are hired in Brobygger, with a profile.
SSO_ROLES = (Role.COORDINATOR, Role.CLINICIAN, Role.EVALUATOR)


class GroupMapping(models.Model):
    """One group of the provider's group claim gives a role, and a unit if set."""

    group = models.CharField(_("group (as the identity provider names it)"), max_length=200)
    role = models.CharField(
        _("role"), max_length=20, choices=[(r.value, r.label) for r in SSO_ROLES]
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("unit")
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("group mapping")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "role", "unit"], name="sso_group_mapping_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} → {self.role}"


class ExternalIdentity(models.Model):
    """The account a subject of the identity provider signs in as (made at first login)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identity"
    )
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_unique")
        ]

    def __str__(self) -> str:
        return f"{self.issuer} {self.subject}"
