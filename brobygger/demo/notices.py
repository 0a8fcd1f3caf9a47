"""Demo: the staff's notifications, made the way the programme makes them.

New self-referrals of the last days tell the coordinators; two peers decline a proposed
match (with a reason, shown on the referral); the daily checks (`notify_due`) find the
referrals left waiting, a contract ending and supervision due; the questionnaire scores
of the outcomes phase have already notified where they crossed a threshold, and the
demo peer answers two more, low. The services
stamp the present moment, so each notification is then moved back to when it would
have been made; the demo coordinator and the demo peer have read the older half.
(Concerns notify through their own service, from their own demo.)
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from brobygger.accounts.models import Membership, User
from brobygger.matching.services import decline_match
from brobygger.notifications.models import Notification, NotificationKind
from brobygger.notifications.services import mark_read
from brobygger.outcomes.models import Administration, AnsweredBy
from brobygger.outcomes.services import save_answers
from brobygger.people.models import Consent, ConsentKind
from brobygger.referrals.models import Referral, ReferralSource, ReferralStatus
from brobygger.referrals.notices import notify_self_referral, notify_waiting
from brobygger.workforce.notices import notify_contracts, notify_supervision

# A peer's own words when saying no: reasons, never about the person by name.
DECLINE_REASONS = [
    "Jeg har ikke plads til et nyt forløb før efter min ferie.",
    "Vi bor i samme lille by, så jeg kender nok familien. Find gerne en anden.",
]
# The self-referrals of the last two weeks notify (as the public form does today).
SELF_REFERRAL_DAYS = 14


def _low_answers(builder: Any, *, count: int = 2) -> None:
    """The demo peer answers open questionnaires with two of their persons, whose
    experience of the support has fallen: the scores cross their threshold, and the peer
    and the coordinators are told (as `save_answers` does for any answer)."""
    consented = Consent.objects.current().filter(
        person=OuterRef("course__person"), kind=ConsentKind.QUESTIONNAIRES
    )
    # Persons of the demo coordinator's units first: the coordinators of the person's
    # unit are told too (a person without a unit tells the peer only).
    coordinators_unit = Membership.objects.filter(
        user__username="koordinator", unit=OuterRef("course__person__unit")
    )
    open_ones = (
        Administration.objects.open()
        .filter(course__peer__user__username="peer", course__ended_on__isnull=True)
        .filter(Exists(consented))
        .annotate(coordinators=Exists(coordinators_unit))
        .select_related("version", "course__peer__user")
        .order_by("-coordinators", "due_on", "pk")
    )
    # Until the peer has been told `count` times and the coordinator at least once: an
    # answer crosses the threshold only when the course's scores allow it, so one course
    # more is tried while any is left.
    told = Notification.objects.filter(kind=NotificationKind.SCORE_THRESHOLD)
    courses: set[int] = set()
    for administration in open_ones:
        if (
            told.filter(recipient__username="peer").count() >= count
            and told.filter(recipient__username="koordinator").exists()
        ):
            break
        if administration.course_id in courses:
            continue
        courses.add(administration.course_id)
        version = administration.version
        low, high = version.scale["min"], version.scale["max"]
        answers = {item["key"]: high if item.get("reverse") else low for item in version.items}
        save_answers(
            administration=administration,
            answers=answers,
            final=True,
            answered_by=AnsweredBy.WITH_PEER,
            actor=administration.course.peer.user,
        )


def build_demo(builder: Any) -> None:
    now = timezone.now()
    rng = builder.rng
    moments: dict[int, datetime.datetime] = {}

    recent = (
        Referral.objects.filter(
            source=ReferralSource.SELF,
            received_at__gte=now - datetime.timedelta(days=SELF_REFERRAL_DAYS),
        )
        .select_related("person")
        .order_by("received_at", "pk")
    )
    for referral in recent:
        notify_self_referral(referral)
        for n in Notification.objects.filter(dedupe_key=f"self-referral:{referral.pk}"):
            moments[n.pk] = referral.received_at

    proposed = list(
        Referral.objects.filter(status=ReferralStatus.MATCHED, peer__isnull=False)
        .select_related("peer__user", "person")
        .order_by("pk")[: len(DECLINE_REASONS)]
    )
    for referral, reason in zip(proposed, DECLINE_REASONS, strict=False):
        assert referral.peer is not None
        decline_match(actor=referral.peer.user, referral=referral, reason=reason)

    _low_answers(builder)

    notify_waiting()
    notify_contracts()
    notify_supervision()

    waiting_days = datetime.timedelta(days=settings.NOTIFY_REFERRAL_WAITING_DAYS)
    received = dict(Referral.objects.values_list("pk", "received_at"))
    for n in Notification.objects.exclude(pk__in=moments).order_by("pk"):
        if n.kind == NotificationKind.REFERRAL_WAITING:
            pk = int(n.dedupe_key.rsplit(":", 1)[1])
            moments[n.pk] = min(received[pk] + waiting_days, now)
        else:
            moments[n.pk] = now - datetime.timedelta(minutes=rng.randrange(10, 3 * 24 * 60))
    for pk, moment in moments.items():
        Notification.objects.filter(pk=pk).update(created_at=moment)

    # The demo logins have read the older half of their notifications; the rest are new.
    for username in ("koordinator", "peer"):
        user = User.objects.get(username=username)
        mine = list(Notification.objects.for_user(user).order_by("created_at", "pk"))
        for notification in mine[: len(mine) // 2]:
            mark_read(notification, user=user)
            read_at = min(notification.created_at + datetime.timedelta(hours=6), now)
            Notification.objects.filter(pk=notification.pk).update(read_at=read_at)
