"""Issue 19: the month that is still running is judged against its working days so far, as
the dashboard judges its period up to today, not against the whole month's band (which
made every peer "under the contract" until late in the month)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from brobygger.lib.dates import local_datetime
from brobygger.timesheets import hours, months, selectors, sources
from brobygger.workforce import services as workforce

from .helpers import TimesheetTestCase, at

pytestmark = pytest.mark.timeless

# Friday 4 December 2026, 10:00: four working days of December so far (Tuesday to Friday).
FRIDAY = local_datetime(datetime.date(2026, 12, 4), datetime.time(10))
YEAR, MONTH = 2026, 12
WORKING_DAYS = months.working_days_between(datetime.date(2026, 12, 1), datetime.date(2026, 12, 31))
# The cast's peer has 8-15 hours a week: four days are 6,40-12,00 hours, December's 22
# working days 35,20-66,00.
SO_FAR_MIN, SO_FAR_MAX = 8 * 60 * 4 // 5, 15 * 60 * 4 // 5


class MonthSoFarTests(TimesheetTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.traveller = time_machine.travel(FRIDAY, tick=False)
        self.traveller.start()
        self.addCleanup(self.traveller.stop)

    def hold_seven_and_a_half_hours(self) -> None:
        for day in (1, 2, 3):
            self.held(at(datetime.date(2026, 12, day), 10), 150)

    def test_hours_so_far_are_within_the_band_so_far(self):
        self.hold_seven_and_a_half_hours()
        figures = selectors.figures_for(self.peer, YEAR, MONTH)
        self.assertEqual(figures.total, 450)
        self.assertIsNotNone(figures.so_far)
        assert figures.so_far is not None
        self.assertEqual(figures.so_far.working_days, 4)
        self.assertEqual(figures.so_far.until, datetime.date(2026, 12, 4))
        self.assertEqual((figures.so_far.contract_min, figures.so_far.contract_max), (384, 720))
        # The whole month's band is still the one shown (and the one a confirmation keeps) ...
        self.assertEqual(figures.working_days, WORKING_DAYS)
        self.assertEqual(figures.contract_min, 8 * 60 * WORKING_DAYS // 5)
        self.assertLess(figures.total, figures.contract_min)
        # ... but 7,50 hours in four days is within the contract, not under it.
        self.assertFalse(figures.under)
        self.assertFalse(figures.over)
        summary = selectors.month_summary([self.peer.pk], YEAR, MONTH)[self.peer.pk]
        self.assertFalse(summary.under)
        self.assertEqual(summary.so_far, figures.so_far)

    def test_nothing_yet_is_under_the_band_so_far(self):
        figures = selectors.figures_for(self.peer, YEAR, MONTH)
        self.assertTrue(figures.under)

    def test_more_than_the_days_so_far_allow_is_over(self):
        for day in (1, 2, 3, 4):
            self.held(at(datetime.date(2026, 12, day), 9), 240)
        figures = selectors.figures_for(self.peer, YEAR, MONTH)
        self.assertEqual(figures.total, 960)
        self.assertTrue(figures.over)

    def test_the_dashboard_and_the_timesheet_use_the_same_band_so_far(self):
        first, today = datetime.date(2026, 12, 1), datetime.date(2026, 12, 4)
        period = hours.peer_hours(
            [(self.peer.pk, self.peer.user_id, selectors.contract_of(self.peer))], first, today
        )[self.peer.pk]
        figures = selectors.figures_for(self.peer, YEAR, MONTH)
        assert figures.so_far is not None
        self.assertEqual(
            (period.contract_min, period.contract_max),
            (figures.so_far.contract_min, figures.so_far.contract_max),
        )

    def test_education_later_in_the_month_is_not_counted_before_its_days(self):
        # 20 hours over Tuesday 1 to Monday 14 December: 10 weekdays, 120 minutes each.
        workforce.create_education_record(
            actor=self.coordinator,
            peer=self.peer,
            provider="Peer-uddannelsen",
            title="Grundforløb",
            starts_on=datetime.date(2026, 12, 1),
            ends_on=datetime.date(2026, 12, 14),
            status="ongoing",
            hours=Decimal(20),
            cost=Decimal(0),
            paid_by_employer=True,
            note="",
        )
        peers = {self.peer.pk: self.peer.user_id}
        self.assertEqual(sources.live_totals(peers, YEAR, MONTH)[self.peer.pk]["education"], 480)
        self.assertEqual(selectors.figures_for(self.peer, YEAR, MONTH).total, 480)
        with time_machine.travel(local_datetime(datetime.date(2027, 1, 4), datetime.time(9))):
            self.assertEqual(
                sources.live_totals(peers, YEAR, MONTH)[self.peer.pk]["education"], 1200
            )
        # A month to come has no hours yet.
        self.assertEqual(sum(sources.live_totals(peers, 2027, 1)[self.peer.pk].values()), 0)

    def test_a_month_that_has_ended_is_judged_against_its_whole_band(self):
        november = selectors.figures_for(self.peer, 2026, 11)
        self.assertIsNone(november.so_far)
        self.assertTrue(november.under)

    def test_the_timesheet_says_so_far_and_judges_by_it(self):
        self.hold_seven_and_a_half_hours()
        self.login(self.peer)
        page = self.client.get(reverse("timesheets:my_month_of", args=[YEAR, MONTH]))
        self.assertContains(
            page, f"Kontrakt: 35,20\u201366,00 timer i december 2026: {WORKING_DAYS} arbejdsdage."
        )
        self.assertContains(
            page,
            "Hidtil, til og med 4. december: 6,40\u201312,00 timer, "
            f"4 af {WORKING_DAYS} arbejdsdage.",
        )
        self.assertContains(page, "Inden for kontrakten hidtil")
        self.assertNotContains(page, "Under kontrakten")
        november = self.client.get(reverse("timesheets:my_month_of", args=[2026, 11]))
        self.assertNotContains(november, "Hidtil")
        self.assertContains(november, "Under kontrakten</span>")

    def test_the_overviews_say_so_far_in_the_same_words(self):
        self.hold_seven_and_a_half_hours()
        self.login(self.coordinator)
        overview = self.client.get(reverse("timesheets:overview_of", args=[YEAR, MONTH]))
        short = f"Hidtil: 6,40\u201312,00 timer (4 af {WORKING_DAYS} arbejdsdage)"
        self.assertContains(overview, short)
        self.assertContains(overview, "Inden for kontrakten hidtil")
        workforce = self.client.get(reverse("workforce:overview"))
        self.assertContains(workforce, short)
        self.assertContains(workforce, "Inden for kontrakten hidtil")

    def test_english(self):
        self.login(self.peer)
        url = reverse("timesheets:my_month_of", args=[YEAR, MONTH])
        self.client.post(reverse("accounts:set_language"), {"language": "en", "next": url})
        page = self.client.get(url)
        self.assertContains(
            page,
            "So far, up to and including 4 December: 6.40\u201312.00 hours, "
            f"4 of {WORKING_DAYS} working days.",
        )
        self.assertContains(page, "Under the contract so far")
