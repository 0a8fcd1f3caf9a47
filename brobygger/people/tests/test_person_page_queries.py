"""The person page reads a fixed number of queries whatever the person's history (issue 19)."""

from __future__ import annotations

from django.test import override_settings
from django.urls import reverse

from brobygger.people import services
from brobygger.people.models import ConsentKind, ConsentSource, PersonKind, Relationship
from brobygger.testing import BaseTestCase, count_queries, make_person


# The page as its view builds it, every time (a kept page, brobygger/pagecache, asks 3
# queries and the access log's, whatever the page: pagecache/tests/test_keep.py).
@override_settings(PAGE_CACHE_SECONDS=0)
class PersonPageQueryBudgetTests(BaseTestCase):
    def add_history(self, n: int, start: int) -> None:
        """`n` more relatives of Alice, each named by a consent, and `n` corrections."""
        for i in range(start, start + n):
            relative = make_person(f"Relative{i:02d}", kind=PersonKind.RELATIVE, unit=self.unit)
            services.link_relative(
                actor=self.coordinator,
                relative=relative,
                patient=self.alice,
                relationship=Relationship.SIBLING,
            )
            services.record_consent(
                actor=self.coordinator,
                person=self.alice,
                kind=ConsentKind.SHARE_WITH_RELATIVES,
                source=ConsentSource.VERBAL,
                recipient=relative,
            )
            services.update_person(actor=self.coordinator, person=self.alice, phone=f"2030{i:04d}")

    def test_person_page_query_count_does_not_grow_with_the_persons_history(self):
        url = reverse("people:person_detail", args=[self.alice.pk])
        self.login(self.coordinator)
        self.add_history(2, 0)
        self.client.get(url)
        with count_queries() as few:
            small = self.client.get(url)
        self.add_history(28, 2)
        # Shown once before: persons shown together for the first time are stored as a set.
        self.client.get(url)
        with count_queries() as many:
            large = self.client.get(url)
        self.assertContains(small, "Relative01")
        self.assertContains(large, "Relative29")
        self.assertEqual(len(many), len(few), [q["sql"][:120] for q in many.captured_queries])
