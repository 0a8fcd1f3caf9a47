"""Minutes for timesheets and the supervision targets, with hand-computed dates."""

from __future__ import annotations

import datetime
from decimal import Decimal

from brobygger.testing import BaseTestCase
from brobygger.workforce import selectors, services
from brobygger.workforce.models import SupervisionGroup, SupervisionSession

from .helpers import at, make_group, make_record, make_session

D = datetime.date


class SupervisionMinutesTests(BaseTestCase):
    group: SupervisionGroup
    early: SupervisionSession
    later: SupervisionSession

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.group = make_group([cls.peer, cls.other_peer])
        # 00:30 Copenhagen summer time is 22:30 UTC the day before: counts on the 10th.
        cls.early = make_session(cls.group, at(D(2026, 9, 10), 0, 30), minutes=90)
        cls.later = make_session(cls.group, at(D(2026, 9, 30), 13), minutes=120)
        services.record_attendance(
            actor=None,
            session=cls.early,
            statuses={cls.peer.pk: "present", cls.other_peer.pk: "excused"},
        )
        services.record_attendance(
            actor=None,
            session=cls.later,
            statuses={cls.peer.pk: "present", cls.other_peer.pk: "absent"},
        )

    def test_attended_minutes_fall_on_the_local_day_and_both_ends_count(self):
        ids = [self.peer.pk, self.other_peer.pk, self.relative_peer.pk]
        self.assertEqual(
            selectors.supervision_minutes(ids, D(2026, 9, 10), D(2026, 9, 30)),
            {self.peer.pk: 210, self.other_peer.pk: 0, self.relative_peer.pk: 0},
        )
        self.assertEqual(
            selectors.supervision_minutes(ids, D(2026, 9, 1), D(2026, 9, 9))[self.peer.pk], 0
        )
        self.assertEqual(
            selectors.supervision_minutes(ids, D(2026, 9, 11), D(2026, 9, 30))[self.peer.pk], 120
        )

    def test_one_query_whatever_the_number_of_peers(self):
        ids = [self.peer.pk, self.other_peer.pk]
        with self.assertNumQueries(1):
            selectors.supervision_minutes(ids, D(2026, 9, 1), D(2026, 9, 30))
        with self.assertNumQueries(0):
            self.assertEqual(selectors.supervision_minutes([], D(2026, 9, 1), D(2026, 9, 30)), {})


class EducationMinutesTests(BaseTestCase):
    def test_hours_are_spread_over_the_weekdays_of_the_course(self):
        # Monday 2 March to Friday 13 March 2026: 10 weekdays, 10.5 h = 630 min = 63 a day.
        make_record(
            self.peer,
            starts_on=D(2026, 3, 2),
            ends_on=D(2026, 3, 13),
            hours=Decimal("10.5"),
        )
        minutes = selectors.education_minutes([self.peer.pk], D(2026, 3, 1), D(2026, 3, 6))
        self.assertEqual(minutes, {self.peer.pk: 5 * 63})
        whole = selectors.education_minutes([self.peer.pk], D(2026, 1, 1), D(2026, 12, 31))
        self.assertEqual(whole[self.peer.pk], 630)

    def test_remainder_goes_to_the_first_days_and_the_total_is_exact(self):
        # 60 minutes over 7 weekdays (Mon 2 Mar - Tue 10 Mar): 9,9,9,9,8,8,8.
        record = make_record(
            self.peer, starts_on=D(2026, 3, 2), ends_on=D(2026, 3, 10), hours=Decimal(1)
        )
        spread = selectors.spread_minutes(record)
        self.assertEqual(list(spread.values()), [9, 9, 9, 9, 8, 8, 8])
        self.assertNotIn(D(2026, 3, 7), spread)  # Saturday
        self.assertEqual(sum(spread.values()), 60)

    def test_a_weekend_course_counts_on_its_weekend_days(self):
        make_record(self.peer, starts_on=D(2026, 3, 7), ends_on=D(2026, 3, 8), hours=Decimal(2))
        minutes = selectors.education_minutes([self.peer.pk], D(2026, 3, 8), D(2026, 3, 8))
        self.assertEqual(minutes[self.peer.pk], 60)

    def test_planned_and_dropped_courses_count_nothing(self):
        make_record(self.peer, starts_on=D(2026, 3, 2), ends_on=D(2026, 3, 6), status="dropped")
        make_record(
            self.other_peer,
            starts_on=D(2027, 3, 1),
            ends_on=D(2027, 3, 5),
            status="planned",
        )
        minutes = selectors.education_minutes(
            [self.peer.pk, self.other_peer.pk], D(2026, 1, 1), D(2027, 12, 31)
        )
        self.assertEqual(minutes, {self.peer.pk: 0, self.other_peer.pk: 0})


class SupervisionStatusTests(BaseTestCase):
    """Contracts start 1 January 2026 (make_peer)."""

    monthly: SupervisionGroup
    fortnightly: SupervisionGroup
    closed: SupervisionGroup

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.monthly = make_group([cls.peer, cls.other_peer], target_days=28)
        cls.fortnightly = make_group([cls.other_peer], name="Peernetværk", target_days=14)
        cls.closed = make_group([cls.peer], name="Lukket", target_days=7)
        services.close_group(actor=None, group=cls.closed)
        session = make_session(cls.monthly, at(D(2026, 9, 10), 13))
        services.record_attendance(
            actor=None,
            session=session,
            statuses={cls.peer.pk: "present", cls.other_peer.pk: "absent"},
        )

    def status(self, today: datetime.date):
        peers = [self.peer, self.other_peer, self.relative_peer]
        return selectors.supervision_status(peers, today=today)

    def test_due_target_days_after_the_last_attended_session(self):
        # Attended 10 Sep; 28 days later is 8 Oct. The closed 7-day group sets no target.
        on_the_day = self.status(D(2026, 10, 8))[self.peer.pk]
        self.assertEqual(on_the_day.last_attended, D(2026, 9, 10))
        self.assertEqual(on_the_day.target_days, 28)
        self.assertEqual(on_the_day.due_on, D(2026, 10, 8))
        self.assertFalse(on_the_day.overdue)
        self.assertTrue(self.status(D(2026, 10, 9))[self.peer.pk].overdue)

    def test_never_attended_counts_from_the_contract_start_with_the_shortest_target(self):
        # Absent on 10 Sep; shortest target 14 days from 1 Jan 2026: due 15 Jan.
        status = self.status(D(2026, 1, 15))[self.other_peer.pk]
        self.assertIsNone(status.last_attended)
        self.assertEqual((status.target_days, status.due_on), (14, D(2026, 1, 15)))
        self.assertFalse(status.overdue)
        self.assertTrue(self.status(D(2026, 1, 16))[self.other_peer.pk].overdue)

    def test_a_peer_in_no_group_has_no_target_and_is_not_overdue(self):
        status = self.status(D(2026, 10, 9))[self.relative_peer.pk]
        self.assertFalse(status.in_group)
        self.assertIsNone(status.due_on)
        self.assertFalse(status.overdue)

    def test_two_queries(self):
        with self.assertNumQueries(2):
            self.status(D(2026, 10, 9))
