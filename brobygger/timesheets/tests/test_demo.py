"""The demo year: earlier months approved, last month confirmed, this month a draft, and
every snapshot equal to what the sources count."""

import random
from types import SimpleNamespace

from django.utils import timezone

from brobygger.timesheets import months, selectors
from brobygger.timesheets.demo import build_demo
from brobygger.timesheets.models import IndirectEntry, Timesheet, TimesheetState

from .helpers import TimesheetTestCase


class DemoTests(TimesheetTestCase):
    def test_a_year_of_timesheets(self):
        today = timezone.localdate()
        builder = SimpleNamespace(
            rng=random.Random(7),
            today=today,
            peers=[self.peer, self.other_peer],
            coordinator=self.coordinator,
        )
        build_demo(builder)
        this = (today.year, today.month)
        last = months.add_months(*this, -1)
        sheets = {(s.year, s.month): s for s in Timesheet.objects.filter(peer=self.peer)}
        self.assertLessEqual(len(sheets), 12)
        self.assertEqual(sheets[this].state, TimesheetState.DRAFT)
        self.assertEqual(sheets[last].state, TimesheetState.CONFIRMED)
        earlier = [s for key, s in sheets.items() if key not in (this, last)]
        self.assertTrue(earlier)
        self.assertTrue(all(s.state == TimesheetState.APPROVED for s in earlier))
        self.assertTrue(all(s.approved_by == self.coordinator for s in earlier))
        for year, month in sheets:
            if (year, month) == this:
                continue
            page = selectors.month_page(self.peer, year, month)
            self.assertEqual(page["drift"], [], (year, month))  # snapshot = the sources
        entries = IndirectEntry.objects.filter(timesheet__peer=self.peer)
        self.assertTrue(entries.exists())
        self.assertFalse(entries.filter(date__gt=today).exists())
        self.assertFalse(entries.filter(description__contains="Dorte").exists())
