"""Reports with small numbers hidden cover one whole calendar year: two of them can never
be subtracted from each other to reveal a person (issue 16, item 10)."""

from __future__ import annotations

import datetime

from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from brobygger.lib.dates import local_datetime
from brobygger.lib.periods import whole_year, year_bounds
from brobygger.people.models import ConsentSource
from brobygger.referrals import services as referrals
from brobygger.referrals.models import ReferralSource
from brobygger.testing import TODAY, BaseTestCase, make_person

DASHBOARD = reverse("reports:dashboard")
FUNDER_FORM = reverse("reports:funder_report")
FUNDER_CSV = reverse("reports:funder_csv")
FUNDER_PDF = reverse("reports:funder_pdf")
# A year that has ended whatever the clock says: the suite runs on any day.
YEAR = TODAY.year - 1
NOT_A_YEAR = "ikke et helt kalenderår"


class OneYearAtATimeTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # One person referred on New Year's Day, six in the summer: the year shows 7.
        # With any range allowed, 2 January-31 December would show 6, and 7 - 6 = 1
        # person, referred on 1 January.
        days = [datetime.date(YEAR, 1, 1)] + [datetime.date(YEAR, 6, 15)] * 6
        for n, day in enumerate(days):
            referrals.create_referral(
                actor=cls.coordinator,
                source=ReferralSource.SELF,
                person=make_person(f"Henvist{n}", unit=cls.unit, consent=False),
                unit=cls.unit,
                consent_source=ConsentSource.VERBAL,
                received_at=local_datetime(day, datetime.time(10, 0)),
            )

    def year_range(self, **overrides: str) -> dict[str, str]:
        start, end = year_bounds(YEAR)
        return {"fra": start.isoformat(), "til": end.isoformat(), **overrides}

    def test_two_ranges_a_day_apart_cannot_both_be_had(self) -> None:
        self.login(self.evaluator)
        whole = self.client.get(DASHBOARD, self.year_range())
        self.assertEqual(whole.status_code, 200)
        self.assertEqual(whole.context["p"].referrals.total, "7")
        later = self.year_range(fra=f"{YEAR}-01-02", enhed=str(self.unit.pk), model="individual")
        refused = self.client.get(DASHBOARD, later)
        self.assertEqual(refused.status_code, 400)
        self.assertNotIn("p", refused.context)  # no figures at all, so nothing to subtract
        self.assertContains(refused, NOT_A_YEAR, status_code=400)
        self.assertContains(refused, "ét kalenderår ad gangen", status_code=400)
        # Nothing typed is lost: the unit and the model stay chosen, and the year the
        # range begins in is chosen in place of the dates.
        html = refused.content.decode()
        self.assertIn(f'<option value="{YEAR}" selected>', html)
        self.assertIn(f'<option value="{self.unit.pk}" selected>', html)
        self.assertIn('<option value="individual" selected>', html)
        # The funder report is refused the same way, for the evaluator and the coordinator.
        for user in (self.evaluator, self.coordinator):
            self.login(user)
            for url in (FUNDER_CSV, FUNDER_PDF):
                with self.subTest(user=str(user), url=url):
                    response = self.client.get(url, later)
                    self.assertEqual(response.status_code, 400)
                    self.assertNotIn("Content-Disposition", response)
                    self.assertContains(response, NOT_A_YEAR, status_code=400)
                    self.assertTemplateUsed(response, "reports/funder_form.html")

    def test_months_and_quarters_inside_the_year_are_refused_too(self) -> None:
        # A year minus three of its quarters is the fourth: a second kind of period
        # would reopen the subtraction.
        self.login(self.evaluator)
        for start, end in [
            (f"{YEAR}-01-01", f"{YEAR}-03-31"),
            (f"{YEAR}-01-01", f"{YEAR}-01-31"),
            (f"{YEAR - 1}-01-01", f"{YEAR}-12-31"),  # two years hold one year
            (f"{YEAR}-01-01", ""),
        ]:
            with self.subTest(start=start, end=end):
                response = self.client.get(DASHBOARD, {"fra": start, "til": end})
                self.assertEqual(response.status_code, 400)
                self.assertContains(response, NOT_A_YEAR, status_code=400)

    def test_the_year_in_the_list_and_its_first_and_last_day_are_the_same_report(self) -> None:
        self.login(self.evaluator)
        by_list = self.client.get(DASHBOARD, {"aar": str(YEAR)})
        by_dates = self.client.get(DASHBOARD, self.year_range())
        self.assertEqual(by_list.status_code, 200)
        self.assertEqual(by_list.context["scope"], by_dates.context["scope"])
        self.assertEqual(
            (by_list.context["scope"].date_from, by_list.context["scope"].date_to),
            year_bounds(YEAR),
        )
        self.assertEqual(by_list.context["p"].referrals.total, "7")
        self.assertContains(by_list, 'name="aar"')
        self.assertNotContains(by_list, 'name="fra"')
        # The way to the funder report keeps the year, the unit and the model.
        link = by_list.context["report_query"]
        self.assertEqual(link, f"aar={YEAR}")
        report = self.client.get(FUNDER_FORM + "?" + link)
        self.assertContains(report, f'<option value="{YEAR}" selected>')

    def test_the_evaluator_gets_this_year_by_default_and_no_year_to_come(self) -> None:
        self.login(self.evaluator)
        response = self.client.get(DASHBOARD)
        this_year = response.context["scope"].today.year
        self.assertEqual(
            (response.context["scope"].date_from, response.context["scope"].date_to),
            year_bounds(this_year),
        )
        for params in (
            {"aar": str(this_year + 1)},
            {"aar": "1999"},
            {"aar": "toogtyve"},
            self.year_range(fra=f"{this_year + 1}-01-01", til=f"{this_year + 1}-12-31"),
        ):
            with self.subTest(params=params):
                refused = self.client.get(DASHBOARD, params)
                self.assertEqual(refused.status_code, 400)
                self.assertContains(refused, "error-summary", status_code=400)

    def test_the_coordinator_sees_exact_figures_and_keeps_any_period(self) -> None:
        # Nothing of their own units is hidden from a coordinator, so there is nothing
        # to work out by subtraction.
        self.login(self.coordinator)
        response = self.client.get(DASHBOARD, self.year_range(fra=f"{YEAR}-01-02"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["p"].referrals.total, "6")
        self.assertContains(response, 'name="fra"')
        # Their funder report is hidden like everyone's: the link takes the year.
        self.assertEqual(response.context["report_query"], f"aar={YEAR}")


days = st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2100, 12, 31))


@given(days, days, days, days)
def test_two_accepted_periods_are_the_same_or_do_not_touch(a, b, c, d):
    one, two = whole_year(a, b), whole_year(c, d)
    if one is None or two is None:
        return
    first, second = year_bounds(one), year_bounds(two)
    assert first == second or first[1] < second[0] or second[1] < first[0]


@given(st.integers(min_value=2000, max_value=2100), st.integers(min_value=-400, max_value=400))
def test_only_the_first_and_last_day_of_a_year_make_a_year(year, shift):
    start, end = year_bounds(year)
    assert whole_year(start, end) == year
    moved = start + datetime.timedelta(days=shift)
    assert (whole_year(moved, end) == year) == (shift == 0)
