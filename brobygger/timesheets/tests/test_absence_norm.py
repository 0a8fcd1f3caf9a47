"""Issue 19: whole days away lower a peer's monthly norm, the same on every page that says
under/over contract (timesheets.hours.norms)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from brobygger.scheduling import services as scheduling
from brobygger.scheduling.models import ExceptionKind
from brobygger.timesheets import hours, months, selectors, services

from .helpers import TimesheetTestCase

pytestmark = pytest.mark.timeless

# September 2026: 22 working days, no public holiday. The cast's peer has 8-15 hours a week.
YEAR, MONTH = 2026, 9
# One sentence for the norm (issue 19): the band, the month, the working days and the days
# away among them with the hours they took off.
SENTENCE = (
    "Kontrakt: 27,20\u201351,00 timer i september 2026: 22 arbejdsdage, heraf 5 fraværsdage "
    "(\u22128,00\u201315,00 timer)."
)
OFF = "22 arbejdsdage, heraf 5 fraværsdage (\u22128,00\u201315,00 timer)"
HOLIDAY_WEEK = (datetime.date(2026, 9, 7), datetime.date(2026, 9, 11))


class AbsenceNormTests(TimesheetTestCase):
    def away(self, first: datetime.date, last: datetime.date, kind: str = ExceptionKind.HOLIDAY):
        return scheduling.add_exception(
            actor=None, peer=self.peer, starts_on=first, ends_on=last, kind=kind
        )

    def test_a_weeks_holiday_takes_five_working_days_off_the_norm(self):
        before = selectors.figures_for(self.peer, YEAR, MONTH)
        self.assertEqual((before.working_days, before.absent_days), (22, 0))
        self.assertEqual(
            (before.contract_min, before.contract_max), (8 * 60 * 22 // 5, 15 * 60 * 22 // 5)
        )
        self.away(*HOLIDAY_WEEK)
        after = selectors.figures_for(self.peer, YEAR, MONTH)
        self.assertEqual(after.absent_days, 5)
        self.assertEqual(after.contract_min, 8 * 60 * 17 // 5)
        self.assertEqual(after.contract_max, 15 * 60 * 17 // 5)
        self.assertEqual((after.absence_min, after.absence_max), (8 * 60, 15 * 60))

    def test_weekends_and_public_holidays_inside_an_absence_do_not_count(self):
        # Wednesday 1 April to Tuesday 7 April 2026: Maundy Thursday, Good Friday, the
        # weekend and Easter Monday are no working days; Wednesday and Tuesday are.
        first, last = datetime.date(2026, 4, 1), datetime.date(2026, 4, 7)
        self.assertEqual(months.absent_working_days([(first, last)], first, last), 2)
        self.away(first, last, ExceptionKind.SICK)
        figures = selectors.figures_for(self.peer, 2026, 4)
        self.assertEqual(figures.absent_days, 2)
        self.assertEqual(
            figures.contract_min, months.contract_minutes(Decimal(8), figures.working_days - 2)
        )

    def test_an_absence_across_months_counts_in_each_its_own_days(self):
        self.away(datetime.date(2026, 9, 28), datetime.date(2026, 10, 2))  # Mon-Fri
        self.assertEqual(selectors.figures_for(self.peer, 2026, 9).absent_days, 3)
        self.assertEqual(selectors.figures_for(self.peer, 2026, 10).absent_days, 2)

    def test_hours_away_and_extra_time_leave_the_norm_alone(self):
        day = datetime.date(2026, 9, 15)
        for kind, start, end in (("unavailable", 9, 11), ("extra", 13, 15)):
            scheduling.add_exception(
                actor=None,
                peer=self.peer,
                starts_on=day,
                kind=kind,
                start_time=datetime.time(start),
                end_time=datetime.time(end),
            )
        self.assertEqual(selectors.figures_for(self.peer, YEAR, MONTH).absent_days, 0)

    def test_days_away_outside_the_contract_do_not_count(self):
        contract = hours.Contract(
            hours_min=self.peer.hours_min,
            hours_max=self.peer.hours_max,
            start=datetime.date(2026, 9, 9),
            end=None,
            away=(HOLIDAY_WEEK,),
        )
        norm = hours.contract_band(
            contract, months.first_day(YEAR, MONTH), months.last_day(YEAR, MONTH)
        )
        self.assertEqual((norm.working_days, norm.absent_days), (16, 3))

    def test_every_page_measures_against_the_same_norm(self):
        self.away(*HOLIDAY_WEEK)
        figures = selectors.figures_for(self.peer, YEAR, MONTH)
        summary = selectors.month_summary([self.peer.pk], YEAR, MONTH)[self.peer.pk]
        period = hours.peer_hours(
            [(self.peer.pk, self.peer.user_id, selectors.contract_of(self.peer))],
            months.first_day(YEAR, MONTH),
            months.last_day(YEAR, MONTH),
        )[self.peer.pk]
        snapshot = services.snapshot_values(self.peer, YEAR, MONTH)
        band = (figures.contract_min, figures.contract_max)
        self.assertEqual((summary.minutes_contract_min, summary.minutes_contract_max), band)
        self.assertEqual((period.contract_min, period.contract_max), band)
        self.assertEqual((period.working_days, period.absent_days), (22, 5))
        self.assertEqual((snapshot["contract_min_minutes"], snapshot["contract_max_minutes"]), band)

    def test_norms_ask_one_query_whatever_the_number_of_peers(self):
        self.away(*HOLIDAY_WEEK)
        contracts = {p.pk: selectors.contract_of(p) for p in (self.peer, self.other_peer)}
        first, last = months.first_day(YEAR, MONTH), months.last_day(YEAR, MONTH)
        with self.assertNumQueries(1):
            found = hours.norms(contracts, first, last)
        self.assertEqual(found[self.peer.pk].absent_days, 5)
        self.assertEqual(found[self.other_peer.pk].absent_days, 0)

    def test_the_timesheet_shows_the_hours_the_absence_took_off(self):
        self.away(*HOLIDAY_WEEK)
        self.login(self.peer)
        page = self.client.get(reverse("timesheets:my_month_of", args=[YEAR, MONTH]))
        self.assertContains(page, SENTENCE)
        self.assertContains(page, OFF)
        self.login(self.coordinator)
        page = self.client.get(reverse("timesheets:peer_month", args=[YEAR, MONTH, self.peer.pk]))
        self.assertContains(page, OFF)
        # Another peer's month says nothing of it.
        page = self.client.get(
            reverse("timesheets:peer_month", args=[YEAR, MONTH, self.other_peer.pk])
        )
        self.assertContains(page, "i september 2026: 22 arbejdsdage.")
        self.assertNotContains(page, "fraværsdage")

    def test_the_month_overview_says_the_norm_in_the_timesheets_words(self):
        self.away(*HOLIDAY_WEEK)
        self.login(self.coordinator)
        overview = self.client.get(reverse("timesheets:overview_of", args=[YEAR, MONTH]))
        self.assertContains(overview, "27,20\u201351,00 timer")
        self.assertContains(overview, OFF)

    def test_a_confirmed_month_says_its_days_away_on_the_overview_as_on_the_timesheet(self):
        self.away(*HOLIDAY_WEEK)
        self.confirmed(YEAR, MONTH)
        self.login(self.coordinator)
        overview = self.client.get(reverse("timesheets:overview_of", args=[YEAR, MONTH]))
        self.assertContains(overview, "27,20\u201351,00 timer")  # the snapshot's band ...
        self.assertContains(overview, OFF)  # ... and the days away it was computed from
        month = self.client.get(reverse("timesheets:peer_month", args=[YEAR, MONTH, self.peer.pk]))
        self.assertContains(month, SENTENCE)

    def test_the_sentence_in_english_and_with_one_day_away(self):
        self.away(datetime.date(2026, 9, 7), datetime.date(2026, 9, 7))
        self.login(self.peer)
        url = reverse("timesheets:my_month_of", args=[YEAR, MONTH])
        page = self.client.get(url)
        self.assertContains(
            page, "22 arbejdsdage, heraf 1 fraværsdag (\u22121,60\u20133,00 timer)."
        )
        self.client.post(reverse("accounts:set_language"), {"language": "en", "next": url})
        english = self.client.get(url)
        self.assertContains(
            english,
            "Contract: 33.60\u201363.00 hours in September 2026: 22 working days, "
            "1 of them a day away (\u22121.60\u20133.00 hours).",
        )
