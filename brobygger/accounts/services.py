"""Account changes: new accounts, role and units, two-factor devices, recovery codes,
lockouts and the stored language."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from axes.utils import reset as axes_reset
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.audit.services import record_event
from brobygger.lib.when import format_when

from .access import is_administrator
from .models import PEER_ROLES, Membership, Role, Unit, User, code_validator

# The audit verb of every change of a user's role or units (the role-change report reads it).
PRIVILEGES_CHANGED = "user.privileges_changed"
LOGIN_UNLOCKED = "user.login_unlocked"


def _unit_ids(units: Iterable[Unit]) -> list[int]:
    return sorted({int(unit.pk) for unit in units})


def clean_employee_number(value: str, *, user: User | None = None) -> str:
    """The employee number as stored (trimmed), or a ValidationError in words: the form
    and uniqueness the database also enforces (one region per installation)."""
    number = (value or "").strip()
    if not number:
        return ""
    code_validator()(number)
    taken = User.objects.filter(employee_number__iexact=number)
    if user is not None and user.pk is not None:
        taken = taken.exclude(pk=user.pk)
    if taken.exists():
        raise ValidationError(
            _("Another user already has the employee number %(number)s.") % {"number": number},
            code="employee_number_taken",
        )
    return number


def set_employee_number(*, actor: Any, user: User, employee_number: str) -> bool:
    """Give a staff member their employee number (for payroll and the HR import). Returns
    whether anything changed; the audit trail keeps the before and after."""
    try:
        number = clean_employee_number(employee_number, user=user)
    except ValidationError as error:
        raise ValidationError({"employee_number": error.error_list}) from error
    if number == user.employee_number:
        return False
    with transaction.atomic():
        before = user.employee_number
        user.employee_number = number
        user.save(update_fields=["employee_number"])
        record_event(
            actor=actor,
            verb="user.employee_number_set",
            obj=user,
            data={"from": before, "to": number},
        )
    return True


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


logger = logging.getLogger(__name__)

RECOVERY_DEVICE_NAME = "Recovery codes"

# What a security notice tells the account holder happened to their login.
SECURITY_CHANGES = {
    "authenticator_replaced": gettext_lazy("A new authenticator app was set up for your login."),
    "recovery_codes_renewed": gettext_lazy(
        "New recovery codes were made for your login; the earlier ones no longer work."
    ),
    "setup_link_used": gettext_lazy(
        "Your login was set up again with a setup link from an administrator: a new "
        "password and a new authenticator app."
    ),
}


def pending_totp_device(*, user: User, key: str | None = None) -> TOTPDevice:
    """The unconfirmed device a user is setting up (one at a time); a write, for a POST.

    With `key` (the key the user was shown, kept in their session by the page that
    showed it) the device has that key: the page that shows a new key writes nothing.
    """
    pending = TOTPDevice.objects.filter(user=user, confirmed=False)
    device = pending.filter(key=key).first() if key else pending.first()
    if device is None:
        with transaction.atomic():
            pending.delete()
            fields = {"key": key} if key else {}
            device = TOTPDevice.objects.create(
                user=user, name="Brobygger", confirmed=False, **fields
            )
    return device


def confirm_totp_device(*, user: User, device: TOTPDevice) -> None:
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        record_event(actor=user, verb="user.two_factor_enabled", obj=user)


def verify_authenticator_code(*, user: User, code: str) -> TOTPDevice | None:
    """The user's confirmed authenticator app that accepts `code`, if any.

    Only TOTP devices: a mistyped app code must not count against the recovery codes'
    throttle. django-otp throttles each device after failures."""
    for device in TOTPDevice.objects.devices_for_user(user, confirmed=True):
        if device.verify_token(code):
            return device
    return None


def use_recovery_code(*, user: User, code: str) -> StaticDevice | None:
    """Spend one recovery code (django-otp deletes a static token when it is used)."""
    with transaction.atomic():
        for device in StaticDevice.objects.devices_for_user(user, confirmed=True):
            if device.verify_token(code):
                left = device.token_set.count()
                record_event(
                    actor=user, verb="user.recovery_code_used", obj=user, data={"left": left}
                )
                return device
    return None


def make_recovery_codes(*, actor: Any, user: User) -> list[str]:
    """A new set of recovery codes; any earlier ones stop working. The codes are shown
    once, to the user, and never in the audit trail."""
    codes = [StaticToken.random_token() for _n in range(settings.RECOVERY_CODE_COUNT)]
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
        StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
        record_event(actor=actor, verb="user.recovery_codes_made", obj=user, data={"n": len(codes)})
    return codes


def replace_authenticator(*, actor: User, device: TOTPDevice, code: str) -> None:
    """Confirm the new app with its first code; the earlier app stops working at once.

    The caller has checked the password again in a session that passed the code step."""
    user = actor
    if device.user_id != user.pk or device.confirmed:
        raise ValidationError(_("Start again from the two-factor page."), code="wrong_device")
    if not device.verify_token(code):
        raise ValidationError(
            {"token": _("The code is wrong or too old. Try the newest code.")}, code="wrong_code"
        )
    with transaction.atomic():
        replaced = TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk)
        n = replaced.count()
        replaced.delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record_event(
            actor=actor, verb="user.authenticator_replaced", obj=user, data={"replaced": n}
        )


def send_security_notice(*, user: User, change: str) -> bool:
    """E-mail the account holder that their login changed: if it was not them, they know
    at once. False if there is no address or sending failed."""
    if not user.email:
        return False
    with translation.override(user.language or settings.LANGUAGE_CODE):
        when = format_when(timezone.now(), "datetime")
        subject = _("Your login for Brobygger was changed")
        text = "\n".join(
            [
                _("Dear %(name)s,") % {"name": user.first_name or user.username},
                "",
                str(SECURITY_CHANGES[change]),
                _("When: %(when)s.") % {"when": when},
                "",
                _("If this was not you, contact an administrator at once."),
            ]
        )
    try:
        send_mail(subject, text, None, [user.email], fail_silently=False)
    except Exception:
        # The change stands and is audited; the page told the user as well.
        logger.exception("The security notice for user %s failed.", user.pk)
        return False
    return True


def set_language(*, user: Any, language: str) -> None:
    if user.is_authenticated and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
