"""Every change to a referral, and the rules of a course. Keyword-only, with an actor,
audited. Starting, changing and ending a course, withdrawing a consent, recording a death,
a move or a restriction, and merging two records reach the apps that hang on a course
(outcomes, scheduling, groups), so they are `lifecycle.services`, above them."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brobygger.accounts.models import Unit
from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction, AuditEvent, Purpose
from brobygger.audit.services import record_event
from brobygger.lib.when import format_when
from brobygger.people import services as people_services
from brobygger.people.models import (
    ConsentKind,
    ExperienceTag,
    PeerKind,
    PeerWorker,
    Person,
    PersonKind,
)

from . import notices
from .models import (
    Course,
    EndReason,
    Referral,
    ReferralSource,
    ReferralStatus,
)

S = ReferralStatus
# The referral lifecycle. Every status change goes through `transition`, nowhere else.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.TRIAGED, S.DECLINED, S.WITHDRAWN, S.NO_CONTACT}),
    S.TRIAGED: frozenset({S.MATCHED, S.DECLINED, S.WITHDRAWN, S.NO_CONTACT}),
    S.MATCHED: frozenset({S.ACTIVE, S.TRIAGED, S.WITHDRAWN, S.NO_CONTACT}),
    S.ACTIVE: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.DECLINED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.NO_CONTACT: frozenset(),
}
REASON_REQUIRED = frozenset({S.DECLINED, S.WITHDRAWN, S.NO_CONTACT, S.CLOSED})
# Statuses that mean peer contact: never without a current consent to be contacted.
CONTACT_STATUSES = frozenset({S.MATCHED, S.ACTIVE})

# Patient peers support patients; relative peers support relatives only (DOMAIN.md §1).
PEER_KINDS_FOR = {
    PersonKind.PATIENT: {PeerKind.PATIENT_PEER},
    PersonKind.RELATIVE: {PeerKind.RELATIVE_PEER, PeerKind.PARENT_PEER},
}

WISH_FIELDS = (
    "treatment_setting",
    "expected_discharge",
    "reason",
    "gender_wish",
    "gender_required",
    "age_band_wish",
    "age_band_required",
    "language_wish",
    "language_required",
    "wishes",
)


def allowed_transitions(referral: Referral) -> frozenset[str]:
    return TRANSITIONS[referral.status]


def check_contact_consent(person: Person) -> None:
    if not people_services.has_current_consent(person, ConsentKind.CONTACT):
        raise ValidationError(
            _("The person has not consented to be contacted by a peer (or has withdrawn it)."),
            code="no_consent",
        )


def _lost_race(current: Referral, actor: Any) -> ValidationError:
    """The refusal for a click that lost to someone else's: what happened and by whom,
    from the referral's last status change (issue 17 item 7)."""
    last = (
        AuditEvent.objects.filter(
            object_type="referrals.referral", object_id=current.pk, verb="referral.status"
        )
        .select_related("actor")
        .order_by("-seq")
        .first()
    )
    when = format_when(last.at, "time") if last is not None else ""
    by = last.actor if last is not None else None
    values = {
        "who": by.display_name if by is not None else _("someone"),
        "status": S(current.status).label,
        "peer": current.peer.name if current.peer is not None else "",
        "time": when,
    }
    you = by is not None and by.pk == getattr(actor, "pk", None)
    if current.status in (S.MATCHED, S.ACTIVE) and current.peer is not None:
        if you:
            text = _("You already assigned this referral to %(peer)s at %(time)s.")
        else:
            text = _(
                "Another coordinator, %(who)s, assigned this referral to %(peer)s at %(time)s. "
                "Nothing was changed."
            )
    elif you:
        text = _("You already changed this referral to “%(status)s” at %(time)s.")
    else:
        text = _(
            "Another coordinator, %(who)s, changed this referral to “%(status)s” at "
            "%(time)s. Nothing was changed."
        )
    return ValidationError(text % values, code="stale")


def transition(
    *,
    actor: Any,
    referral: Referral,
    to: str,
    reason: str = "",
    peer: PeerWorker | None = None,
    seen_status: str = "",
) -> Referral:
    """Move a referral to `to` if the lifecycle allows it; audited.

    `seen_status` is the status the actor's page showed: if the referral has moved on
    since, the click lost to someone else's and nothing changes.
    """
    reason = reason.strip()
    with transaction.atomic():
        current = Referral.objects.select_for_update().get(pk=referral.pk)
        if seen_status and seen_status != current.status:
            raise _lost_race(current, actor)
        if to not in TRANSITIONS[current.status]:
            # Loaded before another's change, or the same step twice: someone was first.
            if current.status != referral.status or to == current.status:
                raise _lost_race(current, actor)
            raise ValidationError(
                _("A referral cannot go from “%(from)s” to “%(to)s”.")
                % {"from": S(current.status).label, "to": S(to).label},
                code="transition",
            )
        if to in REASON_REQUIRED and not reason:
            raise ValidationError({"reason": _("Write a short reason.")}, code="reason")
        if to in CONTACT_STATUSES or (to == S.TRIAGED and current.status == S.NEW):
            # Dead, moved away or processing restricted: nothing new starts (issue 18).
            people_services.ensure_may_start(current.person_id)
        if to in CONTACT_STATUSES:
            check_contact_consent(current.person)
        if to == S.MATCHED:
            if peer is None:
                raise ValidationError({"peer": _("Choose a peer.")}, code="peer")
            check_peer_fits(peer, current.person)
            current.peer = peer
        if to == S.TRIAGED and current.status == S.MATCHED:
            current.peer = None  # the proposed peer declined: back to the queue
        previous = current.status
        current.status = to
        current.status_reason = reason
        current.status_changed_at = timezone.now()
        current.save(update_fields=["status", "status_reason", "status_changed_at", "peer"])
        record_event(
            actor=actor,
            verb="referral.status",
            obj=current,
            person_id=current.person_id,
            data={"from": previous, "to": to},
        )
    referral.refresh_from_db()
    return referral


def check_peer_fits(peer: PeerWorker, person: Person) -> None:
    if peer.kind not in PEER_KINDS_FOR[PersonKind(person.kind)]:
        raise ValidationError(
            {
                "peer": _("A %(peer_kind)s cannot support a %(person_kind)s.")
                % {
                    "peer_kind": peer.get_kind_display().lower(),
                    "person_kind": person.get_kind_display().lower(),
                }
            },
            code="peer_kind",
        )


def find_possible_duplicate(person: Person) -> Person | None:
    """Another person with the same name, birth date and phone (DESIGN: offer to merge)."""
    if not (person.birth_date and person.phone):
        return None
    return (
        Person.objects.exclude(pk=person.pk)
        .filter(
            given_name__iexact=person.given_name,
            family_name__iexact=person.family_name,
            birth_date=person.birth_date,
            phone=person.phone,
        )
        .order_by("pk")
        .first()
    )


def create_referral(
    *,
    actor: Any,
    source: str,
    person_fields: dict[str, Any] | None = None,
    person: Person | None = None,
    unit: Unit | None,
    consent_source: str,
    consents: tuple[str, ...] = (ConsentKind.CONTACT,),
    wanted_tags: list[ExperienceTag] | tuple[ExperienceTag, ...] = (),
    referrer_name: str = "",
    relationship: str = "",
    received_at: datetime.datetime | None = None,
    **wishes: Any,
) -> Referral:
    """A new referral: the person (found by CPR, or registered), consents and wishes.

    Nothing is stored without consent to be contacted (the form requires it).
    """
    if ConsentKind.CONTACT not in consents:
        raise ValidationError(
            _("A referral needs the person's consent to be contacted."), code="no_consent"
        )
    unknown = set(wishes) - set(WISH_FIELDS)
    if unknown:
        raise TypeError(f"Unknown referral fields: {sorted(unknown)}")
    clinician = actor if source == ReferralSource.CLINICIAN else None
    purpose = Purpose.REFERRAL
    if (person is None) == (person_fields is None):
        raise TypeError("Give either person or person_fields.")
    with transaction.atomic():
        number = (person_fields or {}).get("cpr")
        if person is None and number:
            person = Person.objects.filter(cpr=number).first()
        if person is not None:
            people_services.ensure_may_start(person)
        if person is None:
            fields = {**(person_fields or {}), "unit": unit}
            person = people_services.create_person(actor=actor, purpose=purpose, **fields)
            duplicate = find_possible_duplicate(person)
        else:
            duplicate = None
            shown(
                user=actor,
                action=AccessAction.CHANGE,
                purpose=purpose,
                person_id=person.pk,
                obj=person,
            )
        now = received_at or timezone.now()
        referral = Referral.objects.create(
            person=person,
            source=source,
            referred_by=clinician,
            unit=unit,
            received_at=now,
            status_changed_at=now,
            possible_duplicate=duplicate,
            referrer_name=referrer_name,
            # Only a relative has a relationship to someone they are close to.
            relationship=relationship if person.kind == PersonKind.RELATIVE else "",
            **wishes,
        )
        referral.wanted_tags.set(wanted_tags)
        for kind in consents:
            people_services.record_consent(
                actor=actor, person=person, kind=kind, source=consent_source, given_at=now
            )
        record_event(
            actor=actor,
            verb="referral.created",
            obj=referral,
            person_id=person.pk,
            data={"source": source, "possible_duplicate": duplicate is not None},
        )
        if source == ReferralSource.SELF:
            notices.notify_self_referral(referral)
    return referral


def check_end(course: Course, *, ended_on: datetime.date, reason: str) -> None:
    """Whether `course` may end on `ended_on` for `reason`: the end and its preview ask
    the same."""
    if reason not in EndReason.values:
        raise ValidationError({"reason": _("Choose why the course ended.")}, code="end_reason")
    if ended_on < course.started_on:
        raise ValidationError({"ended_on": _("A course cannot end before it started.")})
    if course.ended_on is not None:
        raise ValidationError(_("The course has already ended."), code="ended")
