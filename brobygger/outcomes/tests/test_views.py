"""Staff pages: role matrix, object access, access log, answering together, links, trend."""

from __future__ import annotations

import datetime

from django.test import override_settings
from django.urls import get_resolver, reverse

from brobygger.audit.models import AccessLogEntry
from brobygger.lib.paging import PAGE_SIZE
from brobygger.lifecycle import services as lifecycle
from brobygger.outcomes import urls as outcomes_urls
from brobygger.outcomes.models import Administration, AdministrationStatus, AnsweredBy, Score
from brobygger.outcomes.services import hash_token, save_answers, sync_schedule
from brobygger.testing import TODAY, count_queries, make_course, make_person

from .helpers import URLS, OutcomesTestCase, give_questionnaire_consent


class GuardTests(OutcomesTestCase):
    def test_every_outcomes_url_is_public_or_guarded(self):
        for pattern in outcomes_urls.urlpatterns:
            callback = pattern.callback
            self.assertTrue(
                getattr(callback, "brobygger_public", False)
                or getattr(callback, "brobygger_roles", None),
                pattern.name,
            )
        self.assertIsNotNone(get_resolver(URLS))

    def staff_urls(self) -> list[str]:
        administration = self.start_administration()
        return [
            reverse("outcomes:course", args=[self.alice_course.pk]),
            reverse("outcomes:trend", args=[self.alice_course.pk]),
            reverse("outcomes:answer_with_peer", args=[administration.pk]),
            reverse("outcomes:create_link", args=[administration.pk]),
        ]

    def test_role_matrix(self):
        urls = self.staff_urls()
        cases = [
            (self.peer, 200),
            (self.coordinator, 200),
            (self.other_peer, 404),
            (self.relative_peer, 404),
            (self.other_coordinator, 404),
            (self.evaluator, 403),
            (self.clinician, 403),
            (self.admin, 403),
        ]
        for user, status in cases:
            self.login(user)
            for url in urls:
                with self.subTest(user=str(user), url=url):
                    self.assertEqual(self.client.get(url).status_code, status)
        self.client.logout()
        for url in urls:
            self.assertEqual(self.client.get(url).status_code, 302)

    def test_outsider_cannot_answer_or_make_a_link(self):
        administration = self.start_administration()
        self.login(self.other_peer)
        for name in ("answer_with_peer", "create_link"):
            response = self.client.post(
                reverse(f"outcomes:{name}", args=[administration.pk]),
                {"action": "send", "item-lyttet": "5"},
            )
            self.assertEqual(response.status_code, 404)
        administration.refresh_from_db()
        self.assertEqual((administration.status, administration.token_hash), ("due", ""))

    def test_due_list_for_peer_and_coordinator(self):
        self.start_administration()
        url = reverse("outcomes:due")
        self.login(self.peer)
        self.assertContains(self.client.get(url), "Alice")
        self.login(self.other_peer)
        self.assertNotContains(self.client.get(url), "Alice")
        self.login(self.coordinator)
        self.assertContains(self.client.get(url), "Alice")
        self.login(self.evaluator)
        self.assertEqual(self.client.get(url).status_code, 403)


class StaffPageTests(OutcomesTestCase):
    def test_every_staff_view_writes_the_access_log(self):
        administration = self.start_administration()
        self.login(self.peer)
        for url in (
            reverse("outcomes:course", args=[self.alice_course.pk]),
            reverse("outcomes:trend", args=[self.alice_course.pk]),
            reverse("outcomes:answer_with_peer", args=[administration.pk]),
            reverse("outcomes:create_link", args=[administration.pk]),
        ):
            before = AccessLogEntry.objects.count()
            self.client.get(url)
            entry = AccessLogEntry.objects.order_by("-seq")[0]
            self.assertEqual(AccessLogEntry.objects.count(), before + 1, url)
            self.assertEqual((entry.user, entry.person_id), (self.peer.user, self.alice.pk))

    def test_course_page_plans_the_schedule(self):
        self.login(self.peer)
        response = self.client.get(reverse("outcomes:course", args=[self.alice_course.pk]))
        administration = Administration.objects.filter(course=self.alice_course).get()
        self.assertContains(response, f'data-testid="administration-{administration.pk}"')

    def test_peer_answers_together_with_the_person(self):
        administration = self.start_administration()
        self.login(self.peer)
        url = reverse("outcomes:answer_with_peer", args=[administration.pk])
        response = self.client.get(url)
        self.assertContains(response, 'name="item-alene"')
        response = self.client.post(
            url,
            {"action": "send", "item-lyttet": "5", "item-genkendelse": "5", "item-tryghed": "4"}
            | {"item-haab": "4", "item-alene": "1"},
        )
        self.assertRedirects(response, reverse("outcomes:course", args=[self.alice_course.pk]))
        administration.refresh_from_db()
        self.assertEqual(administration.status, AdministrationStatus.COMPLETED)
        self.assertEqual(administration.answered_by, AnsweredBy.WITH_PEER)
        self.assertEqual(Score.objects.get().recorded_by, self.peer.user)
        # Closed now: the form is not offered again.
        self.assertEqual(self.client.get(url).status_code, 302)

    def test_a_bad_value_is_shown_not_a_500(self):
        administration = self.start_administration()
        self.login(self.peer)
        url = reverse("outcomes:answer_with_peer", args=[administration.pk])
        response = self.client.post(url, {"action": "save", "item-lyttet": "9"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'data-testid="answer-error"')

    def test_make_a_link_shows_it_once(self):
        administration = self.start_administration()
        self.login(self.peer)
        url = reverse("outcomes:create_link", args=[administration.pk])
        response = self.client.post(url)
        link = response.context["url"]
        token = link.rstrip("/").rsplit("/", 1)[1]
        administration.refresh_from_db()
        self.assertEqual(administration.token_hash, hash_token(token))
        self.assertIn("no-store", response["Cache-Control"])
        self.assertNotContains(self.client.get(url), token)

    def test_no_link_without_consent(self):
        bob_course = self.bob.courses.get()
        sync_schedule(actor=None, course=bob_course)
        administration = Administration.objects.filter(course=bob_course).get()
        self.login(self.other_peer)
        response = self.client.post(reverse("outcomes:create_link", args=[administration.pk]))
        self.assertEqual(response.context["url"], "")
        administration.refresh_from_db()
        self.assertEqual(administration.token_hash, "")

    def test_trend_shows_chart_and_table(self):
        course = self.alice_course
        lifecycle.update_course(
            actor=None, course=course, discharged_on=TODAY - datetime.timedelta(days=1)
        )
        sync_schedule(actor=None, course=course)
        for value, administration in zip(
            (2, 4), Administration.objects.filter(course=course).all()[:2], strict=True
        ):
            save_answers(
                administration=administration,
                answers=self.full_answers(value),
                final=True,
                answered_by=AnsweredBy.WITH_PEER,
            )
        self.login(self.peer)
        response = self.client.get(reverse("outcomes:trend", args=[course.pk]))
        self.assertContains(response, 'role="img"')
        self.assertContains(response, "<title id=")
        self.assertContains(response, "<polyline")
        self.assertContains(response, 'data-testid="trend-table"')
        self.assertContains(response, "data-print")
        self.assertEqual(response.content.decode().count("<circle"), 2)

    def test_due_page_query_budget_does_not_grow(self):
        # Two persons from the start: the entry looks up their stored set in one more query.
        self.start_administration()
        sync_schedule(actor=None, course=self.bob_course())
        self.login(self.coordinator)
        url = reverse("outcomes:due")
        self.client.get(url)
        with count_queries() as first:
            self.client.get(url)
        for n in range(PAGE_SIZE + 5):  # more than a page
            person = make_person(f"Frida{n:02d}", unit=self.unit)
            give_questionnaire_consent(person)
            sync_schedule(actor=None, course=make_course(person, self.peer))
        # Shown once before: persons shown together for the first time are stored as a set.
        self.client.get(url)
        with count_queries() as more:
            response = self.client.get(url)
        self.assertContains(response, "Frida00")
        self.assertEqual(len(more.captured_queries), len(first.captured_queries))
        lists = response.context["lists"]
        longest = max(lists.overdue, lists.due, key=lambda page: page.paginator.count)
        self.assertEqual(len(longest.object_list), PAGE_SIZE)
        self.assertGreater(longest.paginator.count, PAGE_SIZE)

    def test_trend_query_budget_does_not_grow(self):
        self.login(self.peer)
        url = reverse("outcomes:trend", args=[self.alice_course.pk])
        administration = self.start_administration()
        save_answers(
            administration=administration,
            answers=self.full_answers(3),
            final=True,
            answered_by=AnsweredBy.WITH_PEER,
        )
        self.client.get(url)
        with count_queries() as first:
            self.client.get(url)
        lifecycle.update_course(
            actor=None, course=self.alice_course, discharged_on=TODAY - datetime.timedelta(days=1)
        )
        sync_schedule(actor=None, course=self.alice_course)
        for administration in Administration.objects.filter(course=self.alice_course).filter(
            status="due"
        )[:1]:
            save_answers(
                administration=administration,
                answers=self.full_answers(5),
                final=True,
                answered_by=AnsweredBy.WITH_PEER,
            )
        with count_queries() as more:
            self.client.get(url)
        self.assertEqual(len(more.captured_queries), len(first.captured_queries))


class OneEntryPerResponseTests(OutcomesTestCase):
    """Issue 16 item 7: one response, one entry naming every person it shows."""

    def test_due_list_names_every_person_it_shows_in_one_entry(self):
        self.start_administration()
        sync_schedule(actor=None, course=self.bob_course())
        url = reverse("outcomes:due")
        for user, persons in (
            (self.coordinator, {self.alice.pk, self.bob.pk}),
            (self.peer, {self.alice.pk}),
            (self.other_peer, {self.bob.pk}),
        ):
            with self.subTest(user=str(user)):
                account = self.login(user)
                before = self.last_seq()
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                lists = response.context["lists"]
                rendered = {a.course.person_id for a in [*lists.overdue, *lists.due]}
                [entry] = self.new_entries(before)
                self.assertEqual(entry.persons, persons)
                self.assertEqual(entry.persons, rendered)
                self.assertEqual((entry.user, entry.action), (account, "view"))

    def test_an_empty_due_list_or_a_refusal_writes_nothing(self):
        url = reverse("outcomes:due")
        self.login(self.relative_peer)
        before = self.last_seq()
        self.assertEqual(self.client.get(url).status_code, 200)
        self.login(self.evaluator)
        self.assertEqual(self.client.get(url).status_code, 403)
        self.assertEqual(self.new_entries(before), [])

    def test_course_pages_name_the_person_once_and_an_outsider_writes_nothing(self):
        self.start_administration()
        for name in ("outcomes:course", "outcomes:trend"):
            url = reverse(name, args=[self.alice_course.pk])
            with self.subTest(url=url):
                self.login(self.peer)
                before = self.last_seq()
                self.assertEqual(self.client.get(url).status_code, 200)
                [entry] = self.new_entries(before)
                self.assertEqual(
                    (entry.persons, entry.object_id), ({self.alice.pk}, self.alice_course.pk)
                )
                self.login(self.other_peer)
                before = self.last_seq()
                self.assertEqual(self.client.get(url).status_code, 404)
                self.assertEqual(self.new_entries(before), [])

    def test_answering_and_making_a_link_name_the_person_and_an_outsider_writes_nothing(self):
        administration = self.start_administration()
        answer = reverse("outcomes:answer_with_peer", args=[administration.pk])
        link = reverse("outcomes:create_link", args=[administration.pk])
        self.login(self.other_peer)
        before = self.last_seq()
        for url in (answer, link):
            self.assertEqual(self.client.get(url).status_code, 404)
            self.assertEqual(self.client.post(url, {"action": "save"}).status_code, 404)
        self.assertEqual(self.new_entries(before), [])
        self.login(self.peer)
        for method, url, data, status, action in (
            ("get", answer, {}, 200, "view"),
            ("post", answer, {"action": "save", "item-lyttet": "4"}, 302, "change"),
            ("get", link, {}, 200, "view"),
            ("post", link, {}, 200, "change"),  # the page shows the new link once
        ):
            with self.subTest(method=method, url=url):
                before = self.last_seq()
                response = getattr(self.client, method)(url, data)
                self.assertEqual(response.status_code, status)
                [entry] = self.new_entries(before)
                self.assertEqual((entry.action, entry.persons), (action, {self.alice.pk}))

    def test_a_closed_questionnaire_redirects_without_an_entry(self):
        administration = self.start_administration()
        save_answers(
            administration=administration,
            answers=self.full_answers(3),
            final=True,
            answered_by=AnsweredBy.WITH_PEER,
        )
        self.login(self.peer)
        before = self.last_seq()
        url = reverse("outcomes:answer_with_peer", args=[administration.pk])
        self.assertEqual(self.client.get(url).status_code, 302)
        self.assertEqual(self.new_entries(before), [])


@override_settings(ROOT_URLCONF=URLS)
class CourseQueryBudgetTests(OutcomesTestCase):
    def test_course_page_query_budget_does_not_grow(self):
        self.login(self.peer)
        url = reverse("outcomes:course", args=[self.alice_course.pk])
        self.client.get(url)
        with count_queries() as first:
            self.client.get(url)
        lifecycle.update_course(
            actor=None, course=self.alice_course, discharged_on=TODAY - datetime.timedelta(days=1)
        )
        sync_schedule(actor=None, course=self.alice_course)
        self.client.get(url)
        with count_queries() as more:
            self.client.get(url)
        self.assertEqual(len(more.captured_queries), len(first.captured_queries))
