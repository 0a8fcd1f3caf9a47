"""Account changes: two-factor devices and the stored language."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.audit.services import record_event

from .models import User


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
