"""Limits on the public forms, per device and per address, counted atomically in the
database.

A ward's kiosk or a clinic's guest network puts many people behind one address, so the
address alone cannot be the limit. Each browser gets a signed, httponly device cookie
when it opens a form (`with_device_cookie`); a submission counts against its device (a
low ceiling) and against its address (a higher one). An address the administrator has
marked as a kiosk (KioskAddress, IP or network) has a higher ceiling still, shared by
every device there, since a kiosk is often one device used by many. A submission
without a valid device cookie (cookies off, a robot) counts its address as its device.

django-ratelimit needs a cache with atomic increments (memcached, Redis); the design
keeps the database as the only shared service, so the count lives in a table: one
row per (form, hashed key, hour), raised with a single conditional UPDATE. Neither the
address nor the device id is stored, only a keyed hash of it.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .models import KioskAddress, RateLimitBucket

DEVICE_COOKIE = "brobygger_device"
DEVICE_SALT = "brobygger.public.device"
DEVICE_COOKIE_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie (RFC 6265bis)


def client_address(request: HttpRequest) -> str:
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            # The last entry is the one our own proxy appended; earlier ones can be forged.
            return forwarded.split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


def device_id(request: HttpRequest) -> str | None:
    """The browser's device id from its signed cookie; None when missing or tampered."""
    try:
        value = request.get_signed_cookie(DEVICE_COOKIE, salt=DEVICE_SALT)
    except (KeyError, signing.BadSignature):
        return None
    return value or None


def with_device_cookie(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Give a browser without one a device cookie with the form page, so its submission
    is counted as its own and not only as its address's."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if device_id(request) is None:
            response.set_signed_cookie(
                DEVICE_COOKIE,
                secrets.token_urlsafe(18),
                salt=DEVICE_SALT,
                max_age=DEVICE_COOKIE_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    return wrapper


def is_kiosk(address: str) -> bool:
    """The address lies in an active network the administrator marked as a kiosk."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for network in KioskAddress.objects.filter(active=True).values_list("network", flat=True):
        try:
            if ip in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:  # a row saved around the admin's validation: ignore it
            continue
    return False


def limits_for(request: HttpRequest) -> list[tuple[str, int]]:
    """The (key, ceiling per hour) pairs one submission from `request` counts against."""
    address = client_address(request)
    if is_kiosk(address):
        return [(f"address:{address}", settings.PUBLIC_FORM_LIMIT_PER_KIOSK_PER_HOUR)]
    device = device_id(request)
    return [
        (
            f"device:{device}" if device else f"address-device:{address}",
            settings.PUBLIC_FORM_LIMIT_PER_HOUR,
        ),
        (f"address:{address}", settings.PUBLIC_FORM_LIMIT_PER_ADDRESS_PER_HOUR),
    ]


def _key(value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def _count(*, scope: str, key: str, window: datetime.datetime) -> int:
    """Raise the bucket's count by one and return it."""
    updated = RateLimitBucket.objects.filter(scope=scope, key_hash=key, window_start=window).update(
        count=F("count") + 1
    )
    if not updated:
        try:
            with transaction.atomic():
                RateLimitBucket.objects.create(
                    scope=scope, key_hash=key, window_start=window, count=1
                )
        except IntegrityError:  # another process created it first
            RateLimitBucket.objects.filter(scope=scope, key_hash=key, window_start=window).update(
                count=F("count") + 1
            )
    return RateLimitBucket.objects.get(scope=scope, key_hash=key, window_start=window).count


def hit(request: HttpRequest, *, scope: str) -> bool:
    """Count one submission; True when its device or its address is over its ceiling
    this hour (ceilings: settings PUBLIC_FORM_LIMIT_*)."""
    now = timezone.now()
    window = now.replace(minute=0, second=0, microsecond=0)
    with transaction.atomic():
        counts = [
            (_count(scope=scope, key=_key(key), window=window), ceiling)
            for key, ceiling in limits_for(request)
        ]
        RateLimitBucket.objects.filter(window_start__lt=now - datetime.timedelta(days=1)).delete()
    return any(count > ceiling for count, ceiling in counts)
