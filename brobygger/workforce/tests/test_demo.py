"""The demo's education and year of supervision, built on the test cast."""

from __future__ import annotations

import datetime
import itertools
import random
from types import SimpleNamespace

from django.utils import timezone

from brobygger.testing import BaseTestCase, make_peer
from brobygger.workforce import demo, selectors
from brobygger.workforce.models import EducationRecord, SupervisionGroup


class DemoTests(BaseTestCase):
    def test_every_peer_gets_education_and_a_year_of_supervision(self):
        peers = [self.peer, self.other_peer, self.relative_peer]
        peers += [make_peer(f"demo{n}", units=(self.unit,)) for n in range(10)]
        today = timezone.localdate()
        builder = SimpleNamespace(
            rng=random.Random(7), today=today, coordinator=self.coordinator, peers=peers
        )
        demo.build_demo(builder)

        self.assertEqual(
            set(EducationRecord.objects.values_list("peer_id", flat=True)), {p.pk for p in peers}
        )
        statuses = list(EducationRecord.objects.values_list("status", flat=True))
        self.assertGreater(statuses.count("completed"), len(peers) // 2)
        for status in ("planned", "ongoing", "dropped"):
            self.assertIn(status, statuses)
        for peer in peers:
            peer.refresh_from_db()
        lacking = [p for p in peers if p.education_status != "completed"]
        self.assertTrue(0 < len(lacking) < len(peers) - len(lacking))  # most completed

        groups = list(SupervisionGroup.objects.order_by("pk"))
        self.assertEqual(
            [g.provider_kind for g in groups], ["user_org", "peer_network", "internal"]
        )
        for group in groups:
            days = [timezone.localdate(s.starts_at) for s in group.sessions.order_by("starts_at")]
            gaps = [(b - a).days for a, b in itertools.pairwise(days)]
            self.assertLessEqual(days[0], today - datetime.timedelta(days=358))
            self.assertTrue(all(14 <= gap <= group.target_days for gap in gaps), gaps)
            self.assertTrue(any(day > today for day in days))
        overdue = [s for s in selectors.supervision_status(peers).values() if s.overdue]
        self.assertEqual(len(overdue), 2)
        attendance = list(
            SupervisionGroup.objects.values_list("sessions__attendance__status", flat=True)
        )
        self.assertIn("absent", attendance)
        self.assertIn("excused", attendance)
