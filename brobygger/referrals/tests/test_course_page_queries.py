"""The course page reads a fixed number of queries whatever the course's history (issue 19)."""

from __future__ import annotations

import datetime

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from brobygger.people import services as people_services
from brobygger.people.models import ConsentKind, ConsentSource, PersonKind, Relationship
from brobygger.scheduling import services as scheduling_services
from brobygger.testing import BaseTestCase, count_queries, make_person


# The page as its view builds it, every time (a kept page, brobygger/pagecache, asks 3
# queries and the access log's, whatever the page: pagecache/tests/test_keep.py).
@override_settings(PAGE_CACHE_SECONDS=0)
class CoursePageQueryBudgetTests(BaseTestCase):
    def add_history(self, n: int, start: int) -> None:
        """`n` more conversations booked in Alice's course and `n` relatives she shares with."""
        soon = timezone.now() + datetime.timedelta(hours=1, minutes=40 * start)
        for i in range(start, start + n):
            scheduling_services.book(
                actor=self.peer.user,
                course=self.alice_course,
                starts_at=soon,
                minutes=30,
                mode="phone",
                allow_over_contract=True,
                override_reason="Test of the page's query count",
            )
            soon += datetime.timedelta(minutes=40)
            relative = make_person(f"Relative{i:02d}", kind=PersonKind.RELATIVE, unit=self.unit)
            people_services.link_relative(
                actor=self.coordinator,
                relative=relative,
                patient=self.alice,
                relationship=Relationship.PARTNER,
            )
            people_services.record_consent(
                actor=self.coordinator,
                person=self.alice,
                kind=ConsentKind.SHARE_WITH_RELATIVES,
                source=ConsentSource.VERBAL,
                recipient=relative,
            )

    def test_course_page_query_count_does_not_grow_with_the_courses_history(self):
        url = reverse("referrals:course_detail", args=[self.alice_course.pk])
        for user in (self.peer, self.coordinator):
            with self.subTest(user=str(user)):
                self.login(user)
                self.add_history(2, 0 if user is self.peer else 100)
                self.client.get(url)
                with count_queries() as few:
                    small = self.client.get(url)
                self.add_history(28, 2 if user is self.peer else 102)
                # Shown once before: persons shown together for the first time are stored as a set.
                self.client.get(url)
                with count_queries() as many:
                    large = self.client.get(url)
                self.assertContains(small, "Relative01" if user is self.peer else "Relative101")
                self.assertContains(large, "Relative29" if user is self.peer else "Relative129")
                self.assertEqual(
                    len(many), len(few), [q["sql"][:120] for q in many.captured_queries]
                )


class CourseChangePageTests(BaseTestCase):
    def test_the_course_page_links_to_its_change_page_and_renders_no_form(self):
        self.login(self.peer)
        response = self.client.get(reverse("referrals:course_detail", args=[self.alice_course.pk]))
        change = reverse("referrals:course_change", args=[self.alice_course.pk])
        self.assertContains(response, f'href="{change}"')
        self.assertNotContains(response, 'name="action"')

    def test_the_change_page_is_for_those_who_may_change_the_course(self):
        change = reverse("referrals:course_change", args=[self.alice_course.pk])
        self.login(self.peer)
        self.assertContains(self.client.get(change), 'value="preview"')
        for outsider in (self.other_peer, self.clinician):
            with self.subTest(user=str(outsider)):
                self.login(outsider)
                self.assertIn(self.client.get(change).status_code, (403, 404))

    def test_a_change_posted_to_the_course_page_still_saves(self):
        self.login(self.peer)
        url = reverse("referrals:course_detail", args=[self.alice_course.pk])
        data = {"action": "update", "phase": "discharge_soon", "support_model": "individual"}
        response = self.client.post(url, data)
        self.assertRedirects(response, url, fetch_redirect_response=False)
        self.alice_course.refresh_from_db()
        self.assertEqual(self.alice_course.phase, "discharge_soon")
