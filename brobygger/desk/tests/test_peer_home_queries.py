"""The peer's home page reads a fixed number of queries whatever the caseload (issue 19)."""

from __future__ import annotations

import datetime

from django.test import override_settings
from django.utils import timezone

from brobygger.scheduling import services as scheduling_services
from brobygger.testing import BaseTestCase, count_queries, make_course, make_person

HOME = "/hjem/"


# The page as its view builds it, every time (a kept page, brobygger/pagecache, asks 3
# queries and the access log's, whatever the page: pagecache/tests/test_keep.py).
@override_settings(PAGE_CACHE_SECONDS=0)
class PeerHomeQueryBudgetTests(BaseTestCase):
    def add_courses(self, n: int, start: int) -> None:
        """`n` more courses on the peer's caseload, each with a conversation booked soon."""
        soon = timezone.now() + datetime.timedelta(hours=1, minutes=40 * start)
        for i in range(start, start + n):
            course = make_course(make_person(f"Caseload{i:02d}", unit=self.unit), self.peer)
            scheduling_services.book(
                actor=self.peer.user,
                course=course,
                starts_at=soon,
                minutes=30,
                mode="phone",
                allow_over_contract=True,
                override_reason="Test of the page's query count",
            )
            soon += datetime.timedelta(minutes=40)

    def test_peer_home_query_count_does_not_grow_with_the_caseload(self):
        self.login(self.peer)
        self.add_courses(2, 0)
        self.client.get(HOME)
        with count_queries() as few:
            small = self.client.get(HOME)
        self.add_courses(28, 2)
        # Shown once before: persons shown together for the first time are stored as a set.
        self.client.get(HOME)
        with count_queries() as many:
            large = self.client.get(HOME)
        self.assertContains(small, "Caseload01")
        self.assertContains(large, "Caseload29")
        self.assertEqual(len(many), len(few), [q["sql"][:120] for q in many.captured_queries])

    def test_peer_home_query_budget(self):
        # The ping's 4, the page's own reads (courses, the week's conversations and group
        # sessions, a panel seat, proposals, onboarding), and the access log's entry.
        self.login(self.peer)
        self.add_courses(2, 0)
        self.client.get(HOME)
        with count_queries() as queries:
            self.client.get(HOME)
        self.assertLessEqual(len(queries), 16, [q["sql"][:120] for q in queries.captured_queries])
