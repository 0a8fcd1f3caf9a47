"""Builders for group tests: through the real services, at times relative to now."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from brobygger.groups import services
from brobygger.groups.models import GroupSession, RecoveryGroup
from brobygger.lib.dates import local_datetime
from brobygger.testing import BaseTestCase


def next_weekday(weekday: int, weeks_ahead: int = 1) -> datetime.date:
    today = timezone.localdate()
    return today + datetime.timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks_ahead)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return local_datetime(day, datetime.time(hour, minute))


class GroupTestCase(BaseTestCase):
    """The cast, plus a group in the unit run by `peer`, with one held and one coming session."""

    group: RecoveryGroup
    held: GroupSession
    coming: GroupSession

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.group = services.create_group(
            actor=cls.coordinator,
            title="Hverdagsliv og håb",
            theme="Rutiner, ensomhed og fællesskab",
            unit=cls.unit,
            place="Grupperummet",
            capacity=3,
            facilitators=[cls.peer],
        )
        start = timezone.now().replace(microsecond=0) - datetime.timedelta(days=1)
        cls.held = services.add_session(
            actor=cls.coordinator,
            group=cls.group,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
            topic="Velkommen",
            allow_past=True,
        )
        day = next_weekday(2, weeks_ahead=2)  # a week before it is still ahead, whatever today is
        cls.coming = services.add_session(
            actor=cls.coordinator,
            group=cls.group,
            starts_at=at(day, 13),
            ends_at=at(day, 15),
            topic="Gode og svære dage",
        )

    def add_group(self, **overrides: Any) -> RecoveryGroup:
        fields: dict[str, Any] = {
            "actor": self.coordinator,
            "title": "Medicin og mig",
            "place": "Afsnit R1",
            "capacity": 8,
            "facilitators": [self.other_peer],
            "unit": self.unit,
        }
        fields.update(overrides)
        return services.create_group(**fields)
