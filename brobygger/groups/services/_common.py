"""Helpers and limits shared by the group services."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    RecoveryGroup,
)

MIN_SESSION_MINUTES, MAX_SESSION_MINUTES = 30, 240
MAX_WEEKS = 15
NOTE_WARNING = "note_details"
GROUP_FIELDS = ("title", "theme", "unit", "place", "capacity")


def _field_error(field: str, message: str, code: str) -> ValidationError:
    """An error on one form field that keeps its code (a dict of strings would drop it)."""
    return ValidationError({field: ValidationError(message, code=code)})


def _hhmm(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def _day(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%d.%m.%Y")


# -- the group ------------------------------------------------------------------


def _check_open(group: RecoveryGroup) -> None:
    if group.closed_at is not None:
        raise ValidationError(_("The group has been closed."), code="closed")


# -- sessions ---------------------------------------------------------------------
