"""Each role's home page: what it shows, its query budget, and its one access-log entry."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone

from brobygger.audit.models import AccessLogEntry
from brobygger.matching import services as matching_services
from brobygger.people import services as people_services
from brobygger.people.models import PeerWorker, Person
from brobygger.referrals import services as referral_services
from brobygger.referrals.models import Course, Referral, ReferralSource
from brobygger.scheduling import services as scheduling_services
from brobygger.testing import (
    TODAY,
    BaseTestCase,
    count_queries,
    make_course,
    make_peer,
    make_person,
)

HOME = "/hjem/"
DAY = datetime.timedelta(days=1)


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


class CoordinatorHomeSummaryTests(BaseTestCase):
    """The coordinator's home does not grow with the programme (issue 19): the peers are
    a summary linking to the peer list, the contract warnings the ten soonest."""

    def peers_ending(self, count: int, first: int = 0) -> list[Any]:
        """`count` peers of the unit whose contracts end within the warning period, each
        with an active course (so each is warned about)."""
        peers = []
        for i in range(first, first + count):
            peer = make_peer(f"ending{i:02d}", units=(self.unit,))
            people_services.update_peer_worker(
                actor=self.coordinator, peer=peer, contract_end=TODAY + (10 + i) * DAY
            )
            make_course(make_person(f"Ending{i:02d}", unit=self.unit), peer)
            peers.append(peer)
        return peers

    def test_peers_are_counted_not_listed(self):
        idle = make_peer("idle", units=(self.unit,))
        self.login(self.coordinator)
        response = self.client.get(HOME)
        peers = PeerWorker.objects.visible_to(self.coordinator).active()
        self.assertEqual(response.context["peer_count"], peers.count())
        active = Course.objects.filter(peer__in=peers, ended_on__isnull=True)
        busy = active.values("peer").distinct().count()
        self.assertEqual(response.context["idle_peers"], peers.count() - busy)
        self.assertGreater(response.context["idle_peers"], 0)
        self.assertNotContains(response, reverse("people:peer_detail", args=[idle.pk]))
        self.assertContains(response, reverse("people:peer_list"))

    def test_the_ten_soonest_contract_ends_are_shown_and_the_rest_counted(self):
        peers = self.peers_ending(12)
        self.login(self.coordinator)
        response = self.client.get(HOME)
        shown = [row["peer"] for row in response.context["contract_warnings"]]
        self.assertEqual(shown, peers[:10])
        self.assertEqual(response.context["more_contract_warnings"], 2)
        self.assertContains(response, "Og 2 peer-medarbejdere mere")
        self.assertNotContains(response, peers[11].name)

    def test_query_count_does_not_grow_with_peers_or_contract_warnings(self):
        self.peers_ending(2)
        self.login(self.coordinator)
        with count_queries() as few:
            self.client.get(HOME)
        self.peers_ending(28, first=2)
        for i in range(10):
            make_peer(f"more{i:02d}", units=(self.unit,))
        with count_queries() as many:
            response = self.client.get(HOME)
        self.assertEqual(len(response.context["contract_warnings"]), 10)
        self.assertEqual(len(many), len(few))


def make_referral(case: BaseTestCase, name: str, **fields: Any) -> Referral:
    """A clinician's referral of a new person to the unit, as the referral form makes it."""
    return referral_services.create_referral(
        **fields,
        actor=case.clinician,
        source=ReferralSource.CLINICIAN,
        unit=case.unit,
        consent_source="verbal",
        person_fields={"kind": "patient", "given_name": name, "family_name": "Berg"},
    )


class HomePageAccessLogTests(BaseTestCase):
    """Sundhedsloven § 42a: a home page that names persons is a look at each of them."""

    def home_entries(self, user: Any) -> tuple[Any, list[AccessLogEntry]]:
        self.login(user)
        before = self.last_seq()
        response = self.client.get(HOME)
        self.assertEqual(response.status_code, 200)
        return response, list(AccessLogEntry.objects.filter(seq__gt=before))

    def assert_names(self, response: Any, persons: list[Person]) -> set[int]:
        for person in persons:
            self.assertContains(response, person.full_name)
        return {person.pk for person in persons}

    def test_coordinator_home_names_the_persons_of_the_oldest_referrals(self):
        nora, ida = make_referral(self, "Nora").person, make_referral(self, "Ida").person
        response, [entry] = self.home_entries(self.coordinator)
        self.assertEqual(entry.persons, self.assert_names(response, [nora, ida]))
        self.assertEqual((entry.action, entry.purpose), ("view", "coordination"))
        self.assertEqual(entry.user, self.coordinator)

    def test_the_oldest_referrals_link_to_their_pages_with_their_words(self):
        referral = make_referral(self, "Nora")
        self.login(self.coordinator)
        page = self.client.get(reverse("desk:home"))
        detail = reverse("referrals:referral_detail", args=[referral.pk])
        self.assertContains(page, f'<td data-label="Henvisning"><a href="{detail}">Nora')
        self.assertContains(page, f'<td data-label="Status">{referral.get_status_display()}</td>')
        queue = reverse("referrals:queue")
        self.assertContains(page, f'href="{queue}?status=new"')

    def test_coordinator_home_names_only_the_ten_referrals_it_shows(self):
        now = timezone.now()
        referrals = [
            make_referral(
                self, f"Waiting{i:02d}", received_at=now - datetime.timedelta(hours=12 - i)
            )
            for i in range(12)
        ]
        response, [entry] = self.home_entries(self.coordinator)
        oldest = [r.person for r in referrals[:10]]
        self.assertEqual(entry.persons, self.assert_names(response, oldest))
        self.assertNotContains(response, referrals[11].person.full_name)

    def test_peer_home_names_courses_appointments_and_proposals(self):
        dan = make_person("Dan", unit=self.unit)
        dan_course = make_course(dan, self.peer)
        soon = timezone.now() + datetime.timedelta(hours=1)
        for course in (self.alice_course, dan_course):
            scheduling_services.book(
                actor=self.peer.user, course=course, starts_at=soon, minutes=30, mode="phone"
            )
            soon += datetime.timedelta(minutes=45)
        proposal = referral_services.transition(
            actor=self.coordinator, referral=make_referral(self, "Nora"), to="triaged"
        )
        matching_services.propose_match(actor=self.coordinator, referral=proposal, peer=self.peer)
        response, [entry] = self.home_entries(self.peer)
        self.assertEqual(
            entry.persons, self.assert_names(response, [self.alice, dan, proposal.person])
        )
        self.assertNotContains(response, self.bob.full_name)
        self.assertEqual(
            (entry.action, entry.purpose, entry.user), ("view", "support", self.peer.user)
        )

    def test_clinician_home_names_the_persons_they_referred(self):
        nora = make_referral(self, "Nora").person
        response, [entry] = self.home_entries(self.clinician)
        self.assertEqual(entry.persons, self.assert_names(response, [nora]))
        self.assertEqual(entry.person_id, nora.pk)
        self.assertEqual(entry.purpose, "referral")

    def test_pages_that_name_nobody_write_no_entry(self):
        make_referral(self, "Nora")
        for user in (self.evaluator, self.admin):
            with self.subTest(user=str(user)):
                _response, entries = self.home_entries(user)
                self.assertEqual(entries, [])

    def test_a_refused_home_page_writes_nothing(self):
        make_referral(self, "Nora")
        before = self.last_seq()
        response = self.client.get(HOME)  # not signed in
        self.assertRedirects(
            response, f"{reverse('accounts:login')}?next={HOME}", fetch_redirect_response=False
        )
        self.assertFalse(AccessLogEntry.objects.filter(seq__gt=before).exists())
