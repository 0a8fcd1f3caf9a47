"""The lifecycle of a person's support: a course starts, changes and ends; a consent is
withdrawn; a death, a move or a restriction is recorded; two records of one person are
merged. Each is one operation that reaches the apps that hang on a course
(questionnaires in outcomes, conversations in scheduling, group places in groups), so it
lives here, above all of them, and calls their services directly (STYLE rule 12: no
workflow driven through signals). Referrals keeps the records' own rules: the referral's
status steps (`referrals.services.transition`) and what a course may be.

Every function is keyword-only, takes the actor, and is audited in the same
transaction as its change.
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
from brobygger.lib.instances import kept_on_failure
from brobygger.outcomes.services import sync_schedule
from brobygger.people import services as people_services
from brobygger.people.models import Consent, ConsentKind, PeerWorker, Person, PersonKind
from brobygger.people.workforce_services import check_open_for_new_courses
from brobygger.referrals.models import (
    OPEN_STATUSES,
    Course,
    EndReason,
    Referral,
    ReferralStatus,
    SupportModel,
)
from brobygger.referrals.services import (
    check_contact_consent,
    check_end,
    check_peer_fits,
    transition,
)
from brobygger.scheduling.models import CancelledBy

from . import ending

# Kept apart for their size, services like the others.
from .merging import MergeResult as MergeResult
from .merging import merge_persons as merge_persons
from .stopping import lift_stop as lift_stop
from .stopping import record_stop as record_stop

S = ReferralStatus


def _sync_outcomes(*, actor: Any, course: Course) -> None:
    """Questionnaires follow the course's phases (start, discharge, 3 months, end)."""
    sync_schedule(actor=actor, course=course)


def assign_peer(
    *,
    actor: Any,
    referral: Referral,
    peer: PeerWorker,
    started_on: datetime.date | None = None,
    seen_status: str = "",
) -> Course:
    """The coordinator's choice of peer: matched, and the course (forløb) starts."""
    # A peer on pause or leaving takes no new courses, whichever way they are chosen.
    check_open_for_new_courses(peer)
    with transaction.atomic():
        transition(actor=actor, referral=referral, to=S.MATCHED, peer=peer, seen_status=seen_status)
        return start_course_from_referral(
            actor=actor, referral=referral, started_on=started_on or timezone.localdate()
        )


def start_course_from_referral(
    *, actor: Any, referral: Referral, started_on: datetime.date
) -> Course:
    if referral.peer is None:
        raise ValidationError(_("Choose a peer first."), code="peer")
    with transaction.atomic():
        transition(actor=actor, referral=referral, to=S.ACTIVE)
        admitted = (
            timezone.localdate(referral.received_at)
            if referral.treatment_setting == "inpatient"
            else None
        )
        return start_course(
            actor=actor,
            person=referral.person,
            peer=referral.peer,
            referral=referral,
            started_on=started_on,
            admitted_on=admitted,
            phase="admitted" if admitted else "",
        )


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
    plan_questionnaires: bool = True,
    continuing: bool = False,
) -> Course:
    """A new course (forløb) of `person` with `peer`; its questionnaires are planned unless
    `plan_questionnaires` is off (a handover moves the person's series over first).
    `continuing`: the course goes on with a new peer (a handover), which a restriction of
    processing does not stop; anything else new is refused for a stopped person."""
    check_peer_fits(peer, person)
    if not continuing:
        people_services.ensure_may_start(person)
        if people_services.withdrew_consent(person, ConsentKind.CONTACT):
            check_contact_consent(person)  # withdrawn: no new course either
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
        if plan_questionnaires:
            _sync_outcomes(actor=actor, course=course)
    return course


COURSE_FIELDS = ("phase", "admitted_on", "discharged_on", "follow_up_until", "support_model")


def update_course(*, actor: Any, course: Course, **changes: Any) -> Course:
    unknown = set(changes) - set(COURSE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown course fields: {sorted(unknown)}")
    admitted = changes.get("admitted_on", course.admitted_on)
    discharged = changes.get("discharged_on", course.discharged_on)
    if admitted and discharged and discharged < admitted:
        raise ValidationError({"discharged_on": _("Discharge cannot come before admission.")})
    with kept_on_failure(course), transaction.atomic():
        changed = [n for n, v in changes.items() if getattr(course, n) != v]
        for name in changed:
            setattr(course, name, changes[name])
        if changed:
            course.save(update_fields=changed)
            record_event(
                actor=actor,
                verb="course.changed",
                obj=course,
                person_id=course.person_id,
                data={"fields": sorted(changed)},
            )
            _sync_outcomes(actor=actor, course=course)
    return course


def _end_text(reason: str) -> str:
    """The reason a cancelled conversation shows the peer, in the peer's week."""
    if reason == EndReason.PEER_LEFT:
        return gettext("The peer has stopped. The new peer will book a new time.")
    return gettext("The course ended: %(reason)s") % {"reason": EndReason(reason).label}


def end_course(
    *, actor: Any, course: Course, ended_on: datetime.date, reason: str, summary: str = ""
) -> Course:
    check_end(course, ended_on=ended_on, reason=reason)
    with kept_on_failure(course), transaction.atomic():
        course.ended_on = ended_on
        course.end_reason = reason
        course.closing_summary = summary.strip()[:3000]
        course.save(update_fields=["ended_on", "end_reason", "closing_summary"])
        record_event(
            actor=actor,
            verb="course.ended",
            obj=course,
            person_id=course.person_id,
            data={"reason": reason},
        )
        _sync_outcomes(actor=actor, course=course)
        # What depended on the course stops with it (issue 17): the same function the
        # course page's preview uses, so the page and the outcome agree.
        ending.apply(
            actor=actor,
            ending=ending.for_course(course, ended_on=ended_on, reason=reason),
            reason=_end_text(reason),
        )
        referral = course.referral
        if referral is not None and referral.status == S.ACTIVE:
            transition(
                actor=actor, referral=referral, to=S.CLOSED, reason=str(EndReason(reason).label)
            )
    return course


def withdraw_consent(*, actor: Any, consent: Consent, note: str = "") -> Consent:
    """Withdrawal takes effect everywhere at once: no further contact if it was contact."""
    with transaction.atomic():
        consent = Consent.objects.select_for_update().get(pk=consent.pk)
        if consent.withdrawn_at is not None:
            return consent
        consent.withdrawn_at = timezone.now()
        consent.withdrawn_by = actor
        consent.withdrawal_note = note[:300]
        consent.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_note"])
        record_event(
            actor=actor,
            verb="consent.withdrawn",
            obj=consent,
            person_id=consent.person_id,
            data={"kind": consent.kind},
        )
        end_what_needs(actor=actor, consent=consent)
    return consent


def end_what_needs(*, actor: Any, consent: Consent) -> None:
    """Everything that needs the withdrawn `consent` stops, in the caller's transaction
    (issue 17): what its confirm page listed (access.consent_ending_for). Also called when
    a merge leaves the kept person with a consent withdrawn and not given again."""
    reason = gettext("Consent withdrawn")
    ending.apply(
        actor=actor,
        ending=ending.for_consent(consent),
        reason=reason,
        by=CancelledBy.PERSON,
    )
    if consent.kind == ConsentKind.CONTACT:
        for course in Course.objects.filter(person_id=consent.person_id, ended_on__isnull=True):
            end_course(
                actor=actor,
                course=course,
                ended_on=timezone.localdate(),
                reason=EndReason.CONSENT_WITHDRAWN,
            )
        for referral in Referral.objects.filter(
            person_id=consent.person_id, status__in=OPEN_STATUSES
        ):
            transition(actor=actor, referral=referral, to=S.WITHDRAWN, reason=reason)
