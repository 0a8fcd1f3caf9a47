"""Account changes: two-factor devices, recovery codes and the stored language."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.audit.services import record_event

from .models import User

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
        when = formats.date_format(timezone.localtime(timezone.now()), "j. F Y H:i")
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
