"""Minutes shown as hours with two decimals, in the page's language (12,50 / 12.50)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format

from brobygger.timesheets import months
from brobygger.timesheets.hours import KIND_LABELS
from brobygger.timesheets.models import SOURCE_LABELS

register = template.Library()


@register.filter
def hours(minutes: Any) -> str:
    try:
        value = int(minutes or 0)
    except (TypeError, ValueError):
        return ""
    return number_format(months.hours(value), 2)


@register.filter
def hours_if_any(minutes: Any) -> str:
    """Hours, or nothing for zero: day rows stay readable on a phone."""
    return hours(minutes) if minutes else ""


@register.filter
def source_label(source: str) -> str:
    return str(SOURCE_LABELS.get(source, source))


@register.filter
def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


@register.filter
def get(mapping: Any, key: Any) -> Any:
    try:
        return mapping[key]
    except (KeyError, IndexError, TypeError):
        return None
