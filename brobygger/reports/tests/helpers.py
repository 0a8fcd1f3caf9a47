"""A small programme of activity for report tests, built through the real services."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import time_machine
from django.utils import timezone

from brobygger.accounts.models import Unit
from brobygger.admissions import services as admissions
from brobygger.conversations import services as conversations
from brobygger.conversations.models import Topic, TopicStatus
from brobygger.groups import services as groups
from brobygger.groups.models import AttendanceStatus
from brobygger.lib.dates import local_datetime
from brobygger.lifecycle import services as lifecycle
from brobygger.outcomes import loader
from brobygger.outcomes.models import InstrumentVersion
from brobygger.outcomes.services import store_score
from brobygger.people.models import ConsentSource, PeerWorker, PersonKind
from brobygger.referrals import services as referrals
from brobygger.referrals.models import Course, ReferralSource, SupportModel
from brobygger.scheduling import services as scheduling
from brobygger.scheduling.models import Mode, PlaceKind
from brobygger.testing import TODAY, make_person

MAIN_KEY = "oplevelse-af-peerstoette"
ITEMS = ["lyttet", "genkendelse", "tryghed", "haab", "naeste-skridt", "alene"]


def main_version() -> InstrumentVersion:
    version = InstrumentVersion.objects.latest_of(MAIN_KEY)
    if version is None:
        loader.install_shipped()
        version = InstrumentVersion.objects.latest_of(MAIN_KEY)
    assert version is not None
    return version


def answers(value: int) -> dict[str, int | None]:
    return dict.fromkeys(ITEMS, value)


@dataclass
class Built:
    courses: list[Course]


def at_today() -> time_machine.travel:
    """The clock at noon on brobygger.testing.TODAY, or on 20 March when TODAY is earlier
    in its year, for a test class.

    The programme below lies 0-70 days back from now; a funder report and the
    evaluator's dashboard cover one calendar year, which then holds all of it whatever
    instant the suite's clock is frozen at."""
    day = max(TODAY, datetime.date(TODAY.year, 3, 20))
    return time_machine.travel(local_datetime(day, datetime.time(12, 0)), tick=False)


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def build_programme(
    *,
    unit: Unit,
    peer: PeerWorker,
    relative_peer: PeerWorker,
    actor: object,
    prefix: str = "P",
    copies: int = 1,
) -> Built:
    """Per copy: referred patients in three models (scores, conversations with notes and
    CHIME codes, guide topics, a readmission) and a relative; plus a small group."""
    version = main_version()
    topic = Topic.objects.filter(audience="patient", active=True).order_by("order").first()
    courses: list[Course] = []
    for copy in range(copies):
        for i, model in enumerate(
            [SupportModel.INDIVIDUAL, SupportModel.INDIVIDUAL, SupportModel.BRIDGE]
        ):
            person = make_person(f"{prefix}{copy}x{i}", unit=unit, consent=False)
            referral = referrals.create_referral(
                actor=actor,
                source=ReferralSource.SELF,
                person=person,
                unit=unit,
                consent_source=ConsentSource.VERBAL,
                consents=("contact", "store_notes", "questionnaires"),
                received_at=timezone.now() - datetime.timedelta(days=60 + i),
            )
            referrals.transition(actor=actor, referral=referral, to="triaged")
            course = lifecycle.assign_peer(
                actor=actor, referral=referral, peer=peer, started_on=days_ago(50)
            )
            lifecycle.update_course(
                actor=actor,
                course=course,
                support_model=model,
                admitted_on=days_ago(55),
                discharged_on=days_ago(45),
                phase="discharged",
            )
            course.refresh_from_db()
            courses.append(course)
            store_score(
                actor=actor,
                version=version,
                course=course,
                answers=answers(2),
                administered_on=days_ago(50),
            )
            store_score(
                actor=actor,
                version=version,
                course=course,
                answers=answers(3 + (i % 2)),
                administered_on=days_ago(5),
            )
            when = local_datetime(days_ago(40 - i), datetime.time(8 + copy, 0))
            appointment = scheduling.record_past(
                actor=actor,
                course=course,
                starts_at=when,
                minutes=45,
                mode=Mode.IN_PERSON,
                place_kind=PlaceKind.WARD,
            )
            conversations.record_conversation(
                actor=peer.user,
                appointment=appointment,
                minutes=50,
                topics=[topic] if topic else [],
                chime=["hope", "connectedness"],
                purpose="Samtale om udskrivelsen",
            )
            scheduling.record_past(
                actor=actor,
                course=course,
                starts_at=local_datetime(days_ago(20 - i), datetime.time(13 + copy, 0)),
                minutes=30,
                mode=Mode.PHONE,
            )
            if topic is not None and i == 0:
                conversations.set_topic(
                    actor=peer.user, course=course, topic=topic, status=TopicStatus.DONE
                )
            if i == 0:
                admissions.add_admission(
                    actor=actor,
                    course=course,
                    admitted_on=days_ago(35),
                    discharged_on=days_ago(30),
                )
        relative = make_person(f"{prefix}{copy}r", kind=PersonKind.RELATIVE, unit=unit)
        courses.append(
            lifecycle.start_course(
                actor=actor,
                person=relative,
                peer=relative_peer,
                started_on=days_ago(30),
            )
        )
        group = groups.create_group(
            actor=actor,
            title=f"Gruppe {prefix}{copy}",
            place="Grupperummet",
            capacity=8,
            facilitators=[peer],
            unit=unit,
        )
        members = [make_person(f"{prefix}{copy}g{n}", unit=unit) for n in range(2)]
        for member in members:
            groups.enrol(actor=actor, group=group, person=member)
        start = local_datetime(days_ago(3 + copy), datetime.time(9, 0))
        session = groups.add_session(
            actor=actor,
            group=group,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
            allow_past=True,
        )
        groups.record_attendance(
            actor=actor,
            session=session,
            statuses={
                members[0].pk: AttendanceStatus.PRESENT,
                members[1].pk: AttendanceStatus.ABSENT,
            },
        )
    return Built(courses=courses)
