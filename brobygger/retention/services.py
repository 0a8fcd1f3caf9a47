"""Every change retention makes: periods, holds, and the job itself (each audited)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brobygger.audit.services import record_event
from brobygger.people.models import Person
from brobygger.referrals.models import Course

from .models import LegalHold, RetentionPolicy, RetentionRun
from .registry import BY_KEY, RECORD_TYPES, Context

MAX_REASON = 300


def current_periods() -> dict[str, int]:
    """The period of every record type: the administrator's choice, else the default."""
    chosen = dict(RetentionPolicy.objects.values_list("record_type", "period_days"))
    periods = {}
    for t in RECORD_TYPES:
        days = chosen.get(t.key, t.default_days)
        # A bound tightened in code after the choice was made still wins.
        periods[t.key] = min(max(days, t.min_days), t.max_days)
    return periods


def set_period(*, actor: Any, record_type: str, days: int) -> RetentionPolicy:
    t = BY_KEY.get(record_type)
    if t is None:
        raise ValidationError(_("Unknown record type."), code="unknown")
    if not t.validate(days):
        raise ValidationError(
            _("The period must be between %(min)s and %(max)s days.")
            % {"min": t.min_days, "max": t.max_days},
            code="bounds",
        )
    with transaction.atomic():
        before = current_periods()[record_type]
        policy, _created = RetentionPolicy.objects.update_or_create(
            record_type=record_type,
            defaults={"period_days": days, "changed_by": actor, "changed_at": timezone.now()},
        )
        record_event(
            actor=actor,
            verb="retention.period_changed",
            obj=policy,
            data={"record_type": record_type, "from_days": before, "to_days": days},
        )
    return policy


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason."), code="reason")
    if len(reason) > MAX_REASON:
        raise ValidationError(
            _("The reason can be at most %(n)s characters.") % {"n": MAX_REASON}, code="reason"
        )
    return reason


def place_hold(
    *, actor: Any, reason: str, person: Person | None = None, course: Course | None = None
) -> LegalHold:
    if (person is None) == (course is None):
        raise ValidationError(_("Choose either a person or a course."), code="target")
    reason = _clean_reason(reason)
    with transaction.atomic():
        hold = LegalHold.objects.create(
            person=person, course=course, reason=reason, placed_by=actor, placed_at=timezone.now()
        )
        record_event(
            actor=actor,
            verb="retention.hold_placed",
            obj=hold,
            person_id=person.pk if person else course.person_id if course else None,
            data={"course": course.pk if course else None},
        )
    return hold


def lift_hold(*, actor: Any, hold: LegalHold, reason: str) -> LegalHold:
    reason = _clean_reason(reason)
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if hold.lifted_at is not None:
            raise ValidationError(_("The hold has already been lifted."), code="lifted")
        hold.lifted_at = timezone.now()
        hold.lifted_by = actor
        hold.lift_reason = reason
        hold.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        record_event(
            actor=actor,
            verb="retention.hold_lifted",
            obj=hold,
            person_id=hold.person_id or (hold.course.person_id if hold.course else None),
        )
    return hold


@dataclass
class Outcome:
    counts: dict[str, int]
    dry_run: bool
    run: RetentionRun | None


class _DryRun(Exception):
    pass


def apply_retention(
    *, actor: Any = None, dry_run: bool = False, now: datetime.datetime | None = None
) -> Outcome:
    """Delete or anonymise what is due, type by type in the registry's order.

    Idempotent: a second run finds nothing more. The real run writes one audit event per
    record type with its count (also 0, so the log shows that the job ran) and one
    `RetentionRun`. The dry run does exactly the same inside a transaction that is rolled
    back (files are deleted only after a commit), so its counts are the real run's.
    """
    ctx = Context(now=now or timezone.now(), periods=current_periods())
    counts: dict[str, int] = {}
    try:
        with transaction.atomic():
            for t in RECORD_TYPES:
                with transaction.atomic():
                    counts[t.key] = t.apply(ctx)
            if dry_run:
                raise _DryRun
            run = RetentionRun.objects.create(ran_at=ctx.now, ran_by=actor, counts=counts)
            for t in RECORD_TYPES:
                record_event(
                    actor=actor,
                    verb="retention.applied",
                    obj=run,
                    data={
                        "record_type": t.key,
                        "action": t.action,
                        "count": counts[t.key],
                        "period_days": ctx.periods[t.key],
                    },
                )
    except _DryRun:
        return Outcome(counts=counts, dry_run=True, run=None)
    return Outcome(counts=counts, dry_run=False, run=run)
