"""Who a provider's subject signs in as, and the group table the administrator keeps."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brobygger.accounts.models import Membership, Unit, User
from brobygger.accounts.services import PRIVILEGES_CHANGED, register_user
from brobygger.audit.services import record_event

from .models import SSO_ROLES, ExternalIdentity, GroupMapping


@dataclass(frozen=True)
class Grant:
    role: str
    unit_ids: list[int]


class Refused(Exception):
    """The provider vouched for the person, but Brobygger has no place for them."""


def grant_for(groups: Iterable[str]) -> Grant:
    """The role and units the groups give. No known group, or groups giving two roles:
    refused (the administrator's table decides, never a guess)."""
    mappings = list(GroupMapping.objects.filter(group__in=list(groups)))
    roles = {m.role for m in mappings}
    if not roles:
        raise Refused(_("Your groups at the region give no access to Brobygger."))
    if len(roles) > 1:
        raise Refused(
            _("Your groups at the region give more than one role. Ask the administrator.")
        )
    units = sorted({m.unit_id for m in mappings if m.unit_id is not None})
    return Grant(role=roles.pop(), unit_ids=units)


def _username(claims: dict[str, Any]) -> str:
    wanted = str(claims.get("preferred_username") or claims.get("email") or "")[:100]
    wanted = wanted or f"sso-{claims['sub']}"[:150]
    if not User.objects.filter(username=wanted).exists():
        return wanted
    return f"sso-{claims['sub']}"[:150]


def create_user(*, issuer: str, claims: dict[str, Any], grant: Grant) -> User:
    """The account of a subject seen for the first time: a new account, never an
    existing local one (a local account is not taken over by a matching name)."""
    with transaction.atomic():
        user = User(
            username=_username(claims),
            first_name=str(claims.get("given_name", ""))[:150],
            last_name=str(claims.get("family_name", ""))[:150],
            email=str(claims.get("email", ""))[:254],
            role=grant.role,
        )
        user.set_unusable_password()  # signs in through the provider only
        register_user(actor=None, user=user, units=Unit.objects.filter(pk__in=grant.unit_ids))
        ExternalIdentity.objects.create(
            user=user, issuer=issuer, subject=str(claims["sub"]), created_at=timezone.now()
        )
        record_event(actor=None, verb="user.sso_linked", obj=user, data={"issuer": issuer})
    return user


def sync_user(*, user: User, claims: dict[str, Any], grant: Grant) -> User:
    """At each sign-in the provider's groups decide the role and units again; a change is
    in the audit trail like an administrator's (the role-change report shows both)."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        before_units = sorted(
            Membership.objects.filter(user=locked).values_list("unit_id", flat=True)
        )
        before = {"role": locked.role, "units": before_units}
        after = {"role": grant.role, "units": grant.unit_ids}
        names = {
            "first_name": str(claims.get("given_name", locked.first_name))[:150],
            "last_name": str(claims.get("family_name", locked.last_name))[:150],
            "email": str(claims.get("email", locked.email))[:254],
        }
        for field, value in names.items():
            setattr(locked, field, value)
        locked.role = grant.role
        locked.save(update_fields=["role", *names])
        if before != after:
            Membership.objects.filter(user=locked).exclude(unit_id__in=grant.unit_ids).delete()
            Membership.objects.bulk_create(
                [
                    Membership(user=locked, unit_id=pk)
                    for pk in grant.unit_ids
                    if pk not in before_units
                ]
            )
            record_event(
                actor=None,
                verb=PRIVILEGES_CHANGED,
                obj=locked,
                data={"before": before, "after": after, "source": "sso"},
            )
    return locked


def add_mapping(*, actor: Any, group: str, role: str, unit: Unit | None) -> GroupMapping:
    if role not in [r.value for r in SSO_ROLES]:
        raise ValidationError({"role": _("Choose a coordinator, clinician or evaluator role.")})
    group = group.strip()
    if GroupMapping.objects.filter(group=group, role=role, unit=unit).exists():
        raise ValidationError({"group": _("This group already gives this role and unit.")})
    with transaction.atomic():
        mapping = GroupMapping.objects.create(
            group=group, role=role, unit=unit, created_at=timezone.now()
        )
        record_event(
            actor=actor,
            verb="sso.mapping_added",
            obj=mapping,
            data={"group": group, "role": role, "unit": unit.pk if unit else None},
        )
    return mapping


def remove_mapping(*, actor: Any, mapping: GroupMapping) -> None:
    with transaction.atomic():
        record_event(
            actor=actor,
            verb="sso.mapping_removed",
            obj=mapping,
            data={"group": mapping.group, "role": mapping.role, "unit": mapping.unit_id},
        )
        mapping.delete()
