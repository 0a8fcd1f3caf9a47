"""Rows of a model as plain, JSON-ready data: the person's copy of their records (GDPR art. 15).

Each app's `export_person(person)` (in its selectors) returns its records of one person
through `rows()`: every concrete field by name, a related object by its id and its text,
dates as ISO strings. What never goes out: link secrets (`token_hash`) and pointers to
other persons (`drop`), which are another person's data.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import models

# Secrets kept only as hashes: useless to the person and a risk in a file sent by post.
NEVER_EXPORTED = frozenset({"token_hash", "password"})


def plain(value: Any) -> Any:
    """A value as JSON can hold it."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def row(obj: models.Model, *, drop: Iterable[str] = ()) -> dict[str, Any]:
    """One record: its concrete fields, many-to-many as lists of texts."""
    dropped = set(drop) | NEVER_EXPORTED
    data: dict[str, Any] = {"id": obj.pk}
    for field in obj._meta.concrete_fields:
        if field.name in dropped or field.primary_key:
            continue
        if field.is_relation:
            related_id = getattr(obj, field.attname)
            data[f"{field.name}_id"] = related_id
            if related_id is not None:
                related = getattr(obj, field.name)
                # Staff by the name they are known by, not their login.
                data[field.name] = str(getattr(related, "display_name", None) or related)
            continue
        value = getattr(obj, field.attname)
        data[field.name] = plain(value)
        display = getattr(obj, f"get_{field.name}_display", None)
        if field.choices and display is not None and value not in (None, ""):
            data[f"{field.name}_text"] = str(display())
    for field in obj._meta.many_to_many:
        if field.name in dropped:
            continue
        data[field.name] = [str(item) for item in getattr(obj, field.name).all()]
    return data


def rows(objects: Iterable[models.Model], *, drop: Iterable[str] = ()) -> list[dict[str, Any]]:
    dropped = tuple(drop)
    return [row(obj, drop=dropped) for obj in objects]
