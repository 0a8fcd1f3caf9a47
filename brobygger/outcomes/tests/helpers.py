"""Shared set-up for the questionnaire tests."""

from __future__ import annotations

from typing import Any

from django.test import override_settings

from brobygger.outcomes.models import Administration, Timepoint
from brobygger.outcomes.services import sync_schedule
from brobygger.people import services as people_services
from brobygger.people.models import ConsentKind, ConsentSource, Person
from brobygger.referrals.models import Course
from brobygger.testing import BaseTestCase

URLS = "brobygger.outcomes.tests.urls"


def give_questionnaire_consent(person: Person) -> None:
    people_services.record_consent(
        actor=None, person=person, kind=ConsentKind.QUESTIONNAIRES, source=ConsentSource.VERBAL
    )


@override_settings(ROOT_URLCONF=URLS)
class OutcomesTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        give_questionnaire_consent(cls.alice)

    def start_administration(self) -> Administration:
        sync_schedule(actor=None, course=self.alice_course)
        return Administration.objects.get(course=self.alice_course, timepoint=Timepoint.START)

    def bob_course(self) -> Course:
        """Bob's course, on the other peer's caseload; he agrees to questionnaires too."""
        give_questionnaire_consent(self.bob)
        return Course.objects.get(person=self.bob)

    def full_answers(self, value: int = 4) -> dict[str, Any]:
        return {
            "lyttet": value,
            "genkendelse": value,
            "tryghed": value,
            "haab": value,
            "naeste-skridt": value,
            "alene": 2,
        }
