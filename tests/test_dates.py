"""Elapsed time across the switches to and from summer time in Copenhagen."""

import datetime

from django.test import SimpleTestCase

from brobygger.groups.models import GroupSession
from brobygger.lib.dates import TZ, elapsed_minutes


class ElapsedMinutesTests(SimpleTestCase):
    def test_an_evening_across_the_autumn_switch_is_an_hour_longer(self) -> None:
        # 25 October 2026: the clocks go back from 03:00 to 02:00.
        start = datetime.datetime(2026, 10, 25, 1, 0, tzinfo=TZ)
        end = datetime.datetime(2026, 10, 25, 4, 0, tzinfo=TZ)
        self.assertEqual(elapsed_minutes(start, end), 4 * 60)
        self.assertEqual(int((end - start).total_seconds() // 60), 3 * 60)  # the wall clock

    def test_a_night_across_the_spring_switch_is_an_hour_shorter(self) -> None:
        # 29 March 2026: the clocks go forward from 02:00 to 03:00.
        start = datetime.datetime(2026, 3, 29, 1, 0, tzinfo=TZ)
        end = datetime.datetime(2026, 3, 29, 4, 0, tzinfo=TZ)
        self.assertEqual(elapsed_minutes(start, end), 2 * 60)

    def test_mixed_time_zones_and_an_ordinary_day(self) -> None:
        start = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=TZ)
        end = datetime.datetime(2026, 6, 1, 9, 30, tzinfo=datetime.UTC)  # 11:30 local
        self.assertEqual(elapsed_minutes(start, end), 90)

    def test_an_unsaved_group_session_counts_real_minutes(self) -> None:
        session = GroupSession(
            starts_at=datetime.datetime(2026, 10, 25, 1, 30, tzinfo=TZ),
            ends_at=datetime.datetime(2026, 10, 25, 3, 30, tzinfo=TZ),
        )
        self.assertEqual(session.minutes, 180)
