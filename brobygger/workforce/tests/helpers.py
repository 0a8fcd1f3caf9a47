"""Builders for workforce tests: through the real services, at fixed or relative times."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from brobygger.lib.dates import local_datetime
from brobygger.people.models import PeerWorker
from brobygger.testing import BaseTestCase, make_peer
from brobygger.workforce import services
from brobygger.workforce.models import (
    EducationRecord,
    ProviderKind,
    SupervisionGroup,
    SupervisionSession,
)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return local_datetime(day, datetime.time(hour, minute))


def make_record(peer: PeerWorker, **fields: Any) -> EducationRecord:
    values: dict[str, Any] = {
        "provider": "Peer-uddannelsen, Psykiatrien Region Sjælland",
        "title": "Peer-uddannelse, modul 1-3",
        "starts_on": datetime.date(2026, 2, 2),
        "ends_on": datetime.date(2026, 5, 29),
        "status": "completed",
        "hours": Decimal(72),
        "cost": Decimal("24500.00"),
        "paid_by_employer": True,
        "note": "",
    } | fields
    return services.create_education_record(actor=None, peer=peer, **values)


def make_group(members: list[PeerWorker], **fields: Any) -> SupervisionGroup:
    values: dict[str, Any] = {
        "name": "Supervision med Foreningen Sindsro",
        "provider_kind": ProviderKind.USER_ORGANISATION,
        "provider_name": "Foreningen Sindsro",
        "supervisor_name": "Birgitte Holm",
        "unit": None,
        "target_days": 28,
    } | fields
    return services.create_group(actor=None, members=members, **values)


def make_session(
    group: SupervisionGroup, starts_at: datetime.datetime, **fields: Any
) -> SupervisionSession:
    values: dict[str, Any] = {
        "minutes": 120,
        "place": "Mødelokale 2, Psykiatrien Roskilde",
        "themes": "Grænser i samtalerne og egen trivsel",
    } | fields
    return services.add_session(actor=None, group=group, starts_at=starts_at, **values)


class WorkforceTestCase(BaseTestCase):
    """The cast, plus a peer in the other unit, a supervision group with `peer` and
    `other_peer`, one held session (peer present, other peer absent) and a coming one."""

    far_peer: PeerWorker
    group: SupervisionGroup
    held: SupervisionSession
    coming: SupervisionSession
    record: EducationRecord

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.far_peer = make_peer("farpeer", units=(cls.other_unit,))
        cls.group = make_group([cls.peer, cls.other_peer], unit=cls.unit)
        now = timezone.now().replace(second=0, microsecond=0)
        cls.held = make_session(cls.group, now - datetime.timedelta(days=3))
        services.record_attendance(
            actor=cls.coordinator,
            session=cls.held,
            statuses={cls.peer.pk: "present", cls.other_peer.pk: "absent"},
        )
        cls.coming = make_session(
            cls.group, now + datetime.timedelta(days=10), themes="Afslutning af forløb"
        )
        cls.record = make_record(cls.peer)
