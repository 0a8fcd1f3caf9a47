"""A person's death, a move away, or a restriction of processing (issues 17 and 18).

One mechanism, `people.models.ProcessingStop`, and one guard,
`people.services.ensure_may_start`, which every path that starts something calls. This
module records and lifts the stops, and ends what depends on the person in the same
transaction, with the same `lifecycle.ending` functions the confirm page previews.

- Death and a move end every open course (end reason "died"/"moved"), withdraw the open
  referrals, cancel every future conversation, end the group places and stop every
  questionnaire not yet answered: no reminder or questionnaire message goes out again.
- A restriction of processing (GDPR art. 18) freezes: nothing is ended that holds a
  record (courses and referrals stay open), but the future conversations are cancelled
  and the group places end (meeting the person is processing beyond storage, which
  needs consent or a legal claim), and questionnaire links already sent stop. Planned
  questionnaires wait. Lifting the restriction lets work resume: new bookings, the
  planned questionnaires, matching.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from brobygger.audit.services import record_event
from brobygger.people.models import Person, ProcessingStop, StopKind
from brobygger.referrals.models import OPEN_STATUSES, Course, EndReason, Referral, ReferralStatus
from brobygger.referrals.services import transition
from brobygger.scheduling.models import CancelledBy

from . import ending

END_REASON: dict[str, str] = {StopKind.DIED: EndReason.DIED, StopKind.MOVED: EndReason.MOVED}


def cancel_text(kind: str) -> str:
    """The reason a cancelled conversation shows the peer in their week."""
    if kind == StopKind.DIED:
        return gettext("The person has passed away.")
    if kind == StopKind.MOVED:
        return gettext("The person has moved from the region or cannot be reached.")
    return gettext("Processing of the person's data is restricted.")


def preview(person: Person, kind: str) -> ending.Ending:
    """What recording `kind` for `person` ends; the confirm page lists exactly this."""
    return ending.for_stop(person, kind)


def courses_to_end(person: Person, kind: str) -> list[Course]:
    if kind not in END_REASON:
        return []
    return list(
        Course.objects.filter(person=person, ended_on__isnull=True)
        .select_related("peer__user")
        .order_by("started_on", "pk")
    )


def record_stop(
    *, actor: Any, person: Person, kind: str, on: datetime.date, reason: str
) -> ProcessingStop:
    """Record a death, a move or a restriction; end what depends on it; audited."""
    reason = reason.strip()
    if kind not in StopKind.values:
        raise ValidationError(_("Choose what to record."), code="kind")
    if not reason:
        raise ValidationError({"reason": _("Write a short reason.")}, code="reason")
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date cannot be in the future.")}, code="future")
    with transaction.atomic():
        Person.objects.select_for_update().filter(pk=person.pk).first()
        current = {s.kind for s in ProcessingStop.objects.current().filter(person=person)}
        if StopKind.DIED in current:
            raise ValidationError(_("The person's death is already recorded."), code="died")
        if kind in current:
            raise ValidationError(_("This is already recorded for the person."), code="duplicate")
        stop = ProcessingStop.objects.create(
            person=person,
            kind=kind,
            on=on,
            reason=reason[:500],
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
            recorded_at=timezone.now(),
        )
        record_event(
            actor=actor,
            verb="person.stopped",
            obj=stop,
            person_id=person.pk,
            data={"kind": kind, "on": on.isoformat()},
        )
        end_what_depends(actor=actor, person=person, kind=kind, on=on)
    return stop


def end_what_depends(*, actor: Any, person: Person, kind: str, on: datetime.date) -> None:
    """End what depends on `person` under a stop of `kind` (in the caller's transaction):
    at its recording, and again when a merge brings a stop and another record's bookings
    together (lifecycle.merging)."""
    from .services import end_course  # services re-exports this module's functions

    text = cancel_text(kind)
    ending.apply(
        actor=actor,
        ending=ending.for_stop(person, kind),
        reason=text,
        by=CancelledBy.COORDINATOR,
    )
    if kind in END_REASON:
        for course in courses_to_end(person, kind):
            end_course(
                actor=actor,
                course=course,
                ended_on=max(min(on, timezone.localdate()), course.started_on),
                reason=END_REASON[kind],
            )
        for referral in Referral.objects.filter(person=person, status__in=OPEN_STATUSES):
            transition(actor=actor, referral=referral, to=ReferralStatus.WITHDRAWN, reason=text)


def lift_stop(*, actor: Any, stop: ProcessingStop, reason: str) -> ProcessingStop:
    """Lift a move or a restriction: work may start again. A death is never lifted."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Write a short reason.")}, code="reason")
    with transaction.atomic():
        current = ProcessingStop.objects.select_for_update().get(pk=stop.pk)
        if current.kind == StopKind.DIED:
            raise ValidationError(_("A recorded death cannot be lifted."), code="died")
        if current.lifted_at is not None:
            raise ValidationError(_("This has already been lifted."), code="lifted")
        current.lifted_at = timezone.now()
        current.lifted_by = actor if getattr(actor, "is_authenticated", False) else None
        current.lift_reason = reason[:500]
        current.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        record_event(
            actor=actor,
            verb="person.stop_lifted",
            obj=current,
            person_id=current.person_id,
            data={"kind": current.kind},
        )
    return current
