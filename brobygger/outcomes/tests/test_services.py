"""Storing scores: computed by the scoring module, kept with the version, audited."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError

from brobygger.audit.models import AuditEvent
from brobygger.outcomes.models import InstrumentVersion, Score
from brobygger.outcomes.services import store_score
from brobygger.testing import TODAY, BaseTestCase


class StoreScoreTests(BaseTestCase):
    def version(self) -> InstrumentVersion:
        version = InstrumentVersion.objects.latest_of("oplevelse-af-peerstoette")
        assert version is not None
        return version

    def test_a_score_is_stored_with_its_version_and_locks_it(self):
        answers = {"lyttet": 5, "genkendelse": 5, "tryghed": 4, "haab": 4, "alene": 1}
        score = store_score(
            actor=self.coordinator,
            version=self.version(),
            course=self.alice_course,
            answers=answers,
            administered_on=TODAY,
        )
        score.refresh_from_db()
        self.assertEqual((score.total, score.answered, score.missing), (4.6, 5, 1))
        self.assertTrue(score.prorated)
        self.assertEqual(score.reason, "")
        self.assertEqual(score.recorded_by, self.coordinator)
        self.assertTrue(self.version().locked)
        self.assertEqual(list(Score.objects.for_course(self.alice_course)), [score])
        self.assertEqual(list(Score.objects.of_instrument("oplevelse-af-peerstoette")), [score])

    def test_the_audit_event_has_no_answers_or_score(self):
        store_score(
            actor=self.coordinator,
            version=self.version(),
            course=self.alice_course,
            answers={"lyttet": 3, "genkendelse": 2, "tryghed": 1, "haab": 4, "alene": 5},
            administered_on=TODAY,
        )
        event = AuditEvent.objects.get(verb="score.stored")
        self.assertEqual(event.person_id, self.alice.pk)
        self.assertEqual(
            event.data,
            {
                "instrument": "oplevelse-af-peerstoette",
                "version": self.version().version,
                "answered": 5,
                "missing": 1,
            },
        )
        self.assertTrue(AuditEvent.objects.filter(verb="instrument.locked").exists())

    def test_too_many_missing_is_kept_without_a_total(self):
        score = store_score(
            actor=self.coordinator,
            version=self.version(),
            course=None,
            answers={"lyttet": 3},
            administered_on=datetime.date(2026, 11, 1),
        )
        self.assertIsNone(score.total)
        self.assertEqual(score.reason, "too_many_missing")
        self.assertEqual(score.subscales, {})

    def test_an_answer_off_the_scale_is_refused_and_nothing_stored(self):
        with self.assertRaises(ValidationError):
            store_score(
                actor=self.coordinator,
                version=self.version(),
                course=self.alice_course,
                answers={"lyttet": 6},
                administered_on=TODAY,
            )
        self.assertFalse(Score.objects.exists())
        self.assertFalse(self.version().locked)
