"""From the database to the engine's plain profiles, in a fixed number of queries."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from brobygger.lib.when import day_words
from brobygger.people.models import PeerPause, PeerWorker
from brobygger.referrals.models import Course, Referral, ReferralStatus
from brobygger.scheduling.models import AvailabilityException
from brobygger.timesheets import hours

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


# The coming period a new course starts in: a peer away for part of it has that share of
# their free hours; a peer away for all of it gets no new persons (issue 19).
COMING_DAYS = 28


@dataclass(frozen=True)
class ComingAbsence:
    """A peer's whole days away in the coming period (timesheets.hours: the same working
    days as the monthly norm)."""

    working_days: int
    absent_days: int
    until: datetime.date  # the last day of the absence that reaches furthest
    kind: str

    @property
    def present_share(self) -> Decimal:
        if self.working_days == 0:
            return Decimal(0)
        return Decimal(self.working_days - self.absent_days) / self.working_days

    @property
    def whole_period(self) -> bool:
        return self.absent_days >= self.working_days


def coming_absences(peers: Iterable[PeerWorker]) -> dict[int, ComingAbsence]:
    """The peers away on at least one working day of the coming `COMING_DAYS` days, by id.
    One query."""
    listed = list(peers)
    first = timezone.localdate()
    last = first + datetime.timedelta(days=COMING_DAYS - 1)
    entries: dict[int, list[tuple[datetime.date, datetime.date, str]]] = defaultdict(list)
    rows = (
        AvailabilityException.objects.away()
        .touching(first, last)
        .filter(peer_id__in=[p.pk for p in listed], start_time__isnull=True)
        .order_by("starts_on")
        .values_list("peer_id", "starts_on", "ends_on", "kind")
    )
    for peer_id, starts_on, ends_on, kind in rows:
        entries[peer_id].append((starts_on, ends_on, kind))
    result = {}
    for peer in listed:
        if not entries[peer.pk]:
            continue
        contract = hours.Contract(
            peer.hours_max,
            peer.hours_max,
            peer.contract_start,
            peer.contract_end,
            away=tuple((s, e) for s, e, _k in entries[peer.pk]),
        )
        norm = hours.contract_band(contract, first, last)
        if norm.absent_days == 0:
            continue
        _s, until, kind = max(entries[peer.pk], key=lambda e: e[1])
        result[peer.pk] = ComingAbsence(norm.working_days, norm.absent_days, until, kind)
    return result


def peer_profiles(peers: Iterable[PeerWorker], hours_per_course: Decimal) -> list[PeerProfile]:
    """Free hours: the top of the contract band less the expected hours of active courses,
    times the share of the coming period the peer is not away. Each peer gets its
    `coming_absence` (or None) for the pages' words."""
    listed = list(peers)
    away = coming_absences(listed)
    profiles = []
    for peer in listed:
        busy = Decimal(getattr(peer, "caseload", 0)) * hours_per_course
        absence = away.get(peer.pk)
        peer.coming_absence = absence  # type: ignore[attr-defined]
        share = absence.present_share if absence is not None else Decimal(1)
        profiles.append(
            PeerProfile(
                id=peer.pk,
                kind=peer.kind,
                experience_tags=frozenset(t.slug for t in peer.experience_tags.all()),
                languages=frozenset(peer.languages or []),
                gender=peer.gender,
                age_band=peer.age_band,
                unit_ids=frozenset(u.pk for u in peer.units.all()),
                # To a tenth of an hour, down: the words say "10.1 h free", not 10.125.
                free_hours=float(
                    (max(peer.hours_max - busy, Decimal(0)) * share).quantize(
                        Decimal("0.1"), rounding=ROUND_DOWN
                    )
                ),
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
    return suggestions_page(referral, limit=limit)["suggestions"]


def suggestions_page(referral: Referral, *, limit: int = 5) -> dict[str, Any]:
    """The best peers for one referral, each with the score in words, and the peers left
    out today with why (on pause, away for the coming weeks)."""
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
    suggestions = [
        {
            "peer": peers[s.peer_id],
            "score": f"{s.score:g}",
            "reasons": words.explanation(
                s, names, away=getattr(peers[s.peer_id], "coming_absence", None)
            ),
        }
        for s in found
    ]
    return {"suggestions": suggestions, "not_offered": not_offered_today(peers.values())}


def not_offered_today(peers: Iterable[PeerWorker]) -> list[dict[str, Any]]:
    """Paused, or away for the whole coming period (no query: from the pool's marks)."""
    return not_offered(peers, leaving=False)


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


def away_words(absence: ComingAbsence) -> str:
    """Why a peer away for all the coming weeks gets no new persons, in words."""
    from django.utils.translation import gettext as _

    from brobygger.scheduling.models import ExceptionKind

    if absence.kind == ExceptionKind.HOLIDAY:
        words = _("on holiday until %(day)s: no new persons before then")
    elif absence.kind == ExceptionKind.SICK:
        words = _("off sick until %(day)s: no new persons before then")
    else:
        words = _("away until %(day)s: no new persons before then")
    return words % {"day": day_words(absence.until)}


def not_offered(
    peers: Iterable[PeerWorker], *, exclude: PeerWorker | None = None, leaving: bool = True
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
    rows += [
        {"peer": p, "why": away_words(p.coming_absence)}  # type: ignore[attr-defined]
        for p in peers
        if getattr(p, "paused_until", None) is None
        and getattr(p, "coming_absence", None) is not None
        and p.coming_absence.whole_period  # type: ignore[attr-defined]
    ]
    if not leaving:
        return rows
    departing = (
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
        departing = departing.exclude(pk=exclude.pk)
    rows += [
        {
            "peer": p,
            "why": _("leaving; last working day %(day)s")
            % {"day": day_words(p.departure.last_day)},
        }
        for p in departing
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


def handover_page(peer: PeerWorker, user: Any) -> dict[str, Any]:
    """Everything the handover page of a leaving peer shows (people:peer_handover), in a
    number of queries that does not grow with the courses: each active course with
    suggested new peers (and why), the conversations that will be cancelled, and the
    groups the peer runs (handled in the groups pages)."""
    from brobygger.groups.models import RecoveryGroup
    from brobygger.scheduling.models import Appointment, AppointmentStatus

    active = (
        Course.objects.active()
        .filter(peer=peer)
        .select_related("person", "unit", "referral")
        .prefetch_related("referral__wanted_tags")
        .order_by("person__given_name", "person__family_name", "pk")
    )
    visible = set(Course.objects.visible_to(user).filter(peer=peer).values_list("pk", flat=True))
    courses = [c for c in active if c.pk in visible]
    hidden = [c for c in active if c.pk not in visible]
    appointments = (
        Appointment.objects.filter(
            peer=peer,
            status=AppointmentStatus.BOOKED,
            starts_at__gte=timezone.now(),
            course__in=[c.pk for c in courses],
        )
        .select_related("person")
        .order_by("starts_at")
    )
    groups = (
        RecoveryGroup.objects.open()
        .filter(facilitators=peer)
        .select_related("unit")
        .order_by("title", "pk")
    )
    return {
        **handover_proposal(courses, peer),
        "hidden_units": sorted({str(c.unit or "—") for c in hidden}),
        "hidden_count": len(hidden),
        "appointments": list(appointments),
        "groups": list(groups),
    }
