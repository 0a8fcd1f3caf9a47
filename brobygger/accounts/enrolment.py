"""What the pages that set up an authenticator share: the QR code and key of a pending
device, and recovery codes shown once. Used by the account's own two-factor page and by
the one-time links (onboarding's invitations and setup links)."""

from __future__ import annotations

import base64
import io
from typing import Any

import qrcode
import qrcode.image.svg
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

# Fresh recovery codes between the step that made them and the page that shows them.
RECOVERY_CODES_SESSION_KEY = "brobygger_recovery_codes"
# The key of the authenticator being set up, between the page that shows it and the POST
# that confirms it: showing the page writes no device (a GET changes nothing).
PENDING_KEY_SESSION_KEY = "brobygger_pending_totp_key"


def pending_key(request: HttpRequest) -> str:
    """The new authenticator key of this sitting, made on first sight."""
    key = request.session.get(PENDING_KEY_SESSION_KEY)
    if not isinstance(key, str) or len(key) != len(default_key()):
        key = default_key()
        request.session[PENDING_KEY_SESSION_KEY] = key
    return key


def draft_device(user: Any, key: str) -> TOTPDevice:
    """An unsaved device with `key`, for showing its QR code and key."""
    return TOTPDevice(user=user, name="Brobygger", confirmed=False, key=key)


def forget_pending_key(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY_SESSION_KEY, None)


def qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def authenticator_context(device: TOTPDevice) -> dict[str, Any]:
    """The QR code and the key in groups of four, for typing by hand."""
    secret = base64.b32encode(device.bin_key).decode()
    return {
        "qr": qr_svg(device.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }


def show_recovery_codes_once(request: HttpRequest, codes: list[str]) -> None:
    request.session[RECOVERY_CODES_SESSION_KEY] = list(codes)


def take_recovery_codes(request: HttpRequest) -> list[str]:
    codes = request.session.pop(RECOVERY_CODES_SESSION_KEY, None)
    return [str(code) for code in codes] if isinstance(codes, list) else []
