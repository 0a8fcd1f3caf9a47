"""Proposing, accepting and declining matches; batch proposals; the weights."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from brobygger.admissions.services import move_admissions
from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction, Purpose
from brobygger.audit.services import record_event
from brobygger.conversations.services import carry_over_guide
from brobygger.lifecycle import services as lifecycle
from brobygger.notifications.models import NotificationKind
from brobygger.notifications.selectors import coordinators_for_unit
from brobygger.notifications.services import notify
from brobygger.outcomes.services import move_series, sync_schedule
from brobygger.people import workforce_services
from brobygger.people.models import PeerDeparture, PeerPause, PeerWorker
from brobygger.referrals import services as referral_services
from brobygger.referrals.models import Course, EndReason, Referral, ReferralStatus
from brobygger.referrals.notices import reference

from .engine import ALLOWED_PEER_KINDS, Weights
from .models import MatchDecline, MatchingSettings


def propose_match(
    *, actor: Any, referral: Referral, peer: PeerWorker, seen_status: str = ""
) -> Referral:
    """The coordinator's choice, sent to the peer to accept or decline. `seen_status`: the
    status the coordinator's page showed (a click that lost to another's changes nothing)."""
    if MatchDecline.objects.filter(referral=referral, peer=peer).exists():
        raise ValidationError(_("This peer has already declined this person."), code="declined")
    workforce_services.check_open_for_new_courses(peer)
    return referral_services.transition(
        actor=actor,
        referral=referral,
        to=ReferralStatus.MATCHED,
        peer=peer,
        seen_status=seen_status,
    )


def accept_match(*, actor: Any, referral: Referral) -> Course:
    from django.utils import timezone

    if referral.peer is None or referral.peer.user_id != actor.pk:
        raise ValidationError(_("This match was not proposed to you."), code="not_yours")
    return lifecycle.start_course_from_referral(
        actor=actor, referral=referral, started_on=timezone.localdate()
    )


def decline_match(*, actor: Any, referral: Referral, reason: str) -> Referral:
    """The peer says no, with a reason; the referral goes back to the queue."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Write a short reason.")}, code="reason")
    peer = referral.peer
    if peer is None or peer.user_id != actor.pk:
        raise ValidationError(_("This match was not proposed to you."), code="not_yours")
    with transaction.atomic():
        decline = MatchDecline.objects.create(
            referral=referral, peer=peer, reason=reason[:500], declined_by=actor
        )
        record_event(
            actor=actor,
            verb="match.declined",
            obj=decline,
            person_id=referral.person_id,
            data={"peer_id": peer.pk},
        )
        referral = referral_services.transition(
            actor=actor, referral=referral, to=ReferralStatus.TRIAGED
        )
        # The reason is the peer's own words and may name anyone: it stays on the
        # referral's page (the coordinator's "Declined by peers"), never in the text.
        notify(
            kind=NotificationKind.MATCH_DECLINED,
            recipients=coordinators_for_unit(referral.unit_id),
            title=format_lazy(
                gettext_lazy("A peer declined the match for referral {ref}; see the reason"),
                ref=reference(referral),
            ),
            link=reverse("referrals:referral_detail", args=[referral.pk]),
            person=referral.person,
            dedupe_key=f"match-declined:{decline.pk}",
        )
        return referral


def save_batch(*, actor: Any, pairs: list[tuple[Referral, PeerWorker]]) -> tuple[int, list[str]]:
    """Propose each reviewed pair; a pair that no longer fits is skipped and said why."""
    saved, problems = 0, []
    for referral, peer in pairs:
        try:
            with transaction.atomic():
                propose_match(actor=actor, referral=referral, peer=peer)
        except ValidationError as error:
            problems.append(f"{referral.person.full_name}: {' '.join(error.messages)}")
        else:
            saved += 1
    return saved, problems


def update_settings(
    *, actor: Any, weights: dict[str, float], hours_per_course: Decimal
) -> MatchingSettings:
    try:
        checked = Weights.from_dict(weights)
    except ValueError as error:
        raise ValidationError(str(error)) from error
    with transaction.atomic():
        config = MatchingSettings.objects.select_for_update().order_by("pk").first()
        if config is None:
            config = MatchingSettings()
        config.weights = checked.as_dict()
        config.hours_per_course = hours_per_course
        config.full_clean()
        config.save()
        record_event(
            actor=actor,
            verb="matching.settings_changed",
            obj=config,
            data={"weights": config.weights, "hours_per_course": str(hours_per_course)},
        )
    return config


# -- a leaving peer's handover (people:peer_handover) ------------------------------------


def handover_problems(
    *, leaving: PeerWorker, choices: dict[Any, PeerWorker], today: datetime.date
) -> list[str]:
    """Why any chosen new peer cannot take a course over; `choices` maps course -> peer."""
    new_ids = {p.pk for p in choices.values()}
    paused = dict(
        PeerPause.objects.on(today).filter(peer__in=new_ids).values_list("peer_id", "ends_on")
    )
    leaving_too = set(
        PeerDeparture.objects.filter(peer__in=new_ids).values_list("peer_id", flat=True)
    )
    together = set(
        Course.objects.active()
        .filter(peer__in=new_ids, person__in=[c.person_id for c in choices])
        .values_list("person_id", "peer_id")
    )
    problems = []
    for course, new in choices.items():
        why = ""
        if new.pk == leaving.pk:
            why = _("choose another peer than the one who leaves")
        elif new.kind not in ALLOWED_PEER_KINDS[course.person.kind]:
            why = _("%(peer)s is not the right kind of peer for this person") % {"peer": new.name}
        elif not new.user.is_active or new.pk in leaving_too:
            why = _("%(peer)s is leaving the programme") % {"peer": new.name}
        elif new.contract_start > today or (new.contract_end and new.contract_end < today):
            why = _("%(peer)s has no current contract") % {"peer": new.name}
        elif new.pk in paused:
            why = _("%(peer)s is on pause until %(day)s") % {
                "peer": new.name,
                "day": workforce_services.full_day(paused[new.pk]),
            }
        elif (course.person_id, new.pk) in together:
            why = _("%(peer)s already has a course with this person") % {"peer": new.name}
        if why:
            problems.append(f"{course.person.full_name}: {why}")
    return problems


def complete_departure(
    *, actor: Any, departure: PeerDeparture, new_peers: dict[int, PeerWorker]
) -> list[Any]:
    """Hand every active course over and let the peer go, all in one transaction.

    `new_peers` maps course id -> new peer. Refused, with the persons named, while any
    active course would be left without a peer. Future conversations of those courses
    are cancelled so the new peer books their own. The contract ends on the last working
    day; the account is closed at once if that day is past, otherwise by the daily
    `close_departed_peers` job the day after (the peer may still work until then).
    """
    from brobygger.lifecycle import ending
    from brobygger.scheduling.models import Appointment, AppointmentStatus, CancelledBy

    today = timezone.localdate()
    with transaction.atomic():
        current = (
            PeerDeparture.objects.select_for_update()
            .select_related("peer__user")
            .filter(pk=departure.pk)
            .first()
        )
        if current is None:
            raise ValidationError(_("The departure was cancelled."), code="gone")
        if current.is_completed:
            raise ValidationError(_("This peer has already left."), code="left")
        peer = current.peer
        if current.last_day <= peer.contract_start:
            raise ValidationError(_("The last working day must come after the contract start."))
        courses = list(
            Course.objects.select_for_update()
            .filter(peer=peer, ended_on__isnull=True)
            .select_related("person")
            .order_by("person__given_name", "person__family_name", "pk")
        )
        missing = [c.person.full_name for c in courses if c.pk not in new_peers]
        if missing:
            raise ValidationError(
                _(
                    "The peer cannot leave while a course would be left without a peer. "
                    "Choose a new peer for: %(names)s."
                )
                % {"names": ", ".join(missing)},
                code="unassigned",
            )
        choices = {c: new_peers[c.pk] for c in courses}
        problems = handover_problems(leaving=peer, choices=choices, today=today)
        if problems:
            raise ValidationError(problems, code="unfit")
        reason = _("The peer has stopped. The new peer will book a new time.")
        future = Appointment.objects.filter(
            course__in=courses, peer=peer, status=AppointmentStatus.BOOKED
        ).filter(starts_at__gte=timezone.now())
        # The same ending as every other (lifecycle.ending); the handover's end_course
        # then finds nothing left to cancel.
        cancelled = len(
            ending.apply(
                actor=actor,
                ending=ending.Ending(appointments=list(future)),
                reason=reason,
                by=CancelledBy.COORDINATOR,
            ).appointments
        )
        moved = []
        for course, new in choices.items():
            successor = hand_over_course(actor=actor, course=course, peer=new, handed_over_on=today)
            # Joins the handover page's one entry (a request), or is written now.
            shown(
                user=actor,
                action=AccessAction.CHANGE,
                purpose=Purpose.COORDINATION,
                person_id=course.person_id,
                obj=successor,
            )
            moved.append(successor)
        if peer.contract_end != current.last_day:
            peer.contract_end = current.last_day
            peer.save(update_fields=["contract_end"])
        closed = current.last_day < today and peer.user.is_active
        if closed:
            peer.user.is_active = False
            peer.user.save(update_fields=["is_active"])
        current.completed_at = timezone.now()
        current.completed_by = actor if getattr(actor, "is_authenticated", False) else None
        current.save(update_fields=["completed_at", "completed_by"])
        record_event(
            actor=actor,
            verb="peer.left",
            obj=current,
            data={
                "peer_id": peer.pk,
                "last_day": current.last_day.isoformat(),
                "courses": [[c.pk, s.pk, s.peer_id] for c, s in zip(courses, moved, strict=True)],
                "appointments_cancelled": cancelled,
                "account_closed": closed,
            },
        )
    return moved


def hand_over_course(
    *, actor: Any, course: Course, peer: PeerWorker, handed_over_on: datetime.date
) -> Course:
    """The course's peer leaves: the course ends (the peer left) and the person goes on
    with `peer` in a new course, which is returned.

    A course is one person with one peer (SCREENS.md), so a new peer means a new course.
    The conversation records stay on the old course: the new peer cannot open them (a peer
    sees their own courses only), the coordinator sees both. Phase and dates carry over;
    the referral moves to the new course and stays active, now naming the new peer.
    The support goes on, so the person's questionnaires move to the new course (one
    series, one "start"; no "end" for a peer who left: outcomes.schedule.NOT_AN_END) and
    the new course starts where the discharge guide stood (the old rows stay as history).
    The registered admissions move too, so readmissions are counted within one course.

    Here, above referrals, since it moves what admissions, conversations and outcomes keep
    of the course; a leaving peer's handover (complete_departure) is its caller.
    """
    referral_services.check_peer_fits(peer, course.person)
    with transaction.atomic():
        current = Course.objects.select_for_update().get(pk=course.pk)
        if current.ended_on is not None:
            raise ValidationError(_("The course has already ended."), code="ended")
        if current.peer_id == peer.pk:
            raise ValidationError(
                {"peer": _("Choose another peer than the one who leaves.")}, code="same_peer"
            )
        referral = current.referral
        if referral is not None:
            # Detached first, so ending the old course does not close the referral.
            current.referral = None
            current.save(update_fields=["referral"])
        day = max(handed_over_on, current.started_on)
        lifecycle.end_course(actor=actor, course=current, ended_on=day, reason=EndReason.PEER_LEFT)
        successor = lifecycle.start_course(
            actor=actor,
            person=course.person,
            peer=peer,
            started_on=day,
            referral=referral,
            support_model=current.support_model,
            phase=current.phase,
            admitted_on=current.admitted_on,
            discharged_on=current.discharged_on,
            plan_questionnaires=False,
            continuing=True,
        )
        if current.follow_up_until:
            successor.follow_up_until = current.follow_up_until
            successor.save(update_fields=["follow_up_until"])
        move_series(actor=actor, source=current, target=successor)
        move_admissions(actor=actor, source=current, target=successor)
        # Questionnaires follow the course's phases (lifecycle.services.update_course).
        sync_schedule(actor=actor, course=successor)
        carry_over_guide(actor=actor, source=current, target=successor)
        if referral is not None:
            referral.peer = peer
            referral.save(update_fields=["peer"])
        record_event(
            actor=actor,
            verb="course.handed_over",
            obj=successor,
            person_id=current.person_id,
            data={"from_course": current.pk, "from_peer": current.peer_id, "to_peer": peer.pk},
        )
    course.refresh_from_db()
    return successor
