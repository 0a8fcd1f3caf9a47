from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from brobygger.audit.models import AuditEvent
from brobygger.recruitment import services
from brobygger.recruitment.models import JobPosting
from brobygger.testing import BaseTestCase

from .helpers import make_posting


class PublicPostingTests(BaseTestCase):
    def test_open_posting_is_listed_and_shown_in_danish(self) -> None:
        posting = make_posting(self.unit)
        response = self.client.get(reverse("recruitment:job_list"))
        self.assertContains(response, "Peer-medarbejder i Roskilde")
        detail = self.client.get(reverse("recruitment:job_detail", args=[posting.pk]))
        self.assertContains(detail, "udskrivningsguiden")
        self.assertNotContains(detail, "discharge guide")

    def test_english_visitor_sees_the_english_text(self) -> None:
        posting = make_posting(self.unit)
        url = reverse("recruitment:job_detail", args=[posting.pk])
        self.client.cookies["brobygger_language"] = "en"
        response = self.client.get(url, headers={"accept-language": "en"})
        self.assertContains(response, "Peer worker in Roskilde")
        self.assertContains(response, "discharge guide")
        self.assertNotContains(response, "udskrivningsguiden")

    def test_unpublished_closed_and_expired_postings_are_404(self) -> None:
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        draft = make_posting(self.unit, published=False, title_da="Kladde")
        expired = make_posting(self.unit, deadline=yesterday, title_da="Udløbet")
        closed = make_posting(self.unit, title_da="Lukket")
        services.close_posting(actor=self.coordinator, posting=closed)
        listing = self.client.get(reverse("recruitment:job_list"))
        for posting in (draft, expired, closed):
            self.assertNotContains(listing, posting.title_da)
            for name in ("job_detail", "job_apply"):
                url = reverse(f"recruitment:{name}", args=[posting.pk])
                self.assertEqual(self.client.get(url).status_code, 404)

    def test_deadline_today_is_still_open(self) -> None:
        posting = make_posting(self.unit, deadline=timezone.localdate())
        url = reverse("recruitment:job_detail", args=[posting.pk])
        self.assertEqual(self.client.get(url).status_code, 200)

    def test_markup_in_a_posting_is_escaped(self) -> None:
        posting = make_posting(self.unit, title_da="<script>alert(1)</script> 🌱")
        response = self.client.get(reverse("recruitment:job_detail", args=[posting.pk]))
        self.assertContains(response, "&lt;script&gt;alert(1)&lt;/script&gt; 🌱")


def posting_form(**overrides: str) -> dict[str, str]:
    today = timezone.localdate()
    data = {
        "title_da": "Pårørendepeer",
        "title_en": "Relative peer",
        "unit": "",
        "peer_kind": "relative_peer",
        "hours_min": "8",
        "hours_max": "15",
        "period_start": str(today + datetime.timedelta(days=30)),
        "period_end": str(today + datetime.timedelta(days=400)),
        "deadline": str(today + datetime.timedelta(days=10)),
        "work_da": "Samtaler med pårørende.",
        "work_en": "Talks with relatives.",
        "looking_for_da": "Erfaring som pårørende.",
        "looking_for_en": "Experience as a relative.",
        "how_to_apply_da": "Brug formularen.",
        "how_to_apply_en": "Use the form.",
    }
    data.update(overrides)
    return data


class CoordinatorPostingTests(BaseTestCase):
    def test_coordinator_creates_publishes_and_closes_a_posting(self) -> None:
        self.login(self.coordinator)
        response = self.client.post(
            reverse("recruitment:posting_create"), posting_form(unit=str(self.unit.pk))
        )
        posting = JobPosting.objects.get()
        self.assertRedirects(response, reverse("recruitment:posting_detail", args=[posting.pk]))
        self.assertFalse(posting.published)
        public_url = reverse("recruitment:job_detail", args=[posting.pk])
        self.assertEqual(self.client.get(public_url).status_code, 404)

        action = reverse("recruitment:posting_action", args=[posting.pk])
        self.client.post(action, {"action": "publish"})
        self.assertEqual(self.client.get(public_url).status_code, 200)
        self.client.post(action, {"action": "unpublish"})
        self.assertEqual(self.client.get(public_url).status_code, 404)
        self.client.post(action, {"action": "publish"})
        self.client.post(action, {"action": "close"})
        posting.refresh_from_db()
        self.assertIsNotNone(posting.closed_at)
        self.assertEqual(self.client.get(public_url).status_code, 404)
        verbs = list(
            AuditEvent.objects.filter(object_id=posting.pk, object_type="recruitment.jobposting")
            .order_by("seq")
            .values_list("verb", flat=True)
        )
        self.assertEqual(
            verbs,
            [
                "recruitment.posting_created",
                "recruitment.posting_published",
                "recruitment.posting_unpublished",
                "recruitment.posting_published",
                "recruitment.posting_closed",
            ],
        )

    def test_coordinator_edits_a_posting(self) -> None:
        posting = make_posting(self.unit)
        self.login(self.coordinator)
        url = reverse("recruitment:posting_edit", args=[posting.pk])
        self.assertEqual(self.client.get(url).status_code, 200)
        response = self.client.post(url, posting_form(unit=str(self.unit.pk), title_da="Ny titel"))
        self.assertRedirects(response, reverse("recruitment:posting_detail", args=[posting.pk]))
        posting.refresh_from_db()
        self.assertEqual(posting.title_da, "Ny titel")

    def test_hours_and_period_out_of_order_are_refused_without_500(self) -> None:
        self.login(self.coordinator)
        today = timezone.localdate()
        response = self.client.post(
            reverse("recruitment:posting_create"),
            posting_form(
                hours_min="15",
                hours_max="8",
                period_start=str(today + datetime.timedelta(days=90)),
                period_end=str(today),
            ),
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, 'value="Pårørendepeer"', status_code=422)
        self.assertFalse(JobPosting.objects.exists())

    def test_other_units_coordinator_gets_404(self) -> None:
        posting = make_posting(self.unit)
        self.login(self.other_coordinator)
        for name in ("posting_detail", "posting_edit", "application_list"):
            url = reverse(f"recruitment:{name}", args=[posting.pk])
            self.assertEqual(self.client.get(url).status_code, 404)
        action = reverse("recruitment:posting_action", args=[posting.pk])
        self.assertEqual(self.client.post(action, {"action": "close"}).status_code, 404)

    def test_posting_without_unit_is_seen_by_every_coordinator(self) -> None:
        posting = make_posting(None)
        self.login(self.other_coordinator)
        url = reverse("recruitment:posting_detail", args=[posting.pk])
        self.assertEqual(self.client.get(url).status_code, 200)

    def test_other_roles_get_403(self) -> None:
        posting = make_posting(self.unit)
        for user in (self.peer, self.evaluator, self.clinician, self.admin):
            self.login(user)
            for url in (
                reverse("recruitment:posting_list"),
                reverse("recruitment:posting_create"),
                reverse("recruitment:posting_detail", args=[posting.pk]),
            ):
                self.assertEqual(self.client.get(url).status_code, 403, (user, url))

    def test_closed_posting_cannot_be_edited_or_republished(self) -> None:
        posting = make_posting(self.unit)
        services.close_posting(actor=self.coordinator, posting=posting)
        self.login(self.coordinator)
        url = reverse("recruitment:posting_edit", args=[posting.pk])
        response = self.client.post(url, posting_form(title_da="Genbrugt"))
        self.assertContains(response, "er lukket", status_code=422)
        action = reverse("recruitment:posting_action", args=[posting.pk])
        self.client.post(action, {"action": "publish"})
        posting.refresh_from_db()
        self.assertEqual(
            (posting.title_da, posting.published), ("Peer-medarbejder i Roskilde", False)
        )
