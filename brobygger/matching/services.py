"""Proposing, accepting and declining matches; batch proposals; the weights."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from brobygger.audit.services import record_event
from brobygger.notifications.models import NotificationKind
from brobygger.notifications.selectors import coordinators_for_unit
from brobygger.notifications.services import notify
from brobygger.people.models import PeerWorker
from brobygger.referrals import services as referral_services
from brobygger.referrals.models import Course, Referral, ReferralStatus
from brobygger.referrals.notices import reference

from .engine import Weights
from .models import MatchDecline, MatchingSettings


def check_open_for_new_courses(peer: PeerWorker) -> None:
    """A peer on pause or leaving the programme takes no new courses."""
    from django.utils import timezone

    from brobygger.people.models import PeerDeparture, PeerPause

    from .selectors import day_words

    pause = PeerPause.objects.on(timezone.localdate()).filter(peer=peer).first()
    if pause is not None:
        raise ValidationError(
            _("%(peer)s is on pause from new courses until %(day)s.")
            % {"peer": peer.name, "day": day_words(pause.ends_on)},
            code="paused",
        )
    if PeerDeparture.objects.filter(peer=peer).exists():
        raise ValidationError(
            _("%(peer)s is leaving the programme.") % {"peer": peer.name}, code="leaving"
        )


def propose_match(
    *, actor: Any, referral: Referral, peer: PeerWorker, seen_status: str = ""
) -> Referral:
    """The coordinator's choice, sent to the peer to accept or decline. `seen_status`: the
    status the coordinator's page showed (a click that lost to another's changes nothing)."""
    if MatchDecline.objects.filter(referral=referral, peer=peer).exists():
        raise ValidationError(_("This peer has already declined this person."), code="declined")
    check_open_for_new_courses(peer)
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
    return referral_services.start_course_from_referral(
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
