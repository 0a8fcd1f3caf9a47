"""Report figures kept while nothing changes, computed afresh after any change (issue 19)."""

from __future__ import annotations

import datetime

import time_machine
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from brobygger.people.models import ConsentSource
from brobygger.referrals import services as referral_services
from brobygger.referrals.models import ReferralSource
from brobygger.testing import BaseTestCase, count_queries, make_person

from .helpers import at_today, build_programme

URL = reverse("reports:dashboard")
PDF = reverse("reports:funder_pdf")


@override_settings(REPORT_CACHE_SECONDS=300)
class ReportCacheTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.addCleanup(cache.clear)
        clock = at_today()
        clock.start()
        self.addCleanup(clock.stop)
        build_programme(
            unit=self.unit, peer=self.peer, relative_peer=self.relative_peer, actor=self.coordinator
        )
        self.login(self.evaluator)

    def referrals_total(self) -> str:
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 200)
        return str(response.context["p"].referrals.total)

    def test_a_repeated_dashboard_reads_far_fewer_queries(self) -> None:
        with count_queries() as first:
            self.client.get(URL)
        with count_queries() as second:
            self.client.get(URL)
        self.assertLess(len(second), len(first) - 10)

    def test_a_change_shows_at_once(self) -> None:
        self.login(self.coordinator)  # exact figures, no small counts hidden
        before = self.referrals_total()
        self.assertEqual(self.referrals_total(), before)  # from the cache
        referral_services.create_referral(
            actor=self.coordinator,
            person=make_person("Nyhenvist", unit=self.unit),
            source=ReferralSource.SELF,
            unit=self.unit,
            consent_source=ConsentSource.VERBAL,
        )
        self.assertEqual(int(self.referrals_total()), int(before) + 1)

    def test_entries_expire(self) -> None:
        self.referrals_total()
        with count_queries() as cached:
            self.referrals_total()
        later = timezone.now() + datetime.timedelta(seconds=301)
        with time_machine.travel(later, tick=False), count_queries() as expired:
            self.referrals_total()
        self.assertGreater(len(expired), len(cached) + 10)

    def test_the_funder_pdf_is_made_once_until_a_change(self) -> None:
        year = {"aar": str(timezone.localdate().year)}
        first = self.client.get(PDF, year)
        self.assertEqual(first.status_code, 200)
        self.assertTrue(first.content.startswith(b"%PDF"))
        with count_queries() as again:
            second = self.client.get(PDF, year)
        self.assertEqual(second.content, first.content)
        self.assertLess(len(again), 12)
        english = self.client.get(PDF, {**year, "sprog": "en"})
        self.assertNotEqual(english.content, first.content)  # the language is in the key
