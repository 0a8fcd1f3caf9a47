"""An object a failed transaction leaves as it was, in memory as in the database.

A rolled-back transaction restores the rows, not the Python objects a service changed on
the way: a service that set `course.ended_on` and then failed at a later step leaves the
caller's `course` saying "ended" while the row says it is not, and a view that shows the
form again with its errors renders that object (issue 19: the course page after a refused
end read "Ended" and hid the form with the typed summary). A service that changes the
objects it was given wraps its transaction in `kept_on_failure(...)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import models


@contextmanager
def kept_on_failure(*instances: models.Model | None) -> Iterator[None]:
    """On any exception, put every field of `instances` back as it was and forget the
    related objects they hold (those may have been changed too; they are read again when
    asked for), then re-raise."""
    saved: list[tuple[models.Model, dict[str, Any]]] = [
        (obj, {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields})
        for obj in instances
        if obj is not None
    ]
    try:
        yield
    except BaseException:
        for obj, values in saved:
            for name, value in values.items():
                setattr(obj, name, value)
            obj._state.fields_cache = {}
        raise
