"""From the database to the engine's plain profiles, in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from brobygger.people.models import PeerPause, PeerWorker
from brobygger.referrals.models import Course, Referral, ReferralStatus

from .engine import PeerProfile, ReferralProfile
from .models import MatchDecline


def peer_queryset() -> QuerySet[PeerWorker]:
    """Peers who may get new courses: an active account, a current contract, not leaving.

    A peer on pause is kept, marked with the day the pause ends (`paused_until`): the
    engine never proposes them, and the pages can say why.
    """
    today = timezone.localdate()
    pause_ends = PeerPause.objects.on(today).filter(peer=OuterRef("pk")).values("ends_on")[:1]
    return (
        PeerWorker.objects.active()
        .filter(
            Q(contract_end__isnull=True) | Q(contract_end__gte=today),
            contract_start__lte=today,
            departure__isnull=True,
        )
        .select_related("user")
        .prefetch_related("experience_tags", "units")
        .annotate(
            caseload=Count("courses", filter=Q(courses__ended_on__isnull=True)),
            paused_until=Subquery(pause_ends),
        )
        .order_by("pk")
    )


def peer_profiles(peers: Iterable[PeerWorker], hours_per_course: Decimal) -> list[PeerProfile]:
    """Free hours: the top of the contract band less the expected hours of active courses."""
    profiles = []
    for peer in peers:
        busy = Decimal(getattr(peer, "caseload", 0)) * hours_per_course
        profiles.append(
            PeerProfile(
                id=peer.pk,
                kind=peer.kind,
                experience_tags=frozenset(t.slug for t in peer.experience_tags.all()),
                languages=frozenset(peer.languages or []),
                gender=peer.gender,
                age_band=peer.age_band,
                unit_ids=frozenset(u.pk for u in peer.units.all()),
                free_hours=float(max(peer.hours_max - busy, Decimal(0))),
                paused=getattr(peer, "paused_until", None) is not None,
            )
        )
    return profiles


def referral_queryset(user: Any) -> QuerySet[Referral]:
    return (
        Referral.objects.visible_to(user)
        .filter(status=ReferralStatus.TRIAGED)
        .select_related("person", "unit")
        .prefetch_related("wanted_tags")
        .order_by("received_at", "pk")
    )


def referral_profiles(referrals: list[Referral]) -> list[ReferralProfile]:
    """Known peers: earlier courses of the person. Peers who declined are excluded."""
    person_ids = [r.person_id for r in referrals]
    known: dict[int, set[int]] = defaultdict(set)
    for person_id, peer_id in Course.objects.filter(person_id__in=person_ids).values_list(
        "person_id", "peer_id"
    ):
        known[person_id].add(peer_id)
    refused: dict[int, set[int]] = defaultdict(set)
    for referral_id, peer_id in declined_pairs([r.pk for r in referrals]):
        refused[referral_id].add(peer_id)
    now = timezone.now()
    return [
        ReferralProfile(
            id=r.pk,
            person_kind=r.person.kind,
            wanted_tags=frozenset(t.slug for t in r.wanted_tags.all()),
            gender_wish=r.gender_wish,
            gender_required=r.gender_required,
            age_band_wish=r.age_band_wish,
            age_band_required=r.age_band_required,
            language=r.language_wish or r.person.language,
            language_required=r.language_required,
            unit_id=r.unit_id,
            known_peer_ids=frozenset(known[r.person_id]),
            waiting_days=max((now - r.received_at).days, 0),
            excluded_peer_ids=frozenset(refused[r.pk]),
        )
        for r in referrals
    ]


def declined_pairs(referral_ids: list[int]) -> set[tuple[int, int]]:
    return set(
        MatchDecline.objects.filter(referral_id__in=referral_ids).values_list(
            "referral_id", "peer_id"
        )
    )


def tag_names() -> dict[str, str]:
    from brobygger.people.models import ExperienceTag

    return {t.slug: str(t) for t in ExperienceTag.objects.all()}


def suggestions_for(referral: Referral, *, limit: int = 5) -> list[dict[str, Any]]:
    """The best peers for one referral, each with the score in words."""
    from . import engine, words
    from .models import MatchingSettings

    config = MatchingSettings.current()
    peers = {p.pk: p for p in peer_queryset()}
    profile = referral_profiles([referral])[0]
    pool = peer_profiles(list(peers.values()), config.hours_per_course)
    found = engine.suggest(
        profile,
        pool,
        config.engine_weights(),
        limit=limit,
        hours_per_course=float(config.hours_per_course),
    )
    names = tag_names()
    return [
        {"peer": peers[s.peer_id], "score": f"{s.score:g}", "reasons": words.explanation(s, names)}
        for s in found
    ]


def proposals_for_peer(user: Any) -> QuerySet[Referral]:
    """Matches proposed to this peer, waiting for an answer."""
    return (
        Referral.objects.visible_to(user)
        .filter(status=ReferralStatus.MATCHED, peer__user=user)
        .select_related("person", "unit")
        .order_by("status_changed_at")
    )


def batch_proposal(user: Any) -> dict[str, Any]:
    """The optimal assignment of every triaged referral, for the coordinator to review."""
    from django.utils.translation import gettext as _

    from . import engine, words
    from .models import MatchingSettings

    config = MatchingSettings.current()
    weights = config.engine_weights()
    hours = float(config.hours_per_course)
    referrals = list(referral_queryset(user))
    peers = {p.pk: p for p in peer_queryset()}
    pool_profiles = peer_profiles(list(peers.values()), config.hours_per_course)
    by_id = {p.id: p for p in pool_profiles}
    profiles = referral_profiles(referrals)
    result = engine.assign(profiles, engine.prepare_peers(pool_profiles), weights, hours)
    names = tag_names()
    referral_by_id = {r.pk: r for r in referrals}
    rows = []
    for profile in profiles:
        peer_id = result.pairs.get(profile.id)
        if peer_id is None:
            continue
        suggestion = engine.explain(profile, by_id[peer_id], weights, hours)
        rows.append(
            {
                "referral": referral_by_id[profile.id],
                "peer": peers[peer_id],
                "score": f"{suggestion.score:g}",
                "reasons": words.explanation(suggestion, names),
            }
        )
    unplaced_words = {
        engine.NO_FEASIBLE_PEER: _("no peer meets the person's requirements"),
        engine.CAPACITY: _("the peers who fit have no free hours left"),
    }
    unplaced = [
        {"referral": referral_by_id[rid], "why": unplaced_words[code]}
        for rid, code in result.unplaced.items()
    ]
    return {
        "rows": rows,
        "unplaced": unplaced,
        "total": f"{result.total:g}",
        "optimal": result.optimal,
        "hours_per_course": config.hours_per_course,
        "not_offered": not_offered(peers.values()),
    }


def day_words(day: Any) -> str:
    """'12. januar', with the year when it is not this year."""
    from django.utils.formats import date_format

    this_year = day.year == timezone.localdate().year
    return date_format(day, "j. F" if this_year else "j. F Y")


def not_offered(
    peers: Iterable[PeerWorker], *, exclude: PeerWorker | None = None
) -> list[dict[str, Any]]:
    """Peers matching leaves out today, each with why: on pause, or leaving.

    `peers` is the pool from `peer_queryset` (paused peers are in it, marked)."""
    from django.utils.translation import gettext as _

    rows = [
        {
            "peer": p,
            "why": _("on pause until %(day)s") % {"day": day_words(p.paused_until)},  # type: ignore[attr-defined]
        }
        for p in peers
        if getattr(p, "paused_until", None) is not None
    ]
    leaving = (
        PeerWorker.objects.active()
        .filter(departure__isnull=False)
        .filter(
            Q(departure__completed_at__isnull=True)
            | Q(departure__last_day__gte=timezone.localdate())
        )
        .select_related("user", "departure")
        .order_by("user__first_name", "user__last_name")
    )
    if exclude is not None:
        leaving = leaving.exclude(pk=exclude.pk)
    rows += [
        {
            "peer": p,
            "why": _("leaving; last working day %(day)s")
            % {"day": day_words(p.departure.last_day)},
        }
        for p in leaving
    ]
    return rows


def course_profiles(courses: list[Course], leaving: PeerWorker) -> list[ReferralProfile]:
    """Courses to hand over, as the engine's referrals: the person's wishes from the
    referral (if any); peers they know get the continuity points; the leaving peer and
    peers who already have a course with the person are left out."""
    person_ids = [c.person_id for c in courses]
    known: dict[int, set[int]] = defaultdict(set)
    busy: dict[int, set[int]] = defaultdict(set)
    pairs = Course.objects.filter(person_id__in=person_ids).values_list(
        "person_id", "peer_id", "ended_on"
    )
    for person_id, peer_id, ended_on in pairs:
        known[person_id].add(peer_id)
        if ended_on is None:
            busy[person_id].add(peer_id)
    profiles = []
    for c in courses:
        r = c.referral
        wishes: dict[str, Any] = {}
        if r is not None:
            wishes = {
                "wanted_tags": frozenset(t.slug for t in r.wanted_tags.all()),
                "gender_wish": r.gender_wish,
                "gender_required": r.gender_required,
                "age_band_wish": r.age_band_wish,
                "age_band_required": r.age_band_required,
                "language": r.language_wish or c.person.language,
                "language_required": r.language_required,
            }
        profiles.append(
            ReferralProfile(
                id=c.pk,
                person_kind=c.person.kind,
                wanted_tags=wishes.pop("wanted_tags", frozenset()),
                language=wishes.pop("language", c.person.language),
                unit_id=c.unit_id,
                known_peer_ids=frozenset(known[c.person_id] - {leaving.pk}),
                excluded_peer_ids=frozenset(busy[c.person_id] | {leaving.pk}),
                **wishes,
            )
        )
    return profiles


def handover_proposal(
    courses: list[Course], leaving: PeerWorker, *, limit: int = 3
) -> dict[str, Any]:
    """For each course of a leaving peer: the best new peers with the reasons in words,
    the pick of the optimal plan for all courses at once, and every other peer who could
    take it. Paused and leaving peers are never offered. A fixed number of queries."""
    from . import engine, words
    from .models import MatchingSettings

    config = MatchingSettings.current()
    weights = config.engine_weights()
    hours = float(config.hours_per_course)
    peers = {p.pk: p for p in peer_queryset() if p.pk != leaving.pk}
    pool_profiles = peer_profiles(list(peers.values()), config.hours_per_course)
    pool = engine.prepare_peers(pool_profiles)
    by_id = {p.id: p for p in pool_profiles}
    profiles = course_profiles(courses, leaving)
    best = engine.assign(profiles, pool, weights, hours)
    names = tag_names()
    rows = []
    for course, profile in zip(courses, profiles, strict=True):
        found = engine.suggest(profile, pool, weights, limit=limit, hours_per_course=hours)
        chosen = best.pairs.get(course.pk)
        if chosen is not None and chosen not in {s.peer_id for s in found}:
            found.append(engine.explain(profile, by_id[chosen], weights, hours))
        allowed = engine.ALLOWED_PEER_KINDS[course.person.kind]
        suggested = {s.peer_id for s in found}
        others = [
            p
            for p in peers.values()
            if p.kind in allowed
            and p.pk not in profile.excluded_peer_ids
            and p.pk not in suggested
            and getattr(p, "paused_until", None) is None
        ]
        rows.append(
            {
                "course": course,
                "optimal": chosen,
                "suggestions": [
                    {
                        "peer": peers[s.peer_id],
                        "score": f"{s.score:g}",
                        "reasons": words.explanation(s, names),
                        "optimal": s.peer_id == chosen,
                    }
                    for s in found
                ],
                "others": sorted(others, key=lambda p: p.name),
            }
        )
    return {
        "rows": rows,
        "optimal": dict(best.pairs),
        "peers": peers,
        "not_offered": not_offered(peers.values(), exclude=leaving),
        "hours_per_course": config.hours_per_course,
    }


def export_person(person: Any) -> dict[str, list[dict[str, Any]]]:
    """A peer's "no" to one of the person's referrals, as plain data (GDPR art. 15)."""
    from brobygger.lib.export import rows

    return {
        "matching.MatchDecline": rows(
            MatchDecline.objects.filter(referral__person=person)
            .select_related("peer__user", "declined_by", "referral")
            .order_by("declined_at", "pk")
        )
    }
