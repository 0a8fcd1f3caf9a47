"""Each role's home page: what it shows, its query budget, and its one access-log entry."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from brobygger.referrals import services as referral_services
from brobygger.referrals.models import Referral, ReferralSource
from brobygger.testing import BaseTestCase, count_queries, make_course, make_person

HOME = "/hjem/"


class HomePageTests(BaseTestCase):
    def test_home_keeps_its_address(self):
        self.assertEqual(reverse("desk:home"), HOME)

    def test_each_role_lands_on_its_own_home(self):
        expected: dict[Any, str] = {
            self.coordinator: "Programmet i dag",
            self.peer: "Mine forløb",
            self.clinician: "Mine henvisninger",
            self.evaluator: "Programmet i tal",
            self.admin: "Administration",
        }
        for user, heading in expected.items():
            with self.subTest(user=str(user)):
                self.login(user)
                self.assertContains(self.client.get(HOME), heading)

    def test_peer_home_lists_own_caseload_only(self):
        self.login(self.peer)
        response = self.client.get(HOME)
        self.assertContains(response, "Alice")
        self.assertNotContains(response, "Bob")

    def test_evaluator_home_suppresses_small_counts_and_shows_no_names(self):
        self.login(self.evaluator)
        response = self.client.get(HOME)
        self.assertContains(response, "&lt;5")
        for name in ("Alice", "Bob", "Carol"):
            self.assertNotContains(response, name)

    def test_home_query_counts_are_constant(self):
        # From two persons on each page, so the access log's list of persons is written
        # both times: its row count may not grow with the data either.
        for i in range(2):
            make_course(make_person(f"Q{i}", unit=self.unit), self.peer)
            make_referral(self, f"Q{i}")
        budgets = {}
        for user in (self.coordinator, self.peer):
            self.login(user)
            with count_queries() as before:
                self.client.get(HOME)
            budgets[user] = len(before)
        for i in range(15):
            make_course(make_person(f"P{i}", unit=self.unit), self.peer)
            make_referral(self, f"P{i}")
        for user in (self.coordinator, self.peer):
            self.login(user)
            with count_queries() as after:
                self.client.get(HOME)
            self.assertEqual(len(after), budgets[user], str(user))


def make_referral(case: BaseTestCase, name: str) -> Referral:
    """A clinician's referral of a new person to the unit, as the referral form makes it."""
    return referral_services.create_referral(
        actor=case.clinician,
        source=ReferralSource.CLINICIAN,
        unit=case.unit,
        consent_source="verbal",
        person_fields={"kind": "patient", "given_name": name, "family_name": "Berg"},
    )
