"""The request being answered, as the audit app sees it: its looks, and whether it changed
anything. `looks` gathers into it; `services.record_event` marks the change."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Gathered:
    looks: list[Any] = field(default_factory=list)
    changed: bool = False


current: contextvars.ContextVar[Gathered | None] = contextvars.ContextVar(
    "brobygger_looks", default=None
)


def note_change() -> None:
    """This request changed something (an audit event was recorded)."""
    gathered = current.get()
    if gathered is not None:
        gathered.changed = True
