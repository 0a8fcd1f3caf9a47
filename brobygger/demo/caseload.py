"""The demo programme's caseload: the referrals, the courses the matching makes of them
month by month in waves, and the consents around them (shared with a relative, a few
questionnaire consents withdrawn)."""

from __future__ import annotations

import datetime
import random
from typing import TYPE_CHECKING, Any

from django.db.models import prefetch_related_objects
from django.utils import timezone

from brobygger.accounts.models import User
from brobygger.lifecycle import services as lifecycle
from brobygger.people import services as people_services
from brobygger.people.models import (
    Consent,
    ConsentKind,
    ConsentSource,
    ExperienceTag,
    PeerWorker,
    Person,
    PersonKind,
    RelativeLink,
)
from brobygger.referrals.models import (
    Course,
    EndReason,
    Phase,
    Referral,
    ReferralSource,
    ReferralStatus,
)

from . import bulk, data

if TYPE_CHECKING:
    from .builder import DemoSummary

# What a patient lets the relative's peer see (SharedItem), by the scope given in words.
SHARED_IN_DEMO: dict[str, list[str]] = {
    "At jeg er indlagt": ["phase"],
    "Udskrivelsesplaner og aftaler": ["phase", "guide", "appointments"],
    "Aftaler med peer-medarbejderen": ["appointments"],
}


class CaseloadMixin:
    """Mixed into DemoBuilder, which provides the attributes below (the cast: cast.py)."""

    rng: random.Random
    today: datetime.date
    started: datetime.datetime
    summary: DemoSummary
    tags: list[ExperienceTag]
    coordinator: User
    clinicians: list[User]
    peers: list[PeerWorker]
    persons: list[Person]

    # -- referrals and courses ---------------------------------------------
    # Share of persons per referral outcome; the rest were never referred.
    OUTCOMES = (
        ("active", 0.60),
        ("new", 0.08),
        ("triaged", 0.06),
        ("matched", 0.03),
        ("declined", 0.04),
        ("withdrawn", 0.03),
        ("no_contact", 0.03),
    )

    def _referrals(self) -> None:
        rng = self.rng
        reasons = {
            "declined": ["Ønsker i stedet støtte fra kommunen", "Uden for programmets område"],
            "withdrawn": ["Ønsker ikke længere en peer", "Er flyttet ud af regionen"],
            "no_contact": ["Ikke truffet efter tre forsøg", "Telefonnummeret virker ikke"],
        }
        specs: list[bulk.ReferralSpec] = []
        waiting: list[tuple[int, str]] = []
        for person in self.persons:
            roll = rng.random()
            outcome = ""
            for name, share in self.OUTCOMES:
                if roll < share:
                    outcome = name
                    break
                roll -= share
            if not outcome:
                continue
            # The open queue is recent, as a running programme's is: new ones came in the
            # last days, triaged ones wait days to about three weeks for a peer, a
            # proposed match is days old (issue 19).
            days_ago = {
                "new": lambda: rng.randrange(1, 8),
                "triaged": lambda: rng.randrange(2, 22),
                "matched": lambda: rng.randrange(3, 15),
            }.get(outcome, lambda: rng.randrange(1, 360))()
            received = timezone.make_aware(
                datetime.datetime.combine(
                    self.today - datetime.timedelta(days=days_ago),
                    datetime.time(rng.randint(8, 15)),
                )
            )
            source = rng.choices(
                [ReferralSource.CLINICIAN, ReferralSource.SELF, ReferralSource.COORDINATOR],
                weights=[6, 3, 1],
            )[0]
            clinician = rng.choice(self.clinicians)
            actor = (
                clinician
                if source == ReferralSource.CLINICIAN
                else (None if source == ReferralSource.SELF else self.coordinator)
            )
            inpatient = (
                person.kind == PersonKind.PATIENT
                and person.unit is not None
                and person.unit.kind == "ward"
            )
            consents = [ConsentKind.CONTACT]
            if rng.random() < 0.9:
                consents.append(ConsentKind.STORE_NOTES)
            if rng.random() < 0.7:
                consents.append(ConsentKind.QUESTIONNAIRES)
            wanted = rng.sample(self.tags[:-1], rng.randint(0, 3))
            language_wish = (
                person.language
                if person.language in ("da", "en", "ar", "tr", "pl", "uk", "so")
                else "da"
            )
            consent_source = (
                ConsentSource.ONLINE
                if source == ReferralSource.SELF
                else rng.choice([ConsentSource.VERBAL, ConsentSource.WRITTEN])
            )
            wishes: dict[str, Any] = {
                "treatment_setting": "inpatient"
                if inpatient
                else rng.choice(["outpatient", "none"]),
                "expected_discharge": (
                    self.today + datetime.timedelta(days=rng.randint(3, 30))
                    if inpatient and outcome in ("new", "triaged")
                    else None
                ),
                "reason": rng.choice(data.REFERRAL_REASONS),
                "gender_wish": rng.choice(["", "", "", "female", "male"]),
                "gender_required": rng.random() < 0.05,
                "language_wish": language_wish,
                "language_required": language_wish != "da",
            }
            spec = bulk.ReferralSpec(
                actor=actor,
                person=person,
                source=source,
                consent_source=consent_source,
                consents=tuple(consents),
                wanted_tags=wanted,
                referrer_name=clinician.display_name if source == ReferralSource.CLINICIAN else "",
                received_at=received,
                wishes=wishes,
            )
            specs.append(spec)
            if outcome == "new":
                continue
            if outcome in ("declined", "withdrawn", "no_contact") and rng.random() < 0.5:
                spec.steps.append((outcome, rng.choice(reasons[outcome]), self.coordinator))
                continue
            spec.steps.append(("triaged", "", self.coordinator))
            if outcome == "triaged":
                continue
            if outcome in ("declined", "withdrawn", "no_contact"):
                spec.steps.append((outcome, rng.choice(reasons[outcome]), self.coordinator))
                continue
            waiting.append((len(specs) - 1, outcome))
        # create_referral and transition's rows, events and log entries (bulk.py); the
        # matching and the courses go through the services.
        referrals = bulk.create_referrals(specs, now=self.started)
        count = self._match_in_waves([(referrals[i], outcome) for i, outcome in waiting])
        self.summary.courses = count

    # A referral no peer could take waits in the queue this long at most: then the
    # person is no longer reached, has found help elsewhere, or is told no (issue 19).
    LONGEST_WAIT = 42
    GAVE_UP = (
        (ReferralStatus.NO_CONTACT, "Ikke truffet efter tre forsøg i ventetiden"),
        (ReferralStatus.NO_CONTACT, "Svarer ikke på opkald eller brev"),
        (ReferralStatus.WITHDRAWN, "Fik støtte andetsteds, mens ventetiden varede"),
        (ReferralStatus.WITHDRAWN, "Ønsker ikke længere en peer"),
        (ReferralStatus.DECLINED, "Ingen ledig peer inden for rimelig tid; henvist til kommunen"),
    )

    def _match_in_waves(self, waiting: list[tuple[Referral, str]]) -> int:
        """Month by month, the matching engine assigns the triaged referrals optimally; a
        referral no peer could take waits for the next month's wave, and one that would
        have waited more than LONGEST_WAIT days is closed when it gave up waiting."""
        from brobygger.matching import engine
        from brobygger.matching import selectors as matching
        from brobygger.matching.models import MatchingSettings

        config = MatchingSettings.current()
        hours = config.hours_per_course
        waves: dict[tuple[int, int], list[tuple[Referral, str]]] = {}
        for referral, outcome in sorted(waiting, key=lambda item: item[0].received_at):
            received = timezone.localdate(referral.received_at)
            waves.setdefault((received.year, received.month), []).append((referral, outcome))
        count = 0
        # transition, assign_peer, update_course and end_course, written per wave (bulk.py).
        courses = bulk.Courses(now=self.started)
        peers = {p.pk: p for p in self.peers}
        carried: list[tuple[Referral, str]] = []
        for (year, number), fresh in waves.items():
            opens = datetime.date(year, number, 1)
            wave = [
                (r, outcome)
                for r, outcome in carried
                if (opens - timezone.localdate(r.received_at)).days <= self.LONGEST_WAIT
            ] + fresh
            retried = {r.pk for r, _outcome in wave}
            gave_up = [item for item in carried if item[0].pk not in retried]
            outcomes = {r.pk: outcome for r, outcome in wave}
            referrals = {r.pk: r for r, _outcome in wave}
            # The profiles read each referral's wanted tags: one query, not one each.
            prefetch_related_objects(list(referrals.values()), "wanted_tags")
            pool = matching.peer_profiles(matching.peer_queryset(), hours)
            result = engine.assign(
                matching.referral_profiles(list(referrals.values())),
                pool,
                config.engine_weights(),
                float(hours),
            )
            for referral_id, peer_id in result.pairs.items():
                referral, peer = referrals[referral_id], peers[peer_id]
                if outcomes[referral_id] == "matched":
                    courses.match(actor=self.coordinator, referral=referral, peer=peer)
                    continue
                # A referral from an earlier month starts once this month's wave took it.
                came = max(timezone.localdate(referral.received_at), opens)
                started = min(came + datetime.timedelta(days=self.rng.randrange(1, 10)), self.today)
                course = courses.assign(
                    actor=self.coordinator, referral=referral, peer=peer, started_on=started
                )
                count += 1
                self._shape_course(courses, course, started)
            carried = [(r, outcome) for r, outcome in wave if r.pk not in result.pairs]
            self._give_up(courses, gave_up)
            courses.save()
        # Still waiting now: those that came in the last weeks stay in the queue.
        self._give_up(
            courses,
            [
                item
                for item in carried
                if (self.today - timezone.localdate(item[0].received_at)).days > self.LONGEST_WAIT
            ],
        )
        courses.save()
        return count

    def _give_up(self, courses: bulk.Courses, waited: list[tuple[Referral, str]]) -> None:
        """Close the referrals that waited too long, four to six weeks after they came."""
        for referral, _outcome in waited:
            to, reason = self.rng.choice(self.GAVE_UP)
            courses.close(
                actor=self.coordinator,
                referral=referral,
                to=to,
                reason=reason,
                at=referral.received_at + datetime.timedelta(days=self.rng.randint(28, 42)),
            )

    def _shape_course(self, courses: bulk.Courses, course: Course, started: datetime.date) -> None:
        """Admission and discharge dates, phase and, for older courses, the end."""
        rng = self.rng
        changes: dict[str, Any] = {}
        if course.person.kind == PersonKind.PATIENT:
            admitted = started - datetime.timedelta(days=rng.randrange(0, 20))
            discharged = None
            # Most are discharged within two months; a few are still admitted (a long
            # admission), but none has been for more than three months.
            if rng.random() < 0.7 or (self.today - started).days > 90:
                discharged = started + datetime.timedelta(days=rng.randrange(5, 60))
                if discharged > self.today:
                    discharged = None
            phase = (
                Phase.ADMITTED
                if discharged is None
                else Phase.FOLLOW_UP
                if (self.today - discharged).days > 30
                else Phase.DISCHARGED
            )
            changes = {"admitted_on": admitted, "discharged_on": discharged, "phase": phase}
            if discharged:
                changes["follow_up_until"] = discharged + datetime.timedelta(days=180)
        if changes:
            courses.update(actor=course.peer.user, course=course, **changes)
        age = (self.today - started).days
        # A course runs from three to nine months (some end early): a peer's caseload of
        # eight or so is what fills a contract of 8-15 hours a week.
        if age > 270 or (age > 90 and rng.random() < 0.25):
            ended = min(self.today, started + datetime.timedelta(days=rng.randrange(60, 270)))
            reasons = [
                EndReason.COMPLETED,
                EndReason.PERSON_ENDED,
                EndReason.NO_CONTACT,
                EndReason.PEER_LEFT,
                EndReason.CONSENT_WITHDRAWN,
                EndReason.OTHER,
            ]
            reason = rng.choices(reasons, weights=[12, 3, 2, 1, 1, 1])[0]
            if reason == EndReason.CONSENT_WITHDRAWN:
                reason = EndReason.COMPLETED
            elif reason == EndReason.PEER_LEFT:  # a peer who leaves hands over (demo_workforce)
                reason = EndReason.OTHER
            summary = (
                rng.choice(data.CLOSING_SUMMARIES)
                if reason == EndReason.COMPLETED and rng.random() < 0.6
                else ""
            )
            courses.end(
                actor=self.coordinator,
                course=course,
                ended_on=ended,
                reason=reason,
                summary=summary,
            )

    def _relative_consents(self) -> None:
        """Some patients let the peer share with a named relative; a few withdraw."""
        rng = self.rng
        for link in RelativeLink.objects.select_related("patient", "relative").order_by("pk"):
            if rng.random() < 0.5:
                scope = rng.choice(list(SHARED_IN_DEMO))
                people_services.record_consent(
                    actor=self.coordinator,
                    person=link.patient,
                    kind=ConsentKind.SHARE_WITH_RELATIVES,
                    source=ConsentSource.VERBAL,
                    recipient=link.relative,
                    scope=scope,
                    shared_items=SHARED_IN_DEMO[scope],
                )
        consents = list(Consent.objects.filter(kind=ConsentKind.QUESTIONNAIRES).order_by("pk"))
        for consent in rng.sample(consents, max(1, len(consents) // 20)):
            lifecycle.withdraw_consent(
                actor=self.coordinator, consent=consent, note="Ønsker ikke spørgeskemaer"
            )
