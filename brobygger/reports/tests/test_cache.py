"""Report figures kept between requests and refreshed by the task worker after a change
(reports/cache.py, issue 19)."""

from __future__ import annotations

import datetime
from unittest import mock

import time_machine
from django.core.cache import caches
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from brobygger.people.models import ConsentSource
from brobygger.referrals import services as referral_services
from brobygger.referrals.models import ReferralSource, SupportModel
from brobygger.reports.refresh import refresh_report
from brobygger.reports.scope import Scope
from brobygger.testing import BaseTestCase, count_queries, make_person

from .helpers import at_today, build_programme

URL = reverse("reports:dashboard")
PDF = reverse("reports:funder_pdf")
CSV = reverse("reports:funder_csv")
WORKER = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@override_settings(REPORT_CACHE_SECONDS=300, TASKS=WORKER)
class ReportCacheTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        caches["reports"].clear()
        self.addCleanup(caches["reports"].clear)
        clock = at_today()
        clock.start()
        self.addCleanup(clock.stop)
        build_programme(
            unit=self.unit, peer=self.peer, relative_peer=self.relative_peer, actor=self.coordinator
        )
        self.login(self.coordinator)  # exact figures, no small counts hidden

    def dashboard(self) -> tuple[int, bool, str]:
        """The referrals total, whether the figures are current, and their line."""
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 200)
        line = response.content.decode().split('data-testid="report-computed">')[1]
        return int(response.context["p"].referrals.total), response.context["current"], line

    def refer(self) -> None:
        referral_services.create_referral(
            actor=self.coordinator,
            person=make_person("Nyhenvist", unit=self.unit),
            source=ReferralSource.SELF,
            unit=self.unit,
            consent_source=ConsentSource.VERBAL,
        )

    def work(self) -> None:
        """`manage.py db_worker` runs every enqueued task, then exits. Its check of the
        database connection between tasks would close the test's transaction: left out."""
        with mock.patch(
            "django_tasks_db.management.commands.db_worker.close_old_connections"
        ) as hygiene:
            call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
        self.assertTrue(hygiene.called)

    def test_a_repeated_dashboard_reads_far_fewer_queries(self) -> None:
        with count_queries() as first:
            self.client.get(URL)
        with count_queries() as second:
            self.client.get(URL)
        self.assertLess(len(second), len(first) - 10)

    def test_after_a_change_the_kept_figures_show_with_their_time_until_the_worker_is_done(
        self,
    ) -> None:
        before, current, line = self.dashboard()
        self.assertTrue(current)
        with count_queries() as kept:
            self.dashboard()
        made = timezone.localtime().strftime("%H.%M")
        self.assertIn(f"Tal opgjort {timezone.localdate().day}.", line)
        self.assertIn(made, line)
        self.assertNotIn("genindlæs", line)
        self.refer()
        later = timezone.now() + datetime.timedelta(seconds=90)
        with time_machine.travel(later, tick=False):
            with count_queries() as stale:
                total, current, line = self.dashboard()
            self.assertEqual(total, before)  # the kept figures, fast ...
            self.assertFalse(current)
            self.assertIn(made, line)  # ... with the time they were made
            self.assertIn("genindlæs siden om et øjeblik", line)
            # Nothing computed: no query of the figures' tables (the kept path's queries,
            # the refresh's claim and the task's row, a session renewal, and each write's
            # change count for the page cache, brobygger/pagecache/tracking.py).
            tables = ("scheduling_appointment", "referrals_referral", "referrals_course")
            for query in stale.captured_queries:
                self.assertFalse(any(t in query["sql"] for t in tables), query["sql"])
            self.assertLess(len(stale), len(kept) + 13)
            self.assertEqual(DBTaskResult.objects.count(), 1)  # one refresh enqueued ...
            self.dashboard()
            self.assertEqual(DBTaskResult.objects.count(), 1)  # ... however often it is asked
            self.work()
            total, current, line = self.dashboard()
            self.assertEqual(total, before + 1)
            self.assertTrue(current)
            self.assertIn(timezone.localtime().strftime("%H.%M"), line)
            self.assertNotIn("genindlæs", line)
            # The refresh released its claim: the next change enqueues the next one.
            self.refer()
            self.dashboard()
            self.assertEqual(DBTaskResult.objects.count(), 2)

    def test_a_refresh_that_fails_is_asked_for_again(self) -> None:
        before, _current, _line = self.dashboard()
        self.refer()
        self.dashboard()
        with mock.patch.dict(
            "brobygger.reports.refresh.COMPUTE", {"figures": mock.Mock(side_effect=RuntimeError)}
        ):
            self.work()
        self.assertEqual(DBTaskResult.objects.filter(status="FAILED").count(), 1)
        total, current, _line = self.dashboard()  # still the kept figures ...
        self.assertEqual((total, current), (before, False))
        self.assertEqual(DBTaskResult.objects.count(), 2)  # ... and a new refresh asked for
        self.work()
        self.assertEqual(self.dashboard()[:2], (before + 1, True))

    def test_figures_older_than_the_limit_are_computed_in_the_request(self) -> None:
        before, _current, _line = self.dashboard()
        with count_queries() as kept:
            self.dashboard()
        self.refer()
        later = timezone.now() + datetime.timedelta(seconds=301)
        with time_machine.travel(later, tick=False), count_queries() as computed:
            total, current, _line = self.dashboard()
        self.assertGreater(len(computed), len(kept) + 10)
        self.assertEqual(total, before + 1)
        self.assertTrue(current)
        self.assertEqual(DBTaskResult.objects.count(), 0)  # nothing left for the worker

    def test_unchanged_figures_expire_too(self) -> None:
        """A write that bypassed the services (a repair in the shell) records no change:
        it shows within the limit all the same."""
        self.dashboard()
        with count_queries() as kept:
            self.dashboard()
        later = timezone.now() + datetime.timedelta(seconds=301)
        with time_machine.travel(later, tick=False), count_queries() as expired:
            self.dashboard()
        self.assertGreater(len(expired), len(kept) + 10)

    def test_the_funder_pdf_is_made_once_and_refreshed_after_a_change(self) -> None:
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
        self.refer()
        self.assertEqual(self.client.get(PDF, year).content, first.content)
        self.assertEqual(DBTaskResult.objects.count(), 1)
        self.work()
        with count_queries() as refreshed:
            third = self.client.get(PDF, year)
        self.assertTrue(third.content.startswith(b"%PDF"))
        self.assertNotEqual(third.content, first.content)  # made again, at a new time
        self.assertLess(len(refreshed), 12)

    def test_the_csv_keeps_its_report_under_its_language(self) -> None:
        year = {"aar": str(timezone.localdate().year)}
        danish = self.client.get(CSV, year).content.decode()
        english = self.client.get(CSV, {**year, "sprog": "en"}).content.decode()
        self.assertIn("Henvisninger", danish)
        self.assertNotIn("Henvisninger", english)
        self.assertEqual(self.client.get(CSV, year).content.decode(), danish)


class RefreshTaskTests(BaseTestCase):
    def test_a_scope_goes_through_a_tasks_arguments_unchanged(self) -> None:
        today = timezone.localdate()
        for units in (None, (3, 7)):
            scope = Scope(
                date_from=datetime.date(today.year, 1, 1),
                date_to=today,
                today=today,
                models=(SupportModel.INDIVIDUAL, SupportModel.BRIDGE),
                unit_ids=units,
                include_no_unit=units is not None,
                unit_label="Afsnit 3" if units else "",
            )
            self.assertEqual(Scope.from_json(scope.as_json()), scope)

    def test_an_unknown_kind_is_refused(self) -> None:
        today = timezone.localdate()
        scope = Scope(today, today, today, (SupportModel.INDIVIDUAL,), None, False, "")
        with self.assertRaisesMessage(ValueError, "Unknown kind of report"):
            refresh_report.call("nothing", scope.as_json(), "da")
