"""A cast for the one-clash-rule tests: every path that makes a peer or a person busy,
each at the same slot, as a service call and as the form a user posts.

The peer `peer` holds conversations with `person`, runs `own_group` (sessions still to
plan), sits in `supervision` and can sit on the panel for `application`. The person can
join `full_group` (another peer runs its session at the slot) and is already in
`their_group` (another peer's group, sessions still to plan).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.accounts.models import Role, Unit, User
from brobygger.groups import services as group_services
from brobygger.groups.models import Enrolment, EnrolmentStatus, GroupSession, RecoveryGroup
from brobygger.lib.dates import local_datetime
from brobygger.people.models import PeerWorker, Person
from brobygger.recruitment import interviews
from brobygger.recruitment.models import Application, Interview, InterviewStatus
from brobygger.recruitment.tests.helpers import make_application, make_posting
from brobygger.referrals.models import Course
from brobygger.scheduling import services as scheduling_services
from brobygger.scheduling.models import Appointment
from brobygger.testing import TODAY, make_course, make_peer, make_person, make_unit, make_user
from brobygger.workforce import services as workforce_services
from brobygger.workforce.models import SupervisionGroup, SupervisionSession

PATHS = ("conversation", "enrol", "group_session", "their_session", "interview", "supervision")
# The pairs that share a party: the peer (conversation, group session run, interview
# panel, supervision) or the person (conversation, group place, a session of their group).
PAIRS = [
    ("conversation", "enrol"),
    ("conversation", "group_session"),
    ("conversation", "their_session"),
    ("conversation", "interview"),
    ("conversation", "supervision"),
    ("group_session", "interview"),
    ("group_session", "supervision"),
    ("interview", "supervision"),
    ("enrol", "their_session"),
]


def slot_day(weeks_ahead: int = 2) -> datetime.date:
    day = TODAY + datetime.timedelta(weeks=weeks_ahead)
    while day.weekday() > 4:
        day += datetime.timedelta(days=1)
    return day


@dataclass
class Cast:
    unit: Unit
    coordinator: User
    peer: PeerWorker
    person: Person
    course: Course
    full_group: RecoveryGroup
    own_group: RecoveryGroup
    their_group: RecoveryGroup
    supervision: SupervisionGroup
    application: Application
    day: datetime.date

    @property
    def starts_at(self) -> datetime.datetime:
        return local_datetime(self.day, datetime.time(10))

    # -- the paths, through the services --------------------------------------------

    def run(self, path: str) -> Any:
        return getattr(self, f"do_{path}")()

    def do_conversation(self) -> Appointment:
        return scheduling_services.book(
            actor=self.coordinator,
            course=self.course,
            starts_at=self.starts_at,
            minutes=45,
            mode="phone",
        )

    def do_enrol(self) -> Enrolment:
        return group_services.enrol(
            actor=self.coordinator, group=self.full_group, person=self.person
        )

    def _session(self, group: RecoveryGroup) -> GroupSession:
        return group_services.add_session(
            actor=self.coordinator,
            group=group,
            starts_at=self.starts_at,
            ends_at=self.starts_at + datetime.timedelta(minutes=60),
        )

    def do_group_session(self) -> GroupSession:
        return self._session(self.own_group)

    def do_their_session(self) -> GroupSession:
        return self._session(self.their_group)

    def do_interview(self) -> Interview:
        return interviews.book_interview(
            actor=self.coordinator,
            application=self.application,
            starts_at=self.starts_at,
            minutes=45,
            mode="video",
            panel=[self.coordinator, self.peer.user],
        )

    def do_supervision(self) -> SupervisionSession:
        return workforce_services.add_session(
            actor=self.coordinator,
            group=self.supervision,
            starts_at=self.starts_at,
            minutes=60,
            place="Mødelokale 2",
        )

    # -- did it happen? ---------------------------------------------------------------

    def happened(self, path: str) -> bool:
        checks: dict[str, Callable[[], bool]] = {
            "conversation": Appointment.objects.active().filter(course=self.course).exists,
            "enrol": Enrolment.objects.filter(
                group=self.full_group, person=self.person, status=EnrolmentStatus.ENROLLED
            ).exists,
            "group_session": GroupSession.objects.active().filter(group=self.own_group).exists,
            "their_session": GroupSession.objects.active().filter(group=self.their_group).exists,
            "interview": Interview.objects.filter(application=self.application)
            .exclude(status=InterviewStatus.CANCELLED)
            .exists,
            "supervision": SupervisionSession.objects.filter(group=self.supervision).exists,
        }
        return checks[path]()

    # -- the same paths as the forms users post ---------------------------------------

    def request(self, path: str) -> tuple[str, dict[str, Any], User]:
        """(url, form fields, who posts it)."""
        when = {"date": self.day.isoformat(), "time": "10:00"}
        session = {**when, "minutes": "60", "weeks": "1", "topic": ""}
        requests: dict[str, tuple[str, dict[str, Any], User]] = {
            "conversation": (
                reverse("scheduling:book", args=[self.course.pk]),
                {**when, "minutes": "45", "mode": "phone"},
                self.peer.user,
            ),
            "enrol": (
                reverse("groups:enrol", args=[self.full_group.pk]),
                {"action": "enrol", "person": str(self.person.pk)},
                self.coordinator,
            ),
            "group_session": (
                reverse("groups:session_create", args=[self.own_group.pk]),
                session,
                self.coordinator,
            ),
            "their_session": (
                reverse("groups:session_create", args=[self.their_group.pk]),
                session,
                self.coordinator,
            ),
            "interview": (
                reverse("recruitment:interview_book", args=[self.application.pk]),
                {
                    **when,
                    "minutes": "45",
                    "mode": "video",
                    "place": "",
                    "panel": [str(self.coordinator.pk), str(self.peer.user_id)],
                },
                self.coordinator,
            ),
            "supervision": (
                reverse("workforce:session_create", args=[self.supervision.pk]),
                {**when, "minutes": "60", "place": "Mødelokale 2", "themes": ""},
                self.coordinator,
            ),
        }
        return requests[path]


def make_cast(tag: str = "", *, weeks_ahead: int = 2) -> Cast:
    unit = make_unit(f"Afsnit R{tag}")
    coordinator = make_user(f"koordinator{tag}", Role.COORDINATOR, units=(unit,))
    peer = make_peer(f"travl{tag}", units=(unit,))
    others = [make_peer(f"anden{tag}{n}", units=(unit,)) for n in range(2)]
    person = make_person(f"Xenia{tag}", unit=unit)
    course = make_course(person, peer)
    day = slot_day(weeks_ahead)
    full_group = group_services.create_group(
        actor=coordinator,
        title="Recovery-gruppe tirsdag",
        place="Grupperummet",
        capacity=8,
        facilitators=[others[0]],
        unit=unit,
    )
    starts_at = local_datetime(day, datetime.time(10))
    group_services.add_session(
        actor=coordinator,
        group=full_group,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=60),
    )
    own_group = group_services.create_group(
        actor=coordinator,
        title="Recovery-gruppe torsdag",
        place="Grupperummet",
        capacity=8,
        facilitators=[peer],
        unit=unit,
    )
    their_group = group_services.create_group(
        actor=coordinator,
        title="Recovery-gruppe fredag",
        place="Grupperummet",
        capacity=8,
        facilitators=[others[1]],
        unit=unit,
    )
    group_services.enrol(actor=coordinator, group=their_group, person=person)
    supervision = workforce_services.create_group(
        actor=coordinator,
        members=[peer],
        name="Supervision med SIND",
        provider_kind="user_org",
        provider_name="SIND",
        unit=unit,
        target_days=28,
    )
    posting = make_posting(unit)
    application = make_application(posting, email=f"ansoeger{tag}@example.org")
    return Cast(
        unit=unit,
        coordinator=coordinator,
        peer=peer,
        person=person,
        course=course,
        full_group=full_group,
        own_group=own_group,
        their_group=their_group,
        supervision=supervision,
        application=application,
        day=day,
    )


def session_cookie(user: User) -> str:
    """A signed-in session with the two-factor step passed, as a real login leaves it."""
    client = Client()
    client.force_login(user)
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name="test", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return str(client.cookies[settings.SESSION_COOKIE_NAME].value)
