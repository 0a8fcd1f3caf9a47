"""Every change to concerns, crisis cards and crisis contacts: audited, in one transaction."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brobygger.audit.services import record_event
from brobygger.people.models import Person
from brobygger.referrals.models import Course

from . import alerts
from .models import (
    Concern,
    ConcernOutcome,
    ConcernStatus,
    CrisisCard,
    CrisisContact,
    UnitContact,
    Urgency,
)

# Minutes an open concern may wait for someone to acknowledge it before the coordinator
# is alerted again (settings.BROBYGGER_CONCERN_ESCALATE_MINUTES overrides them).
DEFAULT_ESCALATE_MINUTES = {Urgency.HIGH: 30, Urgency.MEDIUM: 4 * 60, Urgency.LOW: 24 * 60}

CARD_FIELDS = ("warning_signs", "what_helps", "who_to_call", "own_contacts")


def escalate_after(urgency: str) -> datetime.timedelta:
    minutes = {
        **DEFAULT_ESCALATE_MINUTES,
        **getattr(settings, "BROBYGGER_CONCERN_ESCALATE_MINUTES", {}),
    }
    return datetime.timedelta(minutes=int(minutes[urgency]))


def raise_concern(*, actor: Any, course: Course, urgency: str, what_happened: str) -> Concern:
    text = what_happened.strip()
    if not text:
        raise ValidationError({"what_happened": _("Write in a few words what happened.")})
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": _("Choose how urgent it is.")})
    if course.ended_on is not None:
        raise ValidationError(_("The course has ended; call the unit or the crisis numbers."))
    with transaction.atomic():
        concern = Concern.objects.create(
            course=course,
            person_id=course.person_id,
            unit_id=course.unit_id or course.person.unit_id,
            raised_by=actor,
            raised_at=timezone.now(),
            urgency=urgency,
            what_happened=text,
        )
        record_event(
            actor=actor,
            verb="concern.raised",
            obj=concern,
            person_id=concern.person_id,
            data={"urgency": urgency, "course": course.pk},
        )
        alerts.concern_raised(concern)
    return concern


def acknowledge_concern(*, actor: Any, concern: Concern) -> Concern:
    with transaction.atomic():
        # The first who acknowledges wins; a second tap changes nothing.
        claimed = Concern.objects.filter(pk=concern.pk, status=ConcernStatus.OPEN).update(
            status=ConcernStatus.ACKNOWLEDGED,
            acknowledged_at=timezone.now(),
            acknowledged_by=actor,
        )
        concern.refresh_from_db()
        if not claimed:
            raise ValidationError(_("Someone has already acknowledged this concern."))
        record_event(
            actor=actor, verb="concern.acknowledged", obj=concern, person_id=concern.person_id
        )
    return concern


def close_concern(*, actor: Any, concern: Concern, outcome: str, outcome_note: str) -> Concern:
    if outcome not in ConcernOutcome.values:
        raise ValidationError({"outcome": _("Choose what came of it.")})
    note = outcome_note.strip()
    if outcome == ConcernOutcome.OTHER and not note:
        raise ValidationError({"outcome_note": _("Write in a few words what was done.")})
    with transaction.atomic():
        moment = timezone.now()
        open_ = Concern.objects.filter(pk=concern.pk).exclude(status=ConcernStatus.CLOSED)
        # Closing an open concern acknowledges it as well.
        open_.filter(status=ConcernStatus.OPEN).update(
            acknowledged_at=moment, acknowledged_by=actor
        )
        claimed = open_.update(
            status=ConcernStatus.CLOSED,
            closed_at=moment,
            closed_by=actor,
            outcome=outcome,
            outcome_note=note,
        )
        concern.refresh_from_db()
        if not claimed:
            raise ValidationError(_("This concern is already closed."))
        record_event(
            actor=actor,
            verb="concern.closed",
            obj=concern,
            person_id=concern.person_id,
            data={"outcome": outcome},
        )
    return concern


def escalate_due(*, at: datetime.datetime | None = None) -> list[Concern]:
    """Escalate every concern still open (nobody acknowledged it) longer than its
    urgency allows. Each row is claimed by a conditional UPDATE, so two runs (or two
    servers) never escalate one twice; a second run finds nothing."""
    moment = at or timezone.now()
    escalated: list[Concern] = []
    for urgency in Urgency.values:
        due = Concern.objects.filter(
            status=ConcernStatus.OPEN,
            escalated_at__isnull=True,
            urgency=urgency,
            raised_at__lte=moment - escalate_after(urgency),
        ).values_list("pk", flat=True)
        for pk in list(due):
            with transaction.atomic():
                claimed = Concern.objects.filter(
                    pk=pk, status=ConcernStatus.OPEN, escalated_at__isnull=True
                ).update(escalated_at=moment)
                if not claimed:
                    continue
                concern = Concern.objects.select_related("person").get(pk=pk)
                record_event(
                    actor=None,
                    verb="concern.escalated",
                    obj=concern,
                    person_id=concern.person_id,
                    data={"urgency": urgency},
                )
                alerts.concern_unacknowledged(concern)
            escalated.append(concern)
    return escalated


def save_crisis_card(*, actor: Any, person: Person, **fields: str) -> CrisisCard:
    """Create or change the person's crisis card; the audit event names the changed
    fields and the version (the text itself stays in the card, not in the trail)."""
    values = {name: (fields.get(name) or "").strip() for name in CARD_FIELDS}
    if not any(values.values()):
        raise ValidationError(_("Write at least one thing on the card."))
    with transaction.atomic():
        card = CrisisCard.objects.select_for_update().filter(person=person).first()
        moment = timezone.now()
        if card is None:
            card = CrisisCard.objects.create(
                person=person,
                agreed_on=timezone.localdate(),
                updated_at=moment,
                updated_by=actor if getattr(actor, "is_authenticated", False) else None,
                **values,
            )
            record_event(
                actor=actor,
                verb="crisis_card.created",
                obj=card,
                person_id=person.pk,
                data={"version": 1},
            )
            return card
        changed = [name for name in CARD_FIELDS if getattr(card, name) != values[name]]
        if not changed:
            return card
        for name in changed:
            setattr(card, name, values[name])
        card.version += 1
        card.agreed_on = timezone.localdate()
        card.updated_at = moment
        card.updated_by = actor if getattr(actor, "is_authenticated", False) else None
        card.save(update_fields=[*changed, "version", "agreed_on", "updated_at", "updated_by"])
        record_event(
            actor=actor,
            verb="crisis_card.changed",
            obj=card,
            person_id=person.pk,
            data={"version": card.version, "fields": changed},
        )
    return card


def save_crisis_contact(*, actor: Any, contact: CrisisContact, created: bool) -> CrisisContact:
    """The administrator's change of a crisis number (Django admin calls this)."""
    with transaction.atomic():
        contact.full_clean()
        contact.save()
        record_event(
            actor=actor,
            verb="crisis_contact.created" if created else "crisis_contact.changed",
            obj=contact,
            data={"unit": contact.unit_id, "name": contact.name, "phone": contact.phone},
        )
    return contact


def delete_crisis_contact(*, actor: Any, contact: CrisisContact) -> None:
    with transaction.atomic():
        record_event(
            actor=actor,
            verb="crisis_contact.deleted",
            obj=contact,
            data={"unit": contact.unit_id, "name": contact.name},
        )
        contact.delete()


def save_unit_contact(*, actor: Any, contact: UnitContact) -> UnitContact:
    """Who of the unit's staff is told of concerns (and may see and close them)."""
    with transaction.atomic():
        contact.full_clean()
        contact.save()
        record_event(
            actor=actor,
            verb="concern_contact.saved",
            obj=contact,
            data={"unit": contact.unit_id, "user": contact.user_id},
        )
    return contact


def delete_unit_contact(*, actor: Any, contact: UnitContact) -> None:
    with transaction.atomic():
        record_event(
            actor=actor,
            verb="concern_contact.deleted",
            obj=contact,
            data={"unit": contact.unit_id, "user": contact.user_id},
        )
        contact.delete()
