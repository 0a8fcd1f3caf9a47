"""The crawler's world: the cast plus a bit of everything, built through the real services.

Every person has a unique full name and a CPR number, so a body that shows a person can be
told by searching it. `Samples` remembers, for every model, the ids the crawler tries: the
first row each builder step made (so a model's ids come from both units, from the peer's
caseload and outside it), plus the objects named by hand.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import models
from django.db.models import Max
from django.test import override_settings
from django.utils import timezone

from brobygger.accounts.models import Role
from brobygger.admissions import services as admissions
from brobygger.breakglass import services as breakglass
from brobygger.concerns import services as concerns
from brobygger.conversations import services as conversations
from brobygger.groups import services as groups
from brobygger.groups.models import Enrolment, RecoveryGroup
from brobygger.jobs.heartbeat import beat
from brobygger.jobs.schedule import JOBS
from brobygger.lib.dates import local_datetime
from brobygger.lifecycle import services as lifecycle
from brobygger.onboarding.tests.helpers import make_application as make_offered_application
from brobygger.onboarding.tests.helpers import make_hire
from brobygger.onboarding.tests.helpers import make_posting as make_onboarding_posting
from brobygger.outcomes import services as outcomes
from brobygger.outcomes.models import Administration, AnsweredBy
from brobygger.people import services as people
from brobygger.people import workforce_services as people_workforce
from brobygger.people.models import (
    ConsentKind,
    ConsentSource,
    PeerWorker,
    Person,
    PersonKind,
    RelativeLink,
)
from brobygger.recruitment.tests.helpers import (
    IN_MEMORY_STORAGES,
    make_application,
    make_interview,
    make_posting,
)
from brobygger.referrals import services as referrals
from brobygger.referrals.models import Course, Referral, ReferralSource
from brobygger.research import services as research
from brobygger.retention import services as retention
from brobygger.scheduling import feeds
from brobygger.scheduling import services as scheduling
from brobygger.testing import TODAY, BaseTestCase, make_course, make_peer, make_person
from brobygger.timesheets import services as timesheets
from brobygger.workforce.tests.helpers import make_group as make_supervision_group
from brobygger.workforce.tests.helpers import make_record, make_session

if TYPE_CHECKING:
    from .crawler import Route

DAY = datetime.timedelta(days=1)


def at(day: datetime.date, hour: int) -> datetime.datetime:
    return local_datetime(day, datetime.time(hour))


def weekday_ahead(weekday: int, weeks: int = 1) -> datetime.date:
    return TODAY + datetime.timedelta(days=(weekday - TODAY.weekday()) % 7 + 7 * weeks)


class Samples:
    """The ids to try for each model: the first row of each builder step, and named ones."""

    def __init__(self) -> None:
        self.ids: dict[type[models.Model], list[Any]] = {}
        self.tokens: dict[str, list[str]] = {}

    def add(self, *objects: models.Model) -> None:
        for obj in objects:
            found = self.ids.setdefault(type(obj)._meta.concrete_model or type(obj), [])
            if obj.pk not in found:
                found.append(obj.pk)

    def token(self, app_label: str, token: str) -> None:
        self.tokens.setdefault(app_label, []).append(token)

    @contextmanager
    def step(self) -> Iterator[None]:
        before = {model: _last_pk(model) for model in _models()}
        yield
        for model, last in before.items():
            first = model._default_manager.filter(pk__gt=last).order_by("pk").first()
            if first is not None:
                self.add(first)

    def of(self, model: type[models.Model]) -> list[Any]:
        return self.ids.get(model, [])


def _models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if model._meta.managed
        and not model._meta.proxy
        and isinstance(model._meta.pk, models.AutoField | models.BigAutoField)
    ]


def _last_pk(model: type[models.Model]) -> int:
    return int(model._default_manager.aggregate(last=Max("pk"))["last"] or 0)


def _person(given: str, family: str, cpr: str, **fields: Any) -> Person:
    person = make_person(given, cpr=cpr, **fields)
    people.update_person(actor=None, person=person, family_name=family)
    return person


def _referral(case: Any, given: str, family: str, cpr: str, **fields: Any) -> Referral:
    return referrals.create_referral(
        actor=fields.pop("actor", case.clinician),
        source=fields.pop("source", ReferralSource.CLINICIAN),
        unit=fields.pop("unit", case.unit),
        consent_source=ConsentSource.VERBAL,
        person_fields={"kind": PersonKind.PATIENT, "given_name": given, "family_name": family}
        | {"cpr": cpr},
        **fields,
    )


def _held(course: Course, days_ago: int, note: str) -> None:
    for kind in (ConsentKind.STORE_NOTES, ConsentKind.QUESTIONNAIRES):
        if not people.has_current_consent(course.person, kind):
            people.record_consent(
                actor=None, person=course.person, kind=kind, source=ConsentSource.VERBAL
            )
    appointment = scheduling.record_past(
        actor=course.peer.user,
        course=course,
        starts_at=at(TODAY - days_ago * DAY, 10),
        minutes=45,
        mode="in_person",
        place_kind="ward",
    )
    conversations.record_conversation(
        actor=course.peer.user,
        appointment=appointment,
        minutes=45,
        topics=[],
        chime=[],
        purpose=note,
    )


def _coming(course: Course, day: datetime.date) -> None:
    """A booked conversation (this week's, for the calendars and the week page)."""
    scheduling.book(
        actor=course.peer.user,
        course=course,
        starts_at=at(day, 10),
        minutes=45,
        mode="in_person",
        place_kind="ward",
        allow_over_contract=True,
    )


def _admission(course: Course) -> None:
    admissions.add_admission(
        actor=None, course=course, admitted_on=TODAY - 30 * DAY, discharged_on=TODAY - 12 * DAY
    )


# Uploaded CVs stay in memory, as in the recruitment tests.
@override_settings(STORAGES=IN_MEMORY_STORAGES)
class CrawlerWorld(BaseTestCase):
    """The cast (alice, bob, carol), and around it every kind of record the pages show."""

    samples: Samples
    persons: list[Person]
    far_peer: PeerWorker
    rita: Person

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        s = cls.samples = Samples()
        s.add(cls.alice, cls.bob, cls.carol, cls.alice_course)
        s.add(cls.peer, cls.other_peer, cls.relative_peer)
        s.add(cls.coordinator, cls.other_coordinator, cls.peer.user, cls.admin)
        s.add(Course.objects.get(person=cls.bob))
        people.update_person(actor=None, person=cls.bob, cpr="0202802345")
        people.update_person(actor=None, person=cls.carol, cpr="0303703456")
        cls.far_peer = make_peer("farpeer", units=(cls.other_unit,))
        s.add(cls.far_peer)

        with s.step():  # Alice: notes, a coming appointment, an admission, a link
            _held(cls.alice_course, 3, "Alice vil gerne hjem til sin hund")
            _coming(cls.alice_course, TODAY + DAY)
            _coming(cls.alice_course, weekday_ahead(1))
            _admission(cls.alice_course)
            start = Administration.objects.filter(course=cls.alice_course).order_by("pk").first()
            if start is not None:
                s.token("outcomes", outcomes.issue_link(actor=cls.peer.user, administration=start))
        with s.step():  # Bob, on the other peer's caseload: a note, an answered questionnaire
            bob_course = Course.objects.get(person=cls.bob)
            people.record_consent(
                actor=None, person=cls.bob, kind=ConsentKind.CONTACT, source=ConsentSource.VERBAL
            )
            _held(bob_course, 4, "Bob taler om arbejdet")
            _coming(bob_course, TODAY + DAY)
            _admission(bob_course)
            answered = Administration.objects.filter(course=bob_course).order_by("pk").first()
            if answered is not None:
                outcomes.save_answers(
                    administration=answered,
                    answers={"lyttet": 4, "genkendelse": 5, "tryghed": 4, "haab": 4, "alene": 2},
                    final=True,
                    answered_by=AnsweredBy.WITH_PEER,
                    actor=cls.other_peer.user,
                )
        with s.step():  # Carol, in the other unit, with its peer
            carol_course = make_course(cls.carol, cls.far_peer)
            _held(carol_course, 5, "Carol øver sig i at tage bussen")
            _coming(carol_course, TODAY + DAY)
            _admission(carol_course)
        with s.step():  # Concerns: an open one on Alice, one on Carol in the other unit
            concerns.raise_concern(
                actor=cls.peer.user,
                course=cls.alice_course,
                urgency="high",
                what_happened="Alice virker meget urolig",
            )
            concerns.raise_concern(
                actor=cls.far_peer.user,
                course=carol_course,
                urgency="low",
                what_happened="Carol sover dårligt",
            )
            concerns.save_crisis_card(actor=cls.peer.user, person=cls.alice, what_helps="Gåture")
        with s.step():  # Ended courses: long ago (out of the peer's sight) and just now
            erna = _person("Erna", "Eriksen", "0606601789", unit=cls.unit)
            old = lifecycle.start_course(
                actor=None, person=erna, peer=cls.peer, started_on=TODAY - 120 * DAY
            )
            _held(old, 100, "Erna fik styr på medicinen")
            lifecycle.end_course(
                actor=None, course=old, ended_on=TODAY - 60 * DAY, reason="completed"
            )
        with s.step():  # A relative of Alice's, whom Alice lets the peers hear about
            cls.rita = people.create_person(
                actor=None,
                kind=PersonKind.RELATIVE,
                given_name="Rita",
                family_name="Rasmussen",
                unit=cls.unit,
                cpr="0404604567",
                patient=cls.alice,
                relationship="parent",
            )
            people.record_consent(
                actor=None, person=cls.rita, kind=ConsentKind.CONTACT, source=ConsentSource.VERBAL
            )
            people.record_consent(
                actor=None,
                person=cls.alice,
                kind=ConsentKind.SHARE_WITH_RELATIVES,
                source=ConsentSource.VERBAL,
                recipient=cls.rita,
            )
            make_course(cls.rita, cls.relative_peer)
        with s.step():  # A relative of Bob's, whom Bob has not let anyone hear about
            people.create_person(
                actor=None,
                kind=PersonKind.RELATIVE,
                given_name="Tove",
                family_name="Thomsen",
                unit=cls.unit,
                cpr="0505501678",
                patient=cls.bob,
                relationship="partner",
            )
        with s.step():
            frida = _person("Frida", "Frandsen", "0707701890", unit=cls.unit)
            recent = lifecycle.start_course(
                actor=None, person=frida, peer=cls.peer, started_on=TODAY - 60 * DAY
            )
            lifecycle.end_course(
                actor=None, course=recent, ended_on=TODAY - 2 * DAY, reason="completed"
            )
        cls._referrals()
        cls._groups()
        cls._staff_records()
        cls._recruitment()
        with s.step():  # A research export, made by the evaluator: five alike are enough
            for n, family in enumerate(["Dahl", "Damm", "Dons", "Dreyer", "Due"], start=1):
                twin = _person("Dagny", family, f"0{n}08751{n}00", unit=cls.unit)
                lifecycle.start_course(
                    actor=None, person=twin, peer=cls.other_peer, started_on=TODAY - 30 * DAY
                )
            _export, token = research.create_export(
                actor=cls.evaluator,
                purpose="Effekt af peer-støtte",
                started_from=datetime.date(TODAY.year, 1, 1),
                started_to=datetime.date(TODAY.year, 12, 31),
            )
            s.token("research", token)
        with s.step():  # A legal hold on Bob's course (a complaint not settled)
            retention.place_hold(
                actor=cls.admin, course=Course.objects.get(person=cls.bob), reason="Klagesag"
            )
        with s.step():  # The other coordinator asks to work with Alice
            people.request_person_access(
                actor=cls.other_coordinator, number="0101901234", reason="Flyttet til S3"
            )
        with s.step():  # The other coordinator breaks the glass on Bob (read only, 12 hours)
            breakglass.break_glass(
                actor=cls.other_coordinator, person=cls.bob, reason="acute", text="Akut på S3"
            )
        # Every scheduled job has just run, as on a live server: /health/ answers 200.
        for job in JOBS:
            with beat(job.name):
                pass
        cls.persons = list(Person.objects.order_by("pk"))

    def user_of(self, role: str) -> Any:
        if role == "anonymous":
            return None
        member = getattr(self, role)
        return getattr(member, "user", member)

    def scope(self, user: Any) -> set[int]:
        """The persons the policy lets `user` see (tests/test_crawler.py's docstring says
        which)."""
        if user is None:
            return set()
        # A break-the-glass grant lets its user read the person's own pages (glass=True).
        allowed = set(Person.objects.visible_to(user, glass=True).values_list("pk", flat=True))
        allowed |= set(Referral.objects.visible_to(user).values_list("person_id", flat=True))
        groups = RecoveryGroup.objects.visible_to(user)
        allowed |= set(
            Enrolment.objects.filter(group__in=groups).values_list("person_id", flat=True)
        )
        for relative, patient in RelativeLink.objects.visible_to(user).values_list(
            "relative_id", "patient_id"
        ):
            if relative in allowed or patient in allowed:
                allowed |= {relative, patient}
        return allowed

    def purpose_scope(self, user: Any, route: Route) -> set[int]:
        """Persons a page's own purpose adds to the role's scope: the administrator answers a
        person's right to know who looked at them (the audit app's report, logged with the
        purpose "access report"), so any person may be shown there."""
        admin = user is not None and user.role == Role.ADMINISTRATOR
        # The same for the rights app: the person's own request about their data (GDPR
        # art. 15 and 17), logged with the purpose "subject access".
        if admin and route.name.startswith(("audit:", "rights:")):
            return set(Person.objects.values_list("pk", flat=True))
        return set()

    @classmethod
    def _referrals(cls) -> None:
        """A referral in every status, all in R1 but one in S3 and a self-referral."""
        s = cls.samples
        with s.step():
            _referral(cls, "Hanna", "Hansen", "1010801234")  # new
        with s.step():
            triaged = _referral(cls, "Ivan", "Iversen", "1111811235")
            referrals.transition(actor=cls.coordinator, referral=triaged, to="triaged")
        with s.step():  # proposed to the peer, waiting for the peer's answer
            matched = _referral(cls, "Jens", "Jensen", "1212821236")
            referrals.transition(actor=cls.coordinator, referral=matched, to="triaged")
            referrals.transition(
                actor=cls.coordinator, referral=matched, to="matched", peer=cls.peer
            )
        with s.step():
            active = _referral(cls, "Karen", "Knudsen", "1301831237")
            referrals.transition(actor=cls.coordinator, referral=active, to="triaged")
            lifecycle.assign_peer(actor=cls.coordinator, referral=active, peer=cls.other_peer)
        with s.step():
            closed = _referral(cls, "Lars", "Larsen", "1402841238")
            referrals.transition(actor=cls.coordinator, referral=closed, to="triaged")
            course = lifecycle.assign_peer(
                actor=cls.coordinator,
                referral=closed,
                peer=cls.other_peer,
                started_on=TODAY - 40 * DAY,
            )
            lifecycle.end_course(
                actor=cls.coordinator, course=course, ended_on=TODAY - 20 * DAY, reason="completed"
            )
        for given, family, cpr, to in [
            ("Mette", "Madsen", "1503851239", "declined"),
            ("Niels", "Nielsen", "1604861230", "withdrawn"),
            ("Olga", "Olsen", "1705871231", "no_contact"),
        ]:
            with s.step():
                referral = _referral(cls, given, family, cpr)
                referrals.transition(
                    actor=cls.coordinator, referral=referral, to=to, reason="Ønsker det ikke"
                )
        with s.step():  # S3, by the other coordinator
            _referral(
                cls,
                "Sigrid",
                "Svendsen",
                "1806881232",
                actor=cls.other_coordinator,
                source=ReferralSource.COORDINATOR,
                unit=cls.other_unit,
            )
        with s.step():  # a self-referral from the public form: no unit yet
            _referral(cls, "Petra", "Pedersen", "1907891233", actor=None, source="self", unit=None)

    @classmethod
    def _groups(cls) -> None:
        s = cls.samples
        with s.step():  # R1, run by the peer: Alice and Bob take part
            group = groups.create_group(
                actor=cls.coordinator,
                title="Hverdagsliv og håb",
                unit=cls.unit,
                place="Grupperummet",
                capacity=8,
                facilitators=[cls.peer],
            )
            start = timezone.now().replace(microsecond=0) - 2 * DAY
            held = groups.add_session(
                actor=cls.coordinator,
                group=group,
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=2),
                topic="Velkommen",
                allow_past=True,
                # Registered after the fact, it runs the availability check too (issue 19);
                # the clock's instants can put it outside the peer's weekly hours.
                override_reason="Registreret bagefter",
            )
            groups.add_session(
                actor=cls.coordinator,
                group=group,
                starts_at=at(weekday_ahead(2, 2), 13),
                ends_at=at(weekday_ahead(2, 2), 15),
                topic="Gode og svære dage",
            )
            for person in (cls.alice, cls.bob):
                groups.enrol(actor=cls.coordinator, group=group, person=person)
            groups.record_attendance(
                actor=cls.peer.user,
                session=held,
                statuses={cls.alice.pk: "present", cls.bob.pk: "absent"},
            )
            groups.save_group_note(actor=cls.peer.user, session=held, text="God stemning i gruppen")
        with s.step():  # S3, run by its own peer, with Carol
            other = groups.create_group(
                actor=cls.other_coordinator,
                title="Medicin og mig",
                unit=cls.other_unit,
                place="Lokale 3",
                capacity=8,
                facilitators=[cls.far_peer],
            )
            groups.add_session(
                actor=cls.other_coordinator,
                group=other,
                starts_at=at(weekday_ahead(3, 2), 13),
                ends_at=at(weekday_ahead(3, 2), 15),
                topic="Bivirkninger",
            )
            groups.enrol(actor=cls.other_coordinator, group=other, person=cls.carol)

    @classmethod
    def _staff_records(cls) -> None:
        """Calendars, hours, pauses, supervision and education of the peers."""
        s = cls.samples
        for peer in (cls.peer, cls.far_peer):
            with s.step():
                scheduling.set_windows(
                    actor=None,
                    peer=peer,
                    windows=[(0, datetime.time(9), datetime.time(15))],
                )
                scheduling.add_exception(
                    actor=None,
                    peer=peer,
                    starts_on=weekday_ahead(0, 3),
                    ends_on=weekday_ahead(0, 3) + datetime.timedelta(days=4),
                    kind="holiday",
                    note="Ferie",
                )
                _feed, token = feeds.create_feed(actor=peer.user, peer=peer)
                s.token("scheduling", token)
        last_month = TODAY.replace(day=1) - DAY
        for peer in (cls.peer, cls.far_peer):
            with s.step():
                timesheets.add_entry(
                    actor=peer.user,
                    peer=peer,
                    date=last_month.replace(day=10),
                    minutes=60,
                    category="preparation",
                    description="Forberedelse af gruppen",
                )
                timesheets.add_entry(
                    actor=peer.user,
                    peer=peer,
                    date=TODAY,
                    minutes=30,
                    category="preparation",
                    description="Forberedelse",
                )
                timesheets.confirm_month(
                    actor=peer.user, peer=peer, year=last_month.year, month=last_month.month
                )
        with s.step():
            people_workforce.set_pause(
                actor=cls.coordinator,
                peer=cls.other_peer,
                starts_on=TODAY + 10 * DAY,
                ends_on=TODAY + 20 * DAY,
                reason="Ferie",
            )
        supervised = [([cls.peer, cls.other_peer], cls.unit), ([cls.far_peer], cls.other_unit)]
        for members, unit in supervised:
            with s.step():
                group = make_supervision_group(members, unit=unit)
                # Three days ago, after that day's conversation (one clash rule: docs/agenda.md).
                held = timezone.now().replace(microsecond=0) - 3 * DAY
                # Registered after the fact: checked as any booking (issue 19), and the
                # clock's instants can put it outside the members' weekly hours.
                make_session(
                    group,
                    held + datetime.timedelta(hours=3),
                    override_reason="Registreret bagefter",
                )
                # A Friday: outside the test peers' weekly hours, so booked with a reason,
                # as the availability check asks of every booking (issue 19).
                make_session(
                    group, at(weekday_ahead(4, 1), 9), override_reason="Aftalt med gruppen"
                )
        for peer in (cls.peer, cls.far_peer):
            with s.step():
                make_record(peer)

    @classmethod
    def _recruitment(cls) -> None:
        s = cls.samples
        for unit, applicant in ((cls.unit, "Ulla Urup"), (cls.other_unit, "Vera Vang")):
            with s.step():
                posting = make_posting(unit)
                application = make_application(posting, name=applicant, cv=True)
                s.token("recruitment", application.withdraw_token)
                make_interview(
                    application,
                    panel=[cls.coordinator if unit == cls.unit else cls.other_coordinator],
                    starts_at=at(weekday_ahead(1, 1), 11),
                )
        with s.step():  # hired: a new peer with a checklist and an invitation
            posting = make_onboarding_posting(cls.unit)
            application = make_offered_application(posting, name="Hanne Holm")
            _hire, token = make_hire(cls.coordinator, application)
            s.token("onboarding", token)
