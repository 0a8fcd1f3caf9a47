"""Small-cell suppression for reports: counts under 5 are shown as "<5"."""

from __future__ import annotations

SMALL_CELL = 5


def suppress(count: int) -> str:
    """Zero stays 0 (nothing to hide); 1-4 become "<5"."""
    if 0 < count < SMALL_CELL:
        return f"<{SMALL_CELL}"
    return str(count)
