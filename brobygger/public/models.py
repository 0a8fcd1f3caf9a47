"""Counting public-form submissions per address, for rate limiting."""

from __future__ import annotations

from django.db import models


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
