"""Account changes: new accounts, role and units, two-factor devices, lockouts, language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from axes.utils import reset as axes_reset
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.audit.services import record_event

from .access import is_administrator
from .models import PEER_ROLES, Membership, Role, Unit, User

# The audit verb of every change of a user's role or units (the role-change report reads it).
PRIVILEGES_CHANGED = "user.privileges_changed"
LOGIN_UNLOCKED = "user.login_unlocked"


def _unit_ids(units: Iterable[Unit]) -> list[int]:
    return sorted({int(unit.pk) for unit in units})


def register_user(*, actor: Any, user: User, units: Iterable[Unit] = ()) -> User:
    """Save a new account with its role and units; audited with both.

    Coordinators make peers' accounts (hiring, the peer form); any other role is given
    by an administrator. `actor` None is the system (management commands, demo data).
    """
    if not user._state.adding:
        raise ValueError("register_user is for new accounts; change_role_and_units changes one.")
    if actor is not None and user.role not in PEER_ROLES and not is_administrator(actor):
        raise PermissionDenied("Only an administrator gives this role.")
    unit_ids = _unit_ids(units)
    with transaction.atomic():
        user.is_staff = user.role == Role.ADMINISTRATOR or user.is_superuser
        user.full_clean(exclude=["password"])
        user.save()
        Membership.objects.bulk_create([Membership(user=user, unit_id=pk) for pk in unit_ids])
        record_event(
            actor=actor,
            verb="user.created",
            obj=user,
            data={"role": user.role, "units": unit_ids},
        )
    return user


def check_privilege_change(*, actor: Any, user: User) -> None:
    """Refuse unless `actor` is another administrator than `user` (issue 16)."""
    if not is_administrator(actor):
        raise ValidationError(
            _("Only an administrator can change roles and units."), code="not_administrator"
        )
    if actor.pk == user.pk:
        raise ValidationError(
            _("You cannot change your own role or units. Ask another administrator."),
            code="own_privileges",
        )


def change_role_and_units(*, actor: Any, user: User, role: str, units: Iterable[Unit]) -> bool:
    """Give `user` this role and these units; True if anything changed.

    The one way a role or a unit membership changes after an account exists: by
    another administrator, with the before and after in the audit trail.
    """
    check_privilege_change(actor=actor, user=user)
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a role.")}, code="role")
    after_units = _unit_ids(units)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        before_units = sorted(
            Membership.objects.filter(user=locked).values_list("unit_id", flat=True)
        )
        before = {"role": locked.role, "units": before_units}
        after = {"role": role, "units": after_units}
        if before == after:
            return False
        if locked.role != role:
            locked.role = role
            # The Django admin follows the role: an administrator's pages, nobody else's.
            locked.is_staff = role == Role.ADMINISTRATOR or locked.is_superuser
            locked.save(update_fields=["role", "is_staff"])
        if before_units != after_units:
            Membership.objects.filter(user=locked).exclude(unit_id__in=after_units).delete()
            Membership.objects.bulk_create(
                [
                    Membership(user=locked, unit_id=pk)
                    for pk in after_units
                    if pk not in before_units
                ]
            )
        record_event(
            actor=actor,
            verb=PRIVILEGES_CHANGED,
            obj=locked,
            data={"before": before, "after": after},
        )
    user.role, user.is_staff = locked.role, locked.is_staff
    return True


def unlock_login(*, actor: Any, user: User) -> int:
    """Lift a sign-in lockout before it runs out (django-axes' own reset); audited."""
    if not is_administrator(actor):
        raise PermissionDenied("Only an administrator unlocks sign-in.")
    with transaction.atomic():
        removed = axes_reset(username=user.username)
        record_event(actor=actor, verb=LOGIN_UNLOCKED, obj=user, data={"attempts": removed})
    return removed


def pending_totp_device(*, user: User) -> TOTPDevice:
    """The unconfirmed device a user is setting up (one at a time)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Brobygger", confirmed=False)
    return device


def confirm_totp_device(*, user: User, device: TOTPDevice) -> None:
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        record_event(actor=user, verb="user.two_factor_enabled", obj=user)


def set_language(*, user: Any, language: str) -> None:
    if user.is_authenticated and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
