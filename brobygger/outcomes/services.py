"""Every change to outcomes data: locking a version, storing a score."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from brobygger.audit.services import record_event
from brobygger.referrals.models import Course

from . import scoring
from .models import InstrumentVersion, Score


def lock_version(*, actor: Any, version: InstrumentVersion) -> InstrumentVersion:
    """Mark a version as answered: from now on it may never change (the loader never edits one)."""
    with transaction.atomic():
        updated = InstrumentVersion.objects.filter(pk=version.pk, locked=False).update(locked=True)
        if updated:
            record_event(
                actor=actor,
                verb="instrument.locked",
                obj=version,
                data={"key": version.instrument.key, "version": version.version},
            )
    version.locked = True
    return version


def store_score(
    *,
    actor: Any,
    version: InstrumentVersion,
    course: Course | None,
    answers: Mapping[str, int | None],
    administered_on: datetime.date,
) -> Score:
    """Score `answers` by the version's rule and keep the result with that version.

    The answers themselves are not stored here (a later issue adds responses) and never
    go into the audit trail.
    """
    items, scale, rule = version.specs()
    try:
        result = scoring.score(answers, items, scale, rule)
    except ValueError as exc:
        raise ValidationError(
            _("The answers do not fit the questionnaire: %(problem)s") % {"problem": exc},
            code="invalid_answers",
        ) from exc
    with transaction.atomic():
        score = Score.objects.create(
            version=version,
            course=course,
            administered_on=administered_on,
            total=result.total,
            subscales=result.subscales,
            answered=result.answered,
            missing=result.missing,
            prorated=result.prorated,
            reason=result.reason or "",
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        lock_version(actor=actor, version=version)
        record_event(
            actor=actor,
            verb="score.stored",
            obj=score,
            person_id=course.person_id if course is not None else None,
            data={
                "instrument": version.instrument.key,
                "version": version.version,
                "answered": result.answered,
                "missing": result.missing,
            },
        )
    return score
