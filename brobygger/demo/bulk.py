"""Bulk versions of the services the demo calls thousands of times at scale 100.

Each writes what its service writes (the rows, the audit events, the access-log
entries), in a few INSERTs instead of a dozen round trips per row, and checks what the
service checks that the demo's data could get wrong. Only the demo uses them: its data
are generated, so the checks that guard against a user's input (a CPR number already on
file, a clash with a booking made meanwhile) are settled by the generator instead.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone

from brobygger.accounts.models import Membership, Role, User
from brobygger.audit.models import AccessAction, Purpose
from brobygger.audit.services import append_many, happened, new_access_entry, new_event
from brobygger.lib.dates import local_datetime
from brobygger.lib.rows import insert_rows, update_rows
from brobygger.lifecycle.services import COURSE_FIELDS
from brobygger.outcomes.models import Administration
from brobygger.outcomes.schedule import planned
from brobygger.people.models import (
    Consent,
    ConsentKind,
    ExperienceTag,
    PeerDeparture,
    PeerKind,
    PeerPause,
    PeerWorker,
    Person,
    PersonKind,
    RelativeLink,
)
from brobygger.people.services import PEER_FIELDS, PERSON_FIELDS
from brobygger.referrals.models import (
    Course,
    EndReason,
    Referral,
    ReferralSource,
    ReferralStatus,
    SupportModel,
)
from brobygger.referrals.services import (
    CONTACT_STATUSES,
    PEER_KINDS_FOR,
    REASON_REQUIRED,
    TRANSITIONS,
    WISH_FIELDS,
)


def create_persons(
    *, actor: Any, rows: list[tuple[dict[str, Any], Person | None, str]]
) -> list[Person]:
    """`people.services.create_person` for each (fields, patient, relationship) row.

    The CPR numbers must be distinct and not on file yet (the builder draws them so).
    """
    persons = []
    for fields, patient, _relationship in rows:
        unknown = set(fields) - set(PERSON_FIELDS)
        if unknown:
            raise TypeError(f"Unknown person fields: {sorted(unknown)}")
        person = Person(**fields)
        # The unique CPR and the unit's existence are the database's to check here.
        person.full_clean(validate_unique=False, validate_constraints=False, exclude=["unit"])
        if patient is not None and (
            person.kind != PersonKind.RELATIVE or patient.kind != PersonKind.PATIENT
        ):
            raise ValueError("Only a relative can be linked to a patient.")
        persons.append(person)
    insert_rows(persons)
    links = RelativeLink.objects.bulk_create(
        [
            RelativeLink(relative=person, patient=patient, relationship=relationship)
            for person, (_fields, patient, relationship) in zip(persons, rows, strict=True)
            if patient is not None
        ],
        batch_size=1000,
    )
    linked = {link.relative_id: link for link in links}
    events = []
    for person in persons:
        link = linked.get(person.pk)
        if link is not None:
            events.append(
                new_event(
                    actor=actor,
                    verb="relative.linked",
                    obj=link,
                    person_id=link.patient_id,
                    data={"relative_id": person.pk, "relationship": link.relationship},
                )
            )
        events.append(
            new_event(
                actor=actor,
                verb="person.created",
                obj=person,
                person_id=person.pk,
                data={"kind": person.kind},
            )
        )
    append_many(events)
    append_many(
        [
            new_access_entry(
                user=actor,
                action=AccessAction.CREATE,
                purpose=Purpose.COORDINATION,
                person_id=person.pk,
                obj=person,
            )
            for person in persons
        ]
    )
    return persons


HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def in_the_past(moment: datetime.datetime, now: datetime.datetime) -> datetime.datetime:
    """The one rule for when a referral's step happened in the demo's story: at `moment`,
    but never later than an hour before the load's `now` (a step an hour old has its
    audit event, status and page history in the past). Every step the demo writes
    (create_referrals, Courses) is dated through here."""
    return min(moment, now - HOUR)


def step_moment(
    received: datetime.datetime, step: int, now: datetime.datetime
) -> datetime.datetime:
    """When the `step`th status change after a referral came happened in the demo's
    story: a working day or two apart, closer together for a referral that came in the
    last days, and never after the load (`in_the_past`)."""
    gap = min(2 * DAY, max(now - HOUR - received, datetime.timedelta(0)) / 4)
    return max(received, in_the_past(received + gap * step, now))


@dataclass
class ReferralSpec:
    """One `create_referral` call (with an existing person) and the `transition`s after it."""

    actor: Any
    person: Person
    source: str
    consent_source: str
    consents: tuple[str, ...]
    wanted_tags: list[ExperienceTag]
    referrer_name: str
    received_at: datetime.datetime
    wishes: dict[str, Any]
    # (status, reason, actor) in order, each one a step TRANSITIONS allows.
    steps: list[tuple[str, str, Any]] = field(default_factory=list)


def create_referrals(specs: list[ReferralSpec], *, now: datetime.datetime) -> list[Referral]:
    """`referrals.services.create_referral` for a person on file, then `transition` to
    each status of `spec.steps`: the referrals, wanted tags, consents, audit events and
    access-log entries those services write. Ends before a peer is matched (that needs
    a consent check and the matching engine: the services do it). `now` is the load's
    first moment: every step is dated before it (`in_the_past`)."""
    referrals = []
    for spec in specs:
        if ConsentKind.CONTACT not in spec.consents:
            raise ValueError("A referral needs the person's consent to be contacted.")
        unknown = set(spec.wishes) - set(WISH_FIELDS)
        if unknown:
            raise TypeError(f"Unknown referral fields: {sorted(unknown)}")
        status: str = ReferralStatus.NEW
        reason, changed = "", spec.received_at
        for step, (to, why, _actor) in enumerate(spec.steps, start=1):
            if to not in TRANSITIONS[status] or to in CONTACT_STATUSES:
                raise ValueError(f"No transition from {status} to {to} here.")
            if to in REASON_REQUIRED and not why.strip():
                raise ValueError(f"{to} needs a reason.")
            status, reason, changed = to, why.strip(), step_moment(spec.received_at, step, now)
        referrals.append(
            Referral(
                person=spec.person,
                source=spec.source,
                referred_by=spec.actor if spec.source == ReferralSource.CLINICIAN else None,
                unit=spec.person.unit,
                received_at=spec.received_at,
                status=status,
                status_reason=reason,
                status_changed_at=changed,
                referrer_name=spec.referrer_name,
                **spec.wishes,
            )
        )
    insert_rows(referrals)
    Referral.wanted_tags.through.objects.bulk_create(
        [
            Referral.wanted_tags.through(referral=referral, experiencetag=tag)
            for referral, spec in zip(referrals, specs, strict=True)
            for tag in spec.wanted_tags
        ],
        batch_size=2000,
    )
    consents = [
        Consent(
            person=spec.person,
            kind=kind,
            source=spec.consent_source,
            recorded_by=spec.actor if getattr(spec.actor, "is_authenticated", False) else None,
            given_at=spec.received_at,
        )
        for spec in specs
        for kind in spec.consents
    ]
    insert_rows(consents)
    given = iter(consents)
    events = []
    for referral, spec in zip(referrals, specs, strict=True):
        for kind in spec.consents:
            consent = next(given)
            events.append(
                new_event(
                    actor=spec.actor,
                    verb="consent.given",
                    obj=consent,
                    person_id=spec.person.pk,
                    data={"kind": kind, "source": spec.consent_source},
                )
            )
        events.append(
            new_event(
                actor=spec.actor,
                verb="referral.created",
                obj=referral,
                person_id=spec.person.pk,
                data={
                    "source": spec.source,
                    "possible_duplicate": False,
                    **happened(spec.received_at),
                },
            )
        )
        previous: str = ReferralStatus.NEW
        for step, (to, _why, actor) in enumerate(spec.steps, start=1):
            moment = step_moment(spec.received_at, step, now)
            events.append(
                new_event(
                    actor=actor,
                    verb="referral.status",
                    obj=referral,
                    person_id=spec.person.pk,
                    data={"from": previous, "to": to, **happened(moment)},
                )
            )
            previous = to
    append_many(events)
    append_many(
        [
            new_access_entry(
                user=spec.actor,
                action=AccessAction.CHANGE,
                purpose=Purpose.REFERRAL,
                person_id=spec.person.pk,
                obj=spec.person,
            )
            for spec in specs
        ]
    )
    return referrals


class Courses:
    """The matching waves' `transition(to="matched")`, `assign_peer`, `update_course` and
    `end_course` (with `sync_schedule`'s questionnaire plan): checked in memory, written
    by `save` once per wave, since the next wave's peer pool counts the courses. `now` is
    the load's first moment: every step is dated before it (`in_the_past`)."""

    def __init__(self, *, now: datetime.datetime) -> None:
        self.now = now
        from brobygger.outcomes.models import InstrumentVersion
        from brobygger.outcomes.schedule import MAIN_INSTRUMENT_KEYS

        self.version = next(
            (
                version
                for key in MAIN_INSTRUMENT_KEYS
                if (version := InstrumentVersion.objects.latest_of(key)) is not None
            ),
            None,
        )
        self.key = self.version.instrument.key if self.version is not None else ""
        self.contact = set(
            Consent.objects.current()
            .filter(kind=ConsentKind.CONTACT)
            .values_list("person_id", flat=True)
        )
        today = timezone.localdate()
        self.closed_peers = set(
            PeerPause.objects.on(today).values_list("peer_id", flat=True)
        ) | set(PeerDeparture.objects.values_list("peer_id", flat=True))
        self._reset()

    def _reset(self) -> None:
        self.referrals: dict[int, Referral] = {}
        self.courses: list[Course] = []
        self.planned: dict[int, set[str]] = {}
        self.administrations: list[Administration] = []
        self.events: list[tuple[models.Model, Any, str, int, dict[str, Any]]] = []

    def _transition(
        self,
        actor: Any,
        referral: Referral,
        to: str,
        reason: str = "",
        *,
        at: datetime.datetime | None = None,
    ) -> None:
        if to not in TRANSITIONS[referral.status]:
            raise ValueError(f"No transition from {referral.status} to {to}.")
        if to in REASON_REQUIRED and not reason.strip():
            raise ValueError(f"{to} needs a reason.")
        if to in CONTACT_STATUSES and referral.person_id not in self.contact:
            raise ValueError("The person has not consented to be contacted.")
        # When it happened in the demo's story (the audit event's own time is the load's).
        moment = max(
            referral.received_at,
            in_the_past(at, self.now)
            if at is not None
            else step_moment(referral.received_at, 1, self.now),
        )
        data = {"from": referral.status, "to": to, **happened(moment)}
        referral.status = to
        referral.status_reason = reason.strip()
        referral.status_changed_at = moment
        self.referrals[referral.pk] = referral
        self.events.append((referral, actor, "referral.status", referral.person_id, data))

    def match(
        self,
        *,
        actor: Any,
        referral: Referral,
        peer: PeerWorker,
        at: datetime.datetime | None = None,
    ) -> None:
        if peer.kind not in PEER_KINDS_FOR[PersonKind(referral.person.kind)]:
            raise ValueError("This kind of peer cannot support this person.")
        referral.peer = peer
        self._transition(actor, referral, ReferralStatus.MATCHED, at=at)

    def assign(
        self, *, actor: Any, referral: Referral, peer: PeerWorker, started_on: datetime.date
    ) -> Course:
        if peer.pk in self.closed_peers:
            raise ValueError("A peer on pause or leaving takes no new courses.")
        # Matched the working day before the first meeting, active from it.
        start = max(local_datetime(started_on, datetime.time(9)), referral.received_at)
        matched = max(start - datetime.timedelta(days=1), referral.received_at)
        self.match(actor=actor, referral=referral, peer=peer, at=matched)
        self._transition(actor, referral, ReferralStatus.ACTIVE, at=start)
        person = referral.person
        admitted = (
            timezone.localdate(referral.received_at)
            if referral.treatment_setting == "inpatient"
            else None
        )
        support_model = (
            SupportModel.RELATIVE if person.kind == PersonKind.RELATIVE else SupportModel.INDIVIDUAL
        )
        course = Course(
            person=person,
            peer=peer,
            referral=referral,
            unit=person.unit,
            support_model=support_model,
            phase="admitted" if admitted else "",
            started_on=started_on,
            admitted_on=admitted,
        )
        self.courses.append(course)
        data = {"peer_id": peer.pk, "support_model": support_model}
        self.events.append((course, actor, "course.started", person.pk, data))
        self._sync(actor, course)
        return course

    def _sync(self, actor: Any, course: Course) -> None:
        """`outcomes.services.sync_schedule`: what the dates call for, never moved."""
        if self.version is None:
            return
        have = self.planned.setdefault(id(course), set())
        for timepoint, due_on in planned(course):
            if timepoint in have:
                continue
            have.add(timepoint)
            administration = Administration(
                course=course, version=self.version, timepoint=timepoint, due_on=due_on
            )
            self.administrations.append(administration)
            data = {"instrument": self.key, "timepoint": timepoint}
            self.events.append(
                (administration, actor, "questionnaire.planned", course.person_id, data)
            )

    def update(self, *, actor: Any, course: Course, **changes: Any) -> None:
        if set(changes) - set(COURSE_FIELDS):
            raise TypeError(f"Unknown course fields: {sorted(set(changes) - set(COURSE_FIELDS))}")
        admitted = changes.get("admitted_on", course.admitted_on)
        discharged = changes.get("discharged_on", course.discharged_on)
        if admitted and discharged and discharged < admitted:
            raise ValueError("Discharge cannot come before admission.")
        changed = [name for name, value in changes.items() if getattr(course, name) != value]
        if not changed:
            return
        for name in changed:
            setattr(course, name, changes[name])
        data = {"fields": sorted(changed)}
        self.events.append((course, actor, "course.changed", course.person_id, data))
        self._sync(actor, course)

    def end(
        self, *, actor: Any, course: Course, ended_on: datetime.date, reason: str, summary: str
    ) -> None:
        if reason not in EndReason.values or ended_on < course.started_on or course.ended_on:
            raise ValueError("Not a way this course can end.")
        course.ended_on = ended_on
        course.end_reason = reason
        course.closing_summary = summary.strip()[:3000]
        data = {"reason": reason}
        self.events.append((course, actor, "course.ended", course.person_id, data))
        self._sync(actor, course)
        referral = course.referral
        if referral is not None and referral.status == ReferralStatus.ACTIVE:
            self._transition(
                actor,
                referral,
                ReferralStatus.CLOSED,
                str(EndReason(reason).label),
                at=local_datetime(ended_on, datetime.time(15)),
            )

    def close(
        self, *, actor: Any, referral: Referral, to: str, reason: str, at: datetime.datetime
    ) -> None:
        """`transition` of a referral still waiting for a peer to a closing status (no
        contact, withdrawn, declined) with its reason."""
        self._transition(actor, referral, to, reason, at=at)

    def save(self) -> None:
        """This wave's referral changes, courses, questionnaire plans and events."""
        update_rows(
            list(self.referrals.values()),
            ["status", "status_reason", "status_changed_at", "peer"],
        )
        insert_rows(self.courses)
        insert_rows(self.administrations)
        append_many(
            [
                new_event(actor=actor, verb=verb, obj=obj, person_id=person_id, data=data)
                for obj, actor, verb, person_id, data in self.events
            ]
        )
        self._reset()


def create_peers(*, actor: Any, rows: list[dict[str, Any]]) -> list[PeerWorker]:
    """`people.services.create_peer_with_account` with no password (the account is set up
    later through an invitation), for each row of its keyword arguments: the accounts,
    their units, the profiles, tags and units, and the two audit events of each."""
    users, peers = [], []
    for row in rows:
        fields = {name: row[name] for name in PEER_FIELDS if name in row}
        unknown = (
            set(row)
            - set(PEER_FIELDS)
            - {
                "username",
                "first_name",
                "last_name",
                "email",
                "experience_tags",
                "units",
            }
        )
        if unknown:
            raise TypeError(f"Unknown peer fields: {sorted(unknown)}")
        # people.services' peer checks: hours and contract period the right way round.
        if (
            fields["hours_min"] > fields["hours_max"]
            or fields["contract_end"] <= fields["contract_start"]
        ):
            raise ValueError("Hours or contract period the wrong way round.")
        kind_role = (
            Role.RELATIVE_PEER if fields.get("kind") == PeerKind.RELATIVE_PEER else Role.PEER_WORKER
        )
        user = User(
            username=row["username"],
            role=kind_role,
            first_name=row["first_name"],
            last_name=row["last_name"],
            email=row.get("email", ""),
            language="da",
            is_staff=False,
        )
        user.set_unusable_password()
        user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
        users.append(user)
        peer = PeerWorker(user=user, **fields)
        peer.full_clean(exclude=["user"], validate_unique=False, validate_constraints=False)
        peers.append(peer)
    insert_rows(users)
    Membership.objects.bulk_create(
        [
            Membership(user=user, unit_id=pk)
            for user, row in zip(users, rows, strict=True)
            for pk in sorted({int(unit.pk) for unit in row["units"]})
        ],
        batch_size=2000,
    )
    insert_rows(peers)
    tags, units = PeerWorker.experience_tags.through, PeerWorker.units.through
    tags.objects.bulk_create(
        [
            tags(peerworker=peer, experiencetag=tag)
            for peer, row in zip(peers, rows, strict=True)
            for tag in {t.pk: t for t in row["experience_tags"]}.values()
        ],
        batch_size=2000,
    )
    units.objects.bulk_create(
        [
            units(peerworker=peer, unit=unit)
            for peer, row in zip(peers, rows, strict=True)
            for unit in {u.pk: u for u in row["units"]}.values()
        ],
        batch_size=2000,
    )
    events = []
    for user, peer, row in zip(users, peers, rows, strict=True):
        unit_ids = sorted({int(unit.pk) for unit in row["units"]})
        events.append(
            new_event(
                actor=actor,
                verb="user.created",
                obj=user,
                data={"role": user.role, "units": unit_ids},
            )
        )
        events.append(
            new_event(actor=actor, verb="peer.created", obj=peer, data={"kind": peer.kind})
        )
    append_many(events)
    return peers
