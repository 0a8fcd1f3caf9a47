"""The peer's week reads a fixed number of queries whatever it holds (issue 19)."""

from __future__ import annotations

import datetime

from django.test import override_settings
from django.urls import reverse

from brobygger.lib.dates import local_datetime, week_start
from brobygger.scheduling import services
from brobygger.testing import TODAY, BaseTestCase, count_queries, make_course, make_person

NEXT_MONDAY = week_start(TODAY) + datetime.timedelta(days=7)


# The page as its view builds it, every time (a kept page, brobygger/pagecache, asks 3
# queries and the access log's, whatever the page: pagecache/tests/test_keep.py).
@override_settings(PAGE_CACHE_SECONDS=0)
class PeerWeekQueryBudgetTests(BaseTestCase):
    def book(self, n: int, start: int) -> None:
        """`n` more conversations next week, each with a person of its own."""
        for i in range(start, start + n):
            course = make_course(make_person(f"Weekly{i:02d}", unit=self.unit), self.peer)
            services.book(
                actor=self.peer.user,
                course=course,
                starts_at=local_datetime(NEXT_MONDAY, datetime.time(7, 0))
                + datetime.timedelta(minutes=40 * i),
                minutes=30,
                mode="phone",
                allow_over_contract=True,
                override_reason="Test of the page's query count",
            )

    def test_my_week_query_count_does_not_grow_with_the_week(self):
        url = reverse("scheduling:my_week") + f"?uge={NEXT_MONDAY.isoformat()}"
        self.login(self.peer)
        self.book(2, 0)
        self.client.get(url)
        with count_queries() as few:
            small = self.client.get(url)
        self.book(28, 2)
        # Shown once before: persons shown together for the first time are stored as a set.
        self.client.get(url)
        with count_queries() as many:
            large = self.client.get(url)
        self.assertContains(small, "Weekly01")
        self.assertContains(large, "Weekly29")
        self.assertEqual(len(many), len(few), [q["sql"][:120] for q in many.captured_queries])
