"""Answering: single-use expiring links, partial answers, skip, decline, scores, consent."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from brobygger.audit.models import AccessLogEntry, AuditEvent
from brobygger.outcomes.models import AdministrationStatus, Answer, AnsweredBy, Score
from brobygger.outcomes.services import (
    decline,
    hash_token,
    issue_link,
    save_answers,
)
from brobygger.people.models import Consent, ConsentKind

from .helpers import OutcomesTestCase


class LinkServiceTests(OutcomesTestCase):
    def test_only_the_hash_of_the_token_is_stored(self):
        administration = self.start_administration()
        token = issue_link(actor=self.peer.user, administration=administration)
        administration.refresh_from_db()
        self.assertGreaterEqual(len(token), 40)
        self.assertEqual(administration.token_hash, hash_token(token))
        self.assertNotIn(token, str(AuditEvent.objects.filter(verb__startswith="quest").values()))
        self.assertEqual(administration.status, AdministrationStatus.SENT)
        assert administration.link_expires_at is not None
        # The clock is frozen: the link lasts exactly two weeks from now.
        self.assertEqual(
            administration.link_expires_at - timezone.now(), datetime.timedelta(days=14)
        )

    def test_no_link_without_questionnaire_consent(self):
        Consent.objects.filter(person=self.alice, kind=ConsentKind.QUESTIONNAIRES).update(
            withdrawn_at=timezone.now()
        )
        administration = self.start_administration()
        with self.assertRaises(ValidationError):
            issue_link(actor=self.peer.user, administration=administration)
        administration.refresh_from_db()
        self.assertEqual((administration.status, administration.token_hash), ("due", ""))

    def test_partial_answers_are_kept_and_completed_later_with_a_score(self):
        administration = self.start_administration()
        save_answers(
            administration=administration,
            answers={"lyttet": 5, "genkendelse": None},
            final=False,
            answered_by=AnsweredBy.WITH_PEER,
            actor=self.peer.user,
        )
        administration.refresh_from_db()
        self.assertEqual(administration.status, AdministrationStatus.PARTIAL)
        self.assertEqual(
            dict(administration.answers.values_list("item_key", "value")),
            {"lyttet": 5, "genkendelse": None},
        )
        # One item skipped (naeste-skridt never answered): the rule allows one missing.
        save_answers(
            administration=administration,
            answers={"genkendelse": 5, "tryghed": 4, "haab": 4, "alene": 1},
            final=True,
            answered_by=AnsweredBy.WITH_PEER,
            actor=self.peer.user,
        )
        administration.refresh_from_db()
        score = Score.objects.get()
        self.assertEqual(administration.status, AdministrationStatus.COMPLETED)
        self.assertEqual(administration.score, score)
        self.assertEqual(score.version, administration.version)
        self.assertEqual((score.total, score.answered, score.missing), (4.6, 5, 1))
        event = AuditEvent.objects.get(verb="questionnaire.completed")
        self.assertEqual(event.data, {"answered_by": "with_peer", "answers": 4})

    def test_values_outside_the_scale_are_refused(self):
        administration = self.start_administration()
        with self.assertRaises(ValidationError):
            save_answers(
                administration=administration,
                answers={"lyttet": 9},
                final=False,
                answered_by=AnsweredBy.WITH_PEER,
            )
        self.assertFalse(Answer.objects.exists())

    def test_decline_forgets_partial_answers(self):
        administration = self.start_administration()
        save_answers(
            administration=administration,
            answers={"lyttet": 2},
            final=False,
            answered_by=AnsweredBy.WITH_PEER,
        )
        decline(administration=administration)
        administration.refresh_from_db()
        self.assertEqual(administration.status, AdministrationStatus.DECLINED)
        self.assertFalse(Answer.objects.exists())
        with self.assertRaises(ValidationError):
            issue_link(actor=None, administration=administration)


class PersonLinkPageTests(OutcomesTestCase):
    def setUp(self) -> None:
        self.administration = self.start_administration()
        self.token = issue_link(actor=self.peer.user, administration=self.administration)
        self.url = reverse("outcomes:answer", args=[self.token])

    def post(self, action: str, **answers: int):
        data = {f"item-{k}": str(v) for k, v in answers.items()}
        return self.client.post(self.url, {**data, "action": action})

    def assertShowsNothingOfThePerson(self, response) -> None:
        self.assertEqual(response.status_code, 410)
        self.assertContains(response, 'data-testid="link-closed"', status_code=410)
        for secret in ("Alice", "Andersen", "lyttede", "listened", "Oplevelse", "Experience"):
            self.assertNotContains(response, secret, status_code=410)

    def test_the_link_shows_the_questions_without_the_persons_name(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'name="item-lyttet"')
        self.assertContains(response, "Helt enig")  # Alice's language is Danish
        self.assertNotContains(response, "Alice")
        self.assertNotIn(self.token, response.content.decode().split("<title>")[1][:100])
        self.assertIn("no-store", response["Cache-Control"])

    def test_save_keeps_partial_answers_and_the_link_works_again(self):
        response = self.post("save", lyttet=5, haab=3)
        self.assertContains(response, 'data-testid="answers-saved"')
        self.assertEqual(
            dict(Answer.objects.values_list("item_key", "value")),
            {
                "lyttet": 5,
                "genkendelse": None,
                "tryghed": None,
                "haab": 3,
                "naeste-skridt": None,
                "alene": None,
            },
        )
        response = self.client.get(self.url)
        self.assertContains(response, 'id="item-lyttet-5" value="5" checked')
        self.assertContains(response, 'id="item-haab-3" value="3" checked')

    def test_send_stores_the_score_and_the_link_is_single_use(self):
        response = self.post("send", lyttet=5, genkendelse=5, tryghed=4, haab=4, alene=1)
        self.assertContains(response, 'data-testid="answers-sent"')
        self.administration.refresh_from_db()
        self.assertEqual(self.administration.status, AdministrationStatus.COMPLETED)
        self.assertEqual(self.administration.answered_by, AnsweredBy.PERSON_LINK)
        score = Score.objects.get()
        self.assertEqual((score.total, score.version_id), (4.6, self.administration.version_id))
        self.assertIsNone(score.recorded_by)
        self.assertShowsNothingOfThePerson(self.client.get(self.url))
        self.assertShowsNothingOfThePerson(self.post("send", lyttet=1))
        self.assertEqual(Score.objects.count(), 1)

    def test_skipping_every_question_cannot_be_sent(self):
        response = self.post("send")
        self.assertContains(response, 'data-testid="answer-error"')
        self.administration.refresh_from_db()
        self.assertEqual(self.administration.status, AdministrationStatus.SENT)
        self.assertFalse(Score.objects.exists())

    def test_too_many_skipped_questions_are_kept_without_a_total(self):
        self.post("send", lyttet=5, genkendelse=5)
        score = Score.objects.get()
        self.assertIsNone(score.total)
        self.assertEqual(score.missing, 4)

    def test_the_person_may_decline(self):
        self.post("save", lyttet=5)
        response = self.post("decline")
        self.assertContains(response, 'data-testid="answers-declined"')
        self.administration.refresh_from_db()
        self.assertEqual(self.administration.status, AdministrationStatus.DECLINED)
        self.assertFalse(Answer.objects.exists())
        self.assertShowsNothingOfThePerson(self.client.get(self.url))

    def test_an_expired_link_shows_nothing(self):
        self.post("save", lyttet=5)
        self.administration.link_expires_at = timezone.now() - datetime.timedelta(minutes=1)
        self.administration.save(update_fields=["link_expires_at"])
        self.assertShowsNothingOfThePerson(self.client.get(self.url))
        self.assertShowsNothingOfThePerson(self.post("send", lyttet=1))
        self.assertEqual(Answer.objects.get(item_key="lyttet").value, 5)

    def test_an_unknown_or_replaced_link_shows_nothing(self):
        self.assertShowsNothingOfThePerson(
            self.client.get(reverse("outcomes:answer", args=["x" * 43]))
        )
        issue_link(actor=self.peer.user, administration=self.administration)
        self.assertShowsNothingOfThePerson(self.client.get(self.url))

    def test_withdrawn_consent_closes_the_link(self):
        Consent.objects.filter(person=self.alice, kind=ConsentKind.QUESTIONNAIRES).update(
            withdrawn_at=timezone.now()
        )
        self.assertShowsNothingOfThePerson(self.post("send", lyttet=3))
        self.assertFalse(Answer.objects.exists())

    def test_the_public_page_writes_no_access_log_for_a_user(self):
        self.client.get(self.url)
        self.assertFalse(AccessLogEntry.objects.filter(user__isnull=False).exists())
