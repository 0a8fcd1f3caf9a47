"""Per-address limits on the public forms, counted atomically in the database.

django-ratelimit needs a cache with atomic increments (memcached, Redis); the design
keeps the database as the only shared service, so the count lives in a table: one
row per (form, hashed address, hour), raised with a single conditional UPDATE.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from .models import RateLimitBucket


def client_address(request: HttpRequest) -> str:
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            # The last entry is the one our own proxy appended; earlier ones can be forged.
            return forwarded.split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


def _key(address: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()


def hit(request: HttpRequest, *, scope: str, limit: int) -> bool:
    """Count one submission; True when the address is over `limit` this hour."""
    now = timezone.now()
    window = now.replace(minute=0, second=0, microsecond=0)
    key = _key(client_address(request))
    with transaction.atomic():
        updated = RateLimitBucket.objects.filter(
            scope=scope, key_hash=key, window_start=window
        ).update(count=F("count") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    RateLimitBucket.objects.create(
                        scope=scope, key_hash=key, window_start=window, count=1
                    )
            except IntegrityError:  # another process created it first
                RateLimitBucket.objects.filter(
                    scope=scope, key_hash=key, window_start=window
                ).update(count=F("count") + 1)
        count = RateLimitBucket.objects.get(scope=scope, key_hash=key, window_start=window).count
        RateLimitBucket.objects.filter(window_start__lt=now - datetime.timedelta(days=1)).delete()
    return count > limit
