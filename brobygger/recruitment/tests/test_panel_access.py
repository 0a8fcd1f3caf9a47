"""Applications are sensitive: the managing coordinator and the posting's interview panel
see them, every look is logged, and everyone else gets 404 on every application URL."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from brobygger.audit.models import AccessLogEntry
from brobygger.recruitment import interviews
from brobygger.testing import count_queries

from .helpers import (
    CRITERIA,
    TempMediaTestCase,
    at,
    make_application,
    make_interview,
    make_posting,
    next_weekday,
)


class PanelAccessTests(TempMediaTestCase):
    def setUp(self) -> None:
        self.posting = make_posting(self.unit, criteria=CRITERIA)
        self.application = make_application(self.posting, cv=True)
        self.sibling = make_application(self.posting, name="Jens Bro", email="jens@example.org")
        other_posting = make_posting(self.unit, title_da="Pårørendepeer")
        self.elsewhere = make_application(other_posting, name="Lise Lund", cv=True)
        self.interview = make_interview(
            self.application,
            panel=[self.coordinator, self.peer],
            starts_at=timezone.now() - datetime.timedelta(hours=1),
        )

    def urls_for(self, application_pk: int, posting_pk: int) -> list[str]:
        return [
            reverse("recruitment:application_list", args=[posting_pk]),
            reverse("recruitment:application_detail", args=[application_pk]),
            reverse("recruitment:application_cv", args=[application_pk]),
        ]

    def test_panel_peer_sees_the_postings_applications_and_each_look_is_logged(self) -> None:
        self.login(self.peer)
        listing = self.client.get(reverse("recruitment:application_list", args=[self.posting.pk]))
        self.assertContains(listing, "Hanne Holm")
        self.assertContains(listing, "Jens Bro")
        detail = self.client.get(reverse("recruitment:application_detail", args=[self.sibling.pk]))
        self.assertContains(detail, 'id="panel-view"')
        self.assertNotContains(detail, 'id="interview-form"')
        self.assertNotContains(detail, 'id="change-status"')
        cv = self.client.get(reverse("recruitment:application_cv", args=[self.application.pk]))
        self.assertEqual(cv.status_code, 200)
        entries = AccessLogEntry.objects.filter(user=self.peer.user, purpose="recruitment")
        self.assertEqual(
            sorted((e.action, e.object_type, e.object_id) for e in entries),
            sorted(
                [
                    ("search", "recruitment.jobposting", self.posting.pk),
                    ("view", "recruitment.application", self.sibling.pk),
                    ("export", "recruitment.application", self.application.pk),
                ]
            ),
        )

    def test_home_links_panel_members_to_their_interviews(self) -> None:
        self.login(self.peer)
        self.assertContains(self.client.get(reverse("desk:home")), 'id="my-interviews"')
        self.login(self.other_peer)
        self.assertNotContains(self.client.get(reverse("desk:home")), 'id="my-interviews"')
        interviews.book_interview(
            actor=self.coordinator,
            application=self.sibling,
            starts_at=at(next_weekday(1), 9),
            minutes=45,
            mode="video",
            panel=[self.coordinator, self.clinician],
        )
        self.login(self.clinician)
        self.assertContains(self.client.get(reverse("desk:home")), 'id="my-interviews"')

    def test_panel_peer_gets_404_for_other_postings_and_for_every_change(self) -> None:
        self.login(self.peer)
        for url in self.urls_for(self.elsewhere.pk, self.elsewhere.posting_id):
            self.assertEqual(self.client.get(url).status_code, 404, url)
        posts = {
            reverse("recruitment:application_transition", args=[self.application.pk]): {
                "to": "rejected",
                "reason": "other",
            },
            reverse("recruitment:interview_book", args=[self.sibling.pk]): {},
            reverse("recruitment:interview_action", args=[self.interview.pk]): {"action": "cancel"},
        }
        for url, data in posts.items():
            self.assertEqual(self.client.post(url, data).status_code, 404, url)
        # Posting pages stay the coordinator's.
        for name in ("posting_detail", "posting_edit"):
            url = reverse(f"recruitment:{name}", args=[self.posting.pk])
            self.assertEqual(self.client.get(url).status_code, 403)
        self.application.refresh_from_db()
        self.assertEqual(self.application.status, "interview")

    def test_everyone_off_the_panel_gets_404_on_every_application_url(self) -> None:
        urls = [
            *self.urls_for(self.application.pk, self.posting.pk),
            reverse("recruitment:interview_note", args=[self.interview.pk]),
        ]
        for user in (
            self.other_peer,
            self.relative_peer,
            self.evaluator,
            self.admin,
            self.clinician,
        ):
            self.login(user)
            for url in urls:
                self.assertEqual(self.client.get(url).status_code, 404, (user, url))
        posts = [
            reverse("recruitment:application_transition", args=[self.application.pk]),
            reverse("recruitment:interview_book", args=[self.application.pk]),
            reverse("recruitment:interview_action", args=[self.interview.pk]),
            reverse("recruitment:interview_note", args=[self.interview.pk]),
        ]
        for user in (self.other_coordinator, self.other_peer, self.evaluator, self.admin):
            self.login(user)
            for url in urls:
                self.assertEqual(self.client.get(url).status_code, 404, (user, url))
            for url in posts:
                response = self.client.post(url, {"action": "cancel", "to": "rejected"})
                self.assertEqual(response.status_code, 404, (user, url))
        self.interview.refresh_from_db()
        self.assertEqual(self.interview.status, "booked")
        self.assertFalse(
            AccessLogEntry.objects.filter(purpose="recruitment")
            .exclude(user__in=[self.coordinator, self.peer.user])
            .exists()
        )

    def test_a_cancelled_interview_ends_the_panels_access(self) -> None:
        day = next_weekday(3)
        coming = make_interview(
            self.sibling, panel=[self.coordinator, self.other_peer], starts_at=at(day, 10)
        )
        self.login(self.other_peer)
        url = reverse("recruitment:application_detail", args=[self.sibling.pk])
        self.assertEqual(self.client.get(url).status_code, 200)
        interviews.cancel_interview(actor=self.coordinator, interview=coming)
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_anonymous_is_sent_to_login_for_staff_pages(self) -> None:
        urls = [
            *self.urls_for(self.application.pk, self.posting.pk),
            reverse("recruitment:interview_note", args=[self.interview.pk]),
            reverse("recruitment:my_interviews"),
        ]
        for url in urls:
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertIn(reverse("accounts:login"), response["Location"])
        response = self.client.post(
            reverse("recruitment:interview_book", args=[self.application.pk]), {}
        )
        self.assertEqual(response.status_code, 302)

    def test_bad_ids_are_404(self) -> None:
        self.login(self.coordinator)
        for url in (
            "/rekruttering/ansoegninger/999999/",
            "/rekruttering/samtaler/999999/noter/",
            "/rekruttering/opslag/999999/ansoegninger/",
        ):
            self.assertEqual(self.client.get(url).status_code, 404, url)
        for url in (
            "/rekruttering/ansoegninger/999999/samtale/",
            "/rekruttering/samtaler/999999/status/",
        ):
            self.assertEqual(self.client.post(url, {}).status_code, 404, url)

    def test_get_on_post_only_views_is_405(self) -> None:
        self.login(self.coordinator)
        for url in (
            reverse("recruitment:interview_book", args=[self.application.pk]),
            reverse("recruitment:interview_action", args=[self.interview.pk]),
        ):
            self.assertEqual(self.client.get(url).status_code, 405)


class MyInterviewsTests(TempMediaTestCase):
    def test_role_matrix_and_content(self) -> None:
        posting = make_posting(self.unit)
        application = make_application(posting)
        interview = make_interview(
            application, panel=[self.coordinator, self.peer], starts_at=at(next_weekday(2), 10)
        )
        url = reverse("recruitment:my_interviews")
        self.login(self.peer)
        response = self.client.get(url)
        self.assertContains(response, f'id="interview-row-{interview.pk}"')
        self.assertContains(response, "Hanne Holm")
        self.assertTrue(
            AccessLogEntry.objects.filter(
                user=self.peer.user, action="search", purpose="recruitment"
            ).exists()
        )
        self.login(self.other_peer)
        response = self.client.get(url)
        self.assertNotContains(response, "Hanne Holm")
        self.login(self.coordinator)
        self.assertContains(self.client.get(url), 'id="coming-interviews"')
        self.login(self.other_coordinator)
        self.assertNotContains(self.client.get(url), "Hanne Holm")
        for user in (self.evaluator, self.admin):
            self.login(user)
            self.assertEqual(self.client.get(url).status_code, 403)

    def test_my_interviews_query_count_is_constant(self) -> None:
        posting = make_posting(self.unit)
        url = reverse("recruitment:my_interviews")
        self.login(self.peer)
        day = next_weekday(2)
        make_interview(
            make_application(posting), panel=[self.coordinator, self.peer], starts_at=at(day, 8)
        )
        self.client.get(url)
        with count_queries() as few:
            self.client.get(url)
        for hour in range(9, 16):
            application = make_application(posting, name=f"Ansøger {hour}")
            make_interview(
                application, panel=[self.coordinator, self.peer], starts_at=at(day, hour)
            )
        with count_queries() as many:
            response = self.client.get(url)
        self.assertContains(response, "Ansøger 15")
        self.assertEqual(len(few.captured_queries), len(many.captured_queries))
