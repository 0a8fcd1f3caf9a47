"""Every change to referrals and courses. Keyword-only, with an actor, audited."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from brobygger.audit.services import record_event
from brobygger.people.models import PeerKind, PeerWorker, Person, PersonKind

from .models import Course, EndReason, Referral, SupportModel

# Patient peers support patients; relative peers support relatives only (DOMAIN.md §1).
PEER_KINDS_FOR = {
    PersonKind.PATIENT: {PeerKind.PATIENT_PEER},
    PersonKind.RELATIVE: {PeerKind.RELATIVE_PEER, PeerKind.PARENT_PEER},
}


def start_course(
    *,
    actor: Any,
    person: Person,
    peer: PeerWorker,
    started_on: datetime.date,
    referral: Referral | None = None,
    support_model: str = "",
    phase: str = "",
    admitted_on: datetime.date | None = None,
    discharged_on: datetime.date | None = None,
) -> Course:
    if peer.kind not in PEER_KINDS_FOR[PersonKind(person.kind)]:
        raise ValidationError(
            _("A %(peer_kind)s cannot support a %(person_kind)s.")
            % {
                "peer_kind": peer.get_kind_display().lower(),
                "person_kind": person.get_kind_display().lower(),
            },
            code="peer_kind",
        )
    if not support_model:
        support_model = (
            SupportModel.RELATIVE if person.kind == PersonKind.RELATIVE else SupportModel.INDIVIDUAL
        )
    with transaction.atomic():
        if Course.objects.filter(person=person, peer=peer, ended_on__isnull=True).exists():
            raise ValidationError(
                _("This person already has an active course with this peer."), code="course_exists"
            )
        course = Course.objects.create(
            person=person,
            peer=peer,
            referral=referral,
            unit=person.unit,
            support_model=support_model,
            phase=phase,
            started_on=started_on,
            admitted_on=admitted_on,
            discharged_on=discharged_on,
        )
        record_event(
            actor=actor,
            verb="course.started",
            obj=course,
            person_id=person.pk,
            data={"peer_id": peer.pk, "support_model": support_model},
        )
    return course


def end_course(*, actor: Any, course: Course, ended_on: datetime.date, reason: str) -> Course:
    if reason not in EndReason.values:
        raise ValidationError(_("Choose why the course ended."), code="end_reason")
    if ended_on < course.started_on:
        raise ValidationError({"ended_on": _("A course cannot end before it started.")})
    with transaction.atomic():
        course.ended_on = ended_on
        course.end_reason = reason
        course.save(update_fields=["ended_on", "end_reason"])
        record_event(
            actor=actor,
            verb="course.ended",
            obj=course,
            person_id=course.person_id,
            data={"reason": reason},
        )
    return course
