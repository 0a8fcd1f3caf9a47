"""Interview notes against the posting's criteria, and the criteria on the posting form."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from brobygger.audit.models import AuditEvent
from brobygger.recruitment import interviews, services
from brobygger.recruitment.models import CriterionNote, InterviewNote, PostingCriterion

from .helpers import (
    CRITERIA,
    TempMediaTestCase,
    at,
    make_application,
    make_interview,
    make_posting,
    next_weekday,
)
from .test_postings import posting_form


class NoteTests(TempMediaTestCase):
    def setUp(self) -> None:
        self.posting = make_posting(self.unit, criteria=CRITERIA)
        self.criteria = list(self.posting.criteria.all())
        self.application = make_application(self.posting)
        self.interview = make_interview(
            self.application,
            panel=[self.coordinator, self.peer, self.other_peer],
            starts_at=timezone.now() - datetime.timedelta(minutes=50),
        )
        self.url = reverse("recruitment:interview_note", args=[self.interview.pk])

    def note_form(self, **overrides: Any) -> dict[str, Any]:
        first, second, third = self.criteria
        data: dict[str, Any] = {
            f"rating_{first.pk}": "clearly",
            f"text_{first.pk}": "Fortalte åbent om to indlæggelser.",
            f"rating_{second.pk}": "partly",
            f"text_{second.pk}": "Er stadig i gang.",
            f"rating_{third.pk}": "",
            f"text_{third.pk}": "",
            "recommendation": "hire",
            "summary": "Varm og rolig. Vil gerne arbejde med pårørende senere.",
        }
        data.update(overrides)
        return data

    def test_panel_member_writes_and_edits_their_note_against_the_criteria(self) -> None:
        self.login(self.peer)
        page = self.client.get(self.url)
        self.assertContains(page, "Har erfaring med at komme sig")
        response = self.client.post(self.url, self.note_form())
        self.assertRedirects(
            response,
            reverse("recruitment:application_detail", args=[self.application.pk]),
            fetch_redirect_response=False,
        )
        note = InterviewNote.objects.get(author=self.peer.user)
        self.assertEqual(note.recommendation, "hire")
        self.assertEqual(
            sorted(note.ratings.values_list("criterion__position", "rating")),
            [(0, "clearly"), (1, "partly")],
        )
        # The audit event holds codes and counts, never the free text.
        event = AuditEvent.objects.get(verb="recruitment.interview_note_saved")
        self.assertEqual(
            event.data,
            {"application": self.application.pk, "rated": 2, "recommendation": "hire"},
        )
        self.assertNotIn("indlæggelser", str(event.data))
        # Edit: the form shows what was saved; one note per member.
        page = self.client.get(self.url)
        self.assertContains(page, "Fortalte åbent om to indlæggelser.")
        self.client.post(self.url, self.note_form(recommendation="unsure"))
        self.assertEqual(InterviewNote.objects.filter(author=self.peer.user).count(), 1)
        self.assertEqual(InterviewNote.objects.get(author=self.peer.user).recommendation, "unsure")

    def test_coordinator_sees_the_panel_side_by_side_a_peer_only_their_own(self) -> None:
        first = self.criteria[0]
        interviews.save_interview_note(
            actor=self.peer.user,
            interview=self.interview,
            ratings={first.pk: ("clearly", "Peer-kommentar")},
            recommendation="hire",
            summary="",
        )
        interviews.save_interview_note(
            actor=self.other_peer.user,
            interview=self.interview,
            ratings={first.pk: ("not_shown", "Anden kommentar")},
            recommendation="not_hire",
            summary="",
        )
        detail = reverse("recruitment:application_detail", args=[self.application.pk])
        self.login(self.coordinator)
        page = self.client.get(detail)
        self.assertContains(page, f'id="notes-{self.interview.pk}"')
        self.assertContains(page, "Peer-kommentar")
        self.assertContains(page, "Anden kommentar")
        self.assertContains(page, "Otherpeer Peer")
        self.login(self.peer)
        page = self.client.get(detail)
        self.assertContains(page, "Peer-kommentar")
        self.assertNotContains(page, "Anden kommentar")

    def test_no_note_before_the_interview_and_none_on_a_cancelled_one(self) -> None:
        coming = make_interview(
            make_application(self.posting, name="Ny"),
            panel=[self.coordinator, self.peer],
            starts_at=at(next_weekday(4), 10),
        )
        self.login(self.peer)
        url = reverse("recruitment:interview_note", args=[coming.pk])
        self.assertContains(self.client.get(url), 'id="not-started"')
        response = self.client.post(url, self.note_form())
        self.assertEqual(response.status_code, 422)
        self.assertFalse(InterviewNote.objects.filter(interview=coming).exists())
        interviews.cancel_interview(actor=self.coordinator, interview=coming)
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_the_managing_coordinator_off_the_panel_writes_no_note(self) -> None:
        other = make_interview(
            make_application(self.posting, name="Ny"),
            panel=[self.coordinator],
            starts_at=timezone.now() - datetime.timedelta(hours=3),
        )
        with self.assertRaises(ValidationError):
            interviews.save_interview_note(
                actor=self.peer.user, interview=other, ratings={}, recommendation="", summary=""
            )

    def test_bad_note_input_is_a_form_error(self) -> None:
        self.login(self.peer)
        first = self.criteria[0]
        response = self.client.post(
            self.url,
            self.note_form(**{f"rating_{first.pk}": "brilliant", f"text_{first.pk}": "x" * 600}),
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "x" * 600, status_code=422)
        response = self.client.post(self.url, self.note_form(recommendation="maybe"))
        self.assertEqual(response.status_code, 422)
        self.assertFalse(InterviewNote.objects.exists())

    def test_notes_are_deleted_with_the_application(self) -> None:
        interviews.save_interview_note(
            actor=self.peer.user,
            interview=self.interview,
            ratings={self.criteria[0].pk: ("clearly", "x")},
            recommendation="hire",
            summary="",
        )
        self.application.delete()
        self.assertFalse(InterviewNote.objects.exists())
        self.assertFalse(CriterionNote.objects.exists())


class CriteriaTests(TempMediaTestCase):
    def test_criteria_one_per_line_in_the_posting_form(self) -> None:
        self.login(self.coordinator)
        response = self.client.post(
            reverse("recruitment:posting_create"),
            posting_form(
                criteria_da="Erfaring som pårørende\n\n- Lyst til at lytte\n",
                criteria_en="Experience as a relative\nWants to listen",
            ),
        )
        self.assertEqual(response.status_code, 302)
        posting = PostingCriterion.objects.get(position=0).posting
        self.assertEqual(
            list(posting.criteria.values_list("text_da", "text_en")),
            [
                ("Erfaring som pårørende", "Experience as a relative"),
                ("Lyst til at lytte", "Wants to listen"),
            ],
        )
        services.set_published(actor=self.coordinator, posting=posting, published=True)
        public = self.client.get(reverse("recruitment:job_detail", args=[posting.pk]))
        self.assertContains(public, "<li>Lyst til at lytte</li>", html=True)
        edit = self.client.get(reverse("recruitment:posting_edit", args=[posting.pk]))
        self.assertContains(edit, "Erfaring som pårørende\nLyst til at lytte")

    def test_english_criteria_must_match_the_danish_ones(self) -> None:
        self.login(self.coordinator)
        response = self.client.post(
            reverse("recruitment:posting_create"),
            posting_form(criteria_da="En\nTo", criteria_en="One"),
        )
        self.assertContains(response, "lige så mange", status_code=422)
        self.assertContains(response, "En\nTo", status_code=422)
        self.assertFalse(PostingCriterion.objects.exists())

    def test_a_criterion_with_notes_cannot_be_removed_but_can_be_reworded(self) -> None:
        posting = make_posting(self.unit, criteria=CRITERIA)
        application = make_application(posting)
        interview = make_interview(
            application,
            panel=[self.coordinator],
            starts_at=timezone.now() - datetime.timedelta(hours=1),
        )
        last = posting.criteria.get(position=2)
        interviews.save_interview_note(
            actor=self.coordinator,
            interview=interview,
            ratings={last.pk: ("partly", "")},
            recommendation="",
            summary="",
        )
        with self.assertRaises(ValidationError):
            services.update_posting(actor=self.coordinator, posting=posting, criteria=CRITERIA[:2])
        reworded = [*CRITERIA[:2], ("Samarbejder godt", "Works well with others")]
        services.update_posting(actor=self.coordinator, posting=posting, criteria=reworded)
        last.refresh_from_db()
        self.assertEqual(last.text_da, "Samarbejder godt")
        event = AuditEvent.objects.filter(verb="recruitment.posting_changed").latest("seq")
        self.assertEqual(event.data, {"fields": ["criteria"]})
