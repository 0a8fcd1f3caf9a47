"""Builders for timesheet tests: through the real services, in fixed past months of 2026."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from brobygger.groups import services as group_services
from brobygger.groups.models import GroupSession
from brobygger.lib.dates import local_datetime
from brobygger.lifecycle import services as lifecycle
from brobygger.people.models import PeerWorker
from brobygger.referrals.models import Course
from brobygger.scheduling import services as scheduling
from brobygger.scheduling.models import Appointment
from brobygger.testing import BaseTestCase, make_person
from brobygger.timesheets import months, services
from brobygger.timesheets.models import IndirectEntry, Timesheet


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return local_datetime(day, datetime.time(hour, minute))


def this_month() -> tuple[int, int]:
    today = timezone.localdate()
    return today.year, today.month


class TimesheetTestCase(BaseTestCase):
    """The cast, plus a course for `peer` (with Dorte) that began early in 2026."""

    dorte_course: Course

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        dorte = make_person("Dorte", unit=cls.unit)
        cls.dorte_course = lifecycle.start_course(
            actor=None, person=dorte, peer=cls.peer, started_on=datetime.date(2026, 1, 2)
        )

    def held(
        self, start: datetime.datetime, minutes: int, *, status: str = "held", course: Any = None
    ) -> Appointment:
        course = course or self.dorte_course
        return scheduling.record_past(
            actor=course.peer.user,
            course=course,
            starts_at=start,
            minutes=minutes,
            mode="in_person",
            status=status,
        )

    def group_session(
        self,
        start: datetime.datetime,
        end: datetime.datetime,
        facilitators: list[PeerWorker] | None = None,
    ) -> GroupSession:
        group = group_services.create_group(
            actor=self.coordinator,
            title="Hverdagsliv og håb",
            unit=self.unit,
            place="Grupperummet",
            capacity=8,
            facilitators=facilitators or [self.peer],
        )
        return group_services.add_session(
            actor=self.coordinator, group=group, starts_at=start, ends_at=end, allow_past=True
        )

    def entry(
        self,
        day: datetime.date,
        minutes: int,
        *,
        peer: PeerWorker | None = None,
        category: str = "preparation",
        description: str = "Forberedte gruppesessionen",
    ) -> IndirectEntry:
        peer = peer or self.peer
        return services.add_entry(
            actor=peer.user,
            peer=peer,
            date=day,
            minutes=minutes,
            category=category,
            description=description,
        )

    def confirmed(self, year: int, month: int, peer: PeerWorker | None = None) -> Timesheet:
        peer = peer or self.peer
        return services.confirm_month(actor=peer.user, peer=peer, year=year, month=month)

    def approved(self, year: int, month: int, peer: PeerWorker | None = None) -> Timesheet:
        sheet = self.confirmed(year, month, peer)
        return services.approve_month(actor=self.coordinator, timesheet=sheet)


def next_month() -> tuple[int, int]:
    return months.add_months(*this_month(), 1)
