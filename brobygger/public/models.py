"""Counting public-form submissions per address, for rate limiting."""

from __future__ import annotations

import ipaddress

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class RateLimitBucket(models.Model):
    """Submissions from one (hashed) address in one hour. The address itself is not kept."""

    scope = models.CharField(max_length=40)
    key_hash = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "key_hash", "window_start"], name="ratelimit_bucket_unique"
            ),
        ]
        indexes = [models.Index(fields=["window_start"], name="ratelimit_window")]

    def __str__(self) -> str:
        return f"{self.scope} {self.window_start:%Y-%m-%d %H}: {self.count}"


class KioskAddress(models.Model):
    """An address (or a network) where many people share a device or a connection: a
    ward's kiosk, a clinic's guest network. Forms from it get a higher ceiling, never none.
    Kept by the administrator (public/admin.py), every change audited (public/services.py).
    """

    network = models.CharField(
        _("IP address or network"),
        max_length=50,
        unique=True,
        help_text=_("For example 10.20.30.40 or 10.20.30.0/24 (IPv6 works too)."),
    )
    label = models.CharField(
        _("where it is"), max_length=200, help_text=_("For example “Afsnit R1, kiosk”.")
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["label", "network"]
        verbose_name = _("kiosk address")
        verbose_name_plural = _("kiosk addresses")

    def __str__(self) -> str:
        return f"{self.label} ({self.network})"

    def clean(self) -> None:
        try:
            self.network = str(ipaddress.ip_network(self.network.strip(), strict=False))
        except ValueError:
            raise ValidationError(
                {"network": _("Write an IP address or a network, like 10.20.30.0/24.")}
            ) from None
