"""The fixed cast every test uses, builders through the real services, assert helpers."""

from __future__ import annotations

import datetime
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.accounts.middleware import start_session_clock
from brobygger.accounts.models import Role, Unit, User
from brobygger.audit.models import AccessLogEntry
from brobygger.lifecycle import services as lifecycle
from brobygger.people import services as people_services
from brobygger.people.models import (
    ConsentKind,
    ConsentSource,
    PeerKind,
    PeerWorker,
    Person,
    PersonKind,
)
from brobygger.referrals.models import Course
from brobygger.testclock import frozen_today

# The frozen clock's local date (conftest.py freezes it; brobygger/testclock.py says when).
TODAY = frozen_today()
# The project's folder, where manage.py is.
PROJECT = Path(__file__).resolve().parent.parent
T = TypeVar("T")
CONTRACT_START = datetime.date(2026, 1, 1)


def make_unit(name: str = "Afsnit R1", kind: str = "ward") -> Unit:
    return Unit.objects.create(name=name, kind=kind)


def make_user(username: str, role: str, *, units: tuple[Unit, ...] = ()) -> User:
    return people_services.create_staff_user(
        actor=None,
        username=username,
        role=role,
        first_name=username.title(),
        last_name="Test",
        password="test-password-123",
        units=units,
    )


def make_peer(
    username: str, *, kind: str = PeerKind.PATIENT_PEER, units: tuple[Unit, ...] = ()
) -> PeerWorker:
    return people_services.create_peer_with_account(
        actor=None,
        username=username,
        first_name=username.title(),
        last_name="Peer",
        password="test-password-123",
        units=units,
        kind=kind,
        languages=["da"],
        hours_min=Decimal(8),
        hours_max=Decimal(15),
        # From a fixed past date, so tests of known past months (summer time in March 2026)
        # fall inside it at every instant the suite runs at; running for months to come.
        contract_start=CONTRACT_START,
        contract_end=TODAY + datetime.timedelta(days=217),
    )


def make_person(
    given_name: str = "Alice",
    *,
    kind: str = PersonKind.PATIENT,
    unit: Unit | None = None,
    consent: bool = True,
    **fields: Any,
) -> Person:
    """A person; with `consent` (the default) they have agreed to be contacted."""
    person = people_services.create_person(
        actor=None, kind=kind, given_name=given_name, family_name="Andersen", unit=unit, **fields
    )
    if consent:
        people_services.record_consent(
            actor=None, person=person, kind=ConsentKind.CONTACT, source=ConsentSource.VERBAL
        )
    return person


def make_course(person: Person, peer: PeerWorker) -> Course:
    return lifecycle.start_course(
        actor=None, person=person, peer=peer, started_on=TODAY - datetime.timedelta(days=10)
    )


def supervise_and_educate(
    *,
    coordinator: User,
    unit: Unit,
    present: list[PeerWorker],
    absent: tuple[PeerWorker, ...] = (),
    session_at: datetime.datetime,
    minutes: int = 90,
    education: tuple[datetime.date, datetime.date, Decimal] | None = None,
) -> None:
    """Through the workforce services: a supervision session of `minutes` that `present`
    attended and `absent` missed, and, if given, a completed employer-paid education of
    (first day, last day, hours) for the first peer present."""
    from brobygger.workforce import services as workforce

    members = [*present, *absent]
    group = workforce.create_group(
        actor=coordinator,
        members=members,
        name="Supervision med SIND",
        provider_kind="user_org",
        provider_name="SIND",
        unit=unit,
        target_days=28,
    )
    session = workforce.add_session(
        actor=coordinator, group=group, starts_at=session_at, minutes=minutes, place="Mødelokale 2"
    )
    statuses = {peer.pk: "present" for peer in present} | {peer.pk: "absent" for peer in absent}
    workforce.record_attendance(actor=coordinator, session=session, statuses=statuses)
    if education is not None:
        first, last, hours = education
        workforce.create_education_record(
            actor=coordinator,
            peer=present[0],
            provider="Peer-uddannelsen",
            title="Grundforløb",
            starts_on=first,
            ends_on=last,
            status="completed",
            hours=hours,
            cost=Decimal(0),
            paid_by_employer=True,
            note="",
        )


class BaseTestCase(TestCase):
    """The cast: two units, staff in every role, and persons on both sides of the line."""

    unit: Unit
    other_unit: Unit
    alice_course: Course
    coordinator: User
    other_coordinator: User
    peer: PeerWorker
    other_peer: PeerWorker
    relative_peer: PeerWorker
    clinician: User
    evaluator: User
    admin: User
    alice: Person
    bob: Person
    carol: Person

    @classmethod
    def setUpTestData(cls) -> None:
        cls.unit = make_unit("Afsnit R1")
        cls.other_unit = make_unit("Afsnit S3")
        cls.coordinator = make_user("coordinator", Role.COORDINATOR, units=(cls.unit,))
        cls.other_coordinator = make_user("othercoord", Role.COORDINATOR, units=(cls.other_unit,))
        cls.peer = make_peer("peer", units=(cls.unit,))
        cls.other_peer = make_peer("otherpeer", units=(cls.unit,))
        cls.relative_peer = make_peer("relpeer", kind=PeerKind.RELATIVE_PEER, units=(cls.unit,))
        cls.clinician = make_user("clinician", Role.CLINICIAN, units=(cls.unit,))
        cls.evaluator = make_user("evaluator", Role.EVALUATOR)
        cls.admin = make_user("admin", Role.ADMINISTRATOR)
        # Alice is on the peer's caseload; Bob on the other peer's; Carol is in the other unit.
        cls.alice = make_person("Alice", unit=cls.unit, cpr="0101901234", phone="20304050")
        cls.bob = make_person("Bob", unit=cls.unit, consent=False)
        cls.carol = make_person("Carol", unit=cls.other_unit)
        cls.alice_course = make_course(cls.alice, cls.peer)
        make_course(cls.bob, cls.other_peer)

    # The access log, as the tests of "one entry per response" read it.
    def last_seq(self) -> int:
        """The newest access-log entry's seq: take it before a request, then compare."""
        return AccessLogEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0

    def new_entries(self, before: int) -> list[AccessLogEntry]:
        return list(AccessLogEntry.objects.filter(seq__gt=before).order_by("seq"))

    def one_entry(self, before: int) -> AccessLogEntry:
        """The one entry written since `before`; fails if there are none or several."""
        entries = self.new_entries(before)
        self.assertEqual(len(entries), 1, [(e.action, e.persons) for e in entries])
        return entries[0]

    def no_entry(self, before: int) -> None:
        self.assertEqual(self.new_entries(before), [])

    def committed(self, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Call `function`, then run what it left for the commit, as a real transaction
        would: messages go out on commit (brobygger/notifications/messaging.py), and the
        test's own transaction never commits."""
        with self.captureOnCommitCallbacks(execute=True):
            result = function(*args, **kwargs)
        return result

    def login(self, user: Any, *, verified: bool = True) -> User:
        """Sign in; `verified` also passes the two-factor step, as a real login would."""
        account = user.user if isinstance(user, PeerWorker) else user
        self.client.force_login(account)
        session = self.client.session
        start_session_clock(session)  # as the login views do
        if verified:
            device, _created = TOTPDevice.objects.get_or_create(
                user=account, name="test", defaults={"confirmed": True}
            )
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return account


@contextmanager
def count_queries() -> Iterator[CaptureQueriesContext]:
    with CaptureQueriesContext(connection) as context:
        yield context


def recent_working_day() -> datetime.date:
    """A weekday before yesterday that is no Danish public holiday (the test clock's
    awkward instants fall near Easter and Christmas)."""
    import holidays
    from django.utils import timezone

    day = timezone.localdate() - datetime.timedelta(days=2)
    danish = holidays.Denmark(years=[day.year - 1, day.year])
    while day.weekday() >= 5 or day in danish:
        day -= datetime.timedelta(days=1)
    return day


def end_backend(alias: str = "default") -> int:
    """PostgreSQL ends the backend of the app's connection `alias`, as a restart or
    failover would (`pg_terminate_backend` from a second connection). Returns its pid."""
    from django.db import connections

    app = connections[alias]
    with app.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    killer = connections.create_connection(alias)
    try:
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        killer.close()
    return int(pid)


def run_project(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """This interpreter with `args` (`["-c", code]`, `["manage.py", …]`) in the project's
    folder, in exactly the environment `env`: how a server or a command starts."""
    return subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
