"""Issue 19: a peer away for part of the coming weeks has that much less free capacity in
matching; one away for all of them gets no new persons, and the pages say why."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from brobygger.matching.selectors import (
    COMING_DAYS,
    coming_absences,
    peer_profiles,
    peer_queryset,
    suggestions_for,
)
from brobygger.scheduling import services as scheduling
from brobygger.scheduling.models import ExceptionKind
from brobygger.timesheets import months

from .test_views import MatchingTests

DAY = datetime.timedelta(days=1)


class AbsenceCapacityTests(MatchingTests):
    def away(self, first: datetime.date, last: datetime.date) -> None:
        scheduling.add_exception(
            actor=None, peer=self.peer, starts_on=first, ends_on=last, kind=ExceptionKind.HOLIDAY
        )

    def free_hours(self) -> float:
        pool = peer_profiles(list(peer_queryset()), self.hours_per_course)
        return next(p.free_hours for p in pool if p.id == self.peer.pk)

    @property
    def hours_per_course(self):
        from brobygger.matching.models import MatchingSettings

        return MatchingSettings.current().hours_per_course

    def test_a_holiday_ahead_lowers_free_hours_by_its_share_of_the_coming_weeks(self):
        full = self.free_hours()
        today = timezone.localdate()
        first, last = today + 7 * DAY, today + 13 * DAY
        self.away(first, last)
        window = (today, today + (COMING_DAYS - 1) * DAY)
        working = months.working_days_between(*window, contract_start=self.peer.contract_start)
        absent = months.absent_working_days([(first, last)], *window)
        self.assertGreater(absent, 0)
        expected = full * (working - absent) / working
        self.assertTrue(
            expected - 0.1 < self.free_hours() <= expected, (self.free_hours(), expected)
        )
        found = suggestions_for(self.referral)
        self.assertEqual(found[0]["peer"], self.peer)
        texts = " ".join(r["text"] for r in found[0]["reasons"])
        self.assertIn(f"(væk {absent} af de kommende {working} arbejdsdage)", texts)

    def test_away_for_all_the_coming_weeks_gets_no_new_persons_and_says_why(self):
        today = timezone.localdate()
        until = today + (COMING_DAYS + 3) * DAY
        self.away(today - 2 * DAY, until)
        self.assertEqual(self.free_hours(), 0.0)
        self.assertNotIn(self.peer, [s["peer"] for s in suggestions_for(self.referral)])
        self.login(self.coordinator)
        page = self.client.get(reverse("referrals:referral_detail", args=[self.referral.pk]))
        self.assertContains(page, 'data-testid="not-offered"')
        self.assertContains(page, f"{self.peer.name}: holder ferie til")
        batch = self.client.get(reverse("matching:batch"))
        self.assertContains(batch, f"{self.peer.name}: holder ferie til")

    def test_an_absence_after_the_coming_weeks_changes_nothing(self):
        full = self.free_hours()
        later = timezone.localdate() + (COMING_DAYS + 1) * DAY
        self.away(later, later + 4 * DAY)
        self.assertEqual(self.free_hours(), full)
        self.assertEqual(coming_absences([self.peer]), {})

    def test_coming_absences_ask_one_query_whatever_the_number_of_peers(self):
        today = timezone.localdate()
        self.away(today + 7 * DAY, today + 13 * DAY)
        peers = list(peer_queryset())
        with self.assertNumQueries(1):
            found = coming_absences(peers)
        self.assertEqual(list(found), [self.peer.pk])
