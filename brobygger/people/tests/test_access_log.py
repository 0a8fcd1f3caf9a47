"""Every page of the people app names, in its one access-log entry, every person it shows
(the current page of a list, relatives, the courses of a leaving peer), and nothing more."""

import datetime

from django.urls import reverse

from brobygger.people import services, workforce_services
from brobygger.people.models import ConsentKind, ConsentSource, Person
from brobygger.referrals.person_views import PAGE_SIZE
from brobygger.testing import TODAY, BaseTestCase, make_person


class PeopleAccessLogTests(BaseTestCase):
    rita: Person

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # Alice's mother, registered from Alice's page; no consent to share with her yet.
        cls.rita = services.create_person(
            actor=None,
            kind="relative",
            given_name="Rita",
            family_name="Holm",
            unit=cls.unit,
            patient=cls.alice,
            relationship="parent",
        )

    def share_with_rita(self) -> None:
        services.record_consent(
            actor=None,
            person=self.alice,
            kind=ConsentKind.SHARE_WITH_RELATIVES,
            source=ConsentSource.VERBAL,
            recipient=self.rita,
            scope="Indlæggelser",
        )

    def test_person_list_names_every_person_on_the_page(self):
        self.login(self.coordinator)
        before = self.last_seq()
        response = self.client.get(reverse("people:person_list"))
        self.assertEqual(response.status_code, 200)
        entry = self.one_entry(before)
        self.assertEqual(entry.action, "search")
        self.assertEqual(entry.persons, {self.alice.pk, self.bob.pk, self.rita.pk})
        for name in ("Alice Andersen", "Bob Andersen", "Rita Holm"):
            self.assertContains(response, name)
        self.assertNotContains(response, "Carol")  # the other unit: neither shown nor named

    def test_person_list_names_only_the_persons_of_the_current_page(self):
        # Alice, Bob and two pages' worth of Andersens, then Rita Holm: page 3 holds three.
        size = PAGE_SIZE
        extra = [make_person(f"Zz{i:02d}", unit=self.unit, consent=False) for i in range(2 * size)]
        self.login(self.coordinator)
        before = self.last_seq()
        response = self.client.get(reverse("people:person_list"), {"page": "3"})
        entry = self.one_entry(before)
        on_page = [extra[-2], extra[-1], self.rita]
        self.assertEqual(list(response.context["page"].object_list), on_page)
        self.assertEqual(entry.persons, {p.pk for p in on_page})
        for person in on_page:
            self.assertContains(response, person.full_name)
        for person in (self.alice, extra[0], extra[-3]):
            self.assertNotContains(response, person.full_name)

    def test_a_search_names_the_persons_found(self):
        self.login(self.coordinator)
        before = self.last_seq()
        response = self.client.post(reverse("people:person_list"), {"q": "alice"})
        entry = self.one_entry(before)
        self.assertEqual((entry.action, entry.persons), ("search", {self.alice.pk}))
        self.assertNotEqual(entry.criterion_hash, "")
        self.assertContains(response, "Alice Andersen")
        self.assertNotContains(response, "Bob Andersen")

    def test_a_search_without_a_hit_is_one_search_entry_naming_nobody(self):
        self.login(self.coordinator)
        before = self.last_seq()
        response = self.client.post(reverse("people:person_list"), {"q": "ingen-saadan"})
        self.assertEqual(list(response.context["page"].object_list), [])
        self.assertNotContains(response, "Andersen")
        entry = self.one_entry(before)
        self.assertEqual((entry.action, entry.persons), ("search", set()))
        self.assertNotEqual(entry.criterion_hash, "")

    def test_person_page_names_the_relatives_it_shows(self):
        self.login(self.coordinator)
        before = self.last_seq()
        response = self.client.get(reverse("people:person_detail", args=[self.alice.pk]))
        self.assertContains(response, "Rita Holm")
        entry = self.one_entry(before)
        self.assertEqual((entry.action, entry.person_id), ("view", self.alice.pk))
        self.assertEqual(entry.persons, {self.alice.pk, self.rita.pk})
        # And from the relative's page, the patient she is linked to.
        before = self.last_seq()
        response = self.client.get(reverse("people:person_detail", args=[self.rita.pk]))
        self.assertContains(response, "Alice Andersen")
        self.assertEqual(self.one_entry(before).persons, {self.rita.pk, self.alice.pk})

    def test_person_page_shows_a_peer_a_relative_only_with_the_patients_consent(self):
        self.login(self.peer)
        url = reverse("people:person_detail", args=[self.alice.pk])
        before = self.last_seq()
        response = self.client.get(url)
        self.assertNotContains(response, "Rita")
        self.assertEqual(self.one_entry(before).persons, {self.alice.pk})
        self.share_with_rita()
        before = self.last_seq()
        response = self.client.get(url)
        self.assertContains(response, "Rita Holm")
        self.assertEqual(self.one_entry(before).persons, {self.alice.pk, self.rita.pk})

    def test_person_page_names_a_consents_recipient(self):
        self.login(self.coordinator)
        # Bob's page: no relatives; a consent of Bob's naming Rita shows her name.
        services.record_consent(
            actor=None,
            person=self.bob,
            kind=ConsentKind.SHARE_WITH_RELATIVES,
            source=ConsentSource.VERBAL,
            recipient=self.rita,
        )
        before = self.last_seq()
        response = self.client.get(reverse("people:person_detail", args=[self.bob.pk]))
        self.assertContains(response, "Rita Holm")
        self.assertEqual(self.one_entry(before).persons, {self.bob.pk, self.rita.pk})

    def test_handover_page_names_the_persons_of_the_leaving_peers_courses(self):
        workforce_services.plan_departure(
            actor=self.coordinator, peer=self.peer, last_day=TODAY + datetime.timedelta(days=20)
        )
        self.login(self.coordinator)
        before = self.last_seq()
        response = self.client.get(reverse("people:peer_handover", args=[self.peer.pk]))
        self.assertContains(response, "Alice Andersen")
        entry = self.one_entry(before)
        self.assertEqual((entry.action, entry.persons), ("search", {self.alice.pk}))

    def test_access_requests_page_names_the_persons_asked_for(self):
        services.request_person_access(
            actor=self.other_coordinator, number="0101901234", reason="Flytter til S3"
        )
        self.login(self.coordinator)
        before = self.last_seq()
        response = self.client.get(reverse("people:access_requests"))
        self.assertContains(response, "Alice Andersen")
        self.assertEqual(self.one_entry(before).persons, {self.alice.pk})

    def test_a_refused_cpr_number_and_the_edited_person_are_one_entry(self):
        self.login(self.coordinator)
        data = {
            "kind": "patient",
            "given_name": "Bob",
            "family_name": "Andersen",
            "cpr": "010190-1234",  # Alice's
            "language": "da",
            "contact_channel": "phone",
            "unit": str(self.unit.pk),
        }
        before = self.last_seq()
        response = self.client.post(reverse("people:person_edit", args=[self.bob.pk]), data)
        self.assertEqual(response.status_code, 422)
        entry = self.one_entry(before)
        self.assertEqual(entry.persons, {self.bob.pk, self.alice.pk})

    def test_an_edit_is_one_change_entry(self):
        self.login(self.coordinator)
        data = {
            "kind": "patient",
            "given_name": "Bobby",
            "family_name": "Andersen",
            "language": "da",
            "contact_channel": "phone",
            "unit": str(self.unit.pk),
        }
        before = self.last_seq()
        response = self.client.post(reverse("people:person_edit", args=[self.bob.pk]), data)
        self.assertEqual(response.status_code, 302)
        entry = self.one_entry(before)
        self.assertEqual((entry.action, entry.persons), ("change", {self.bob.pk}))

    def test_registering_a_relative_is_one_create_entry_naming_both(self):
        self.login(self.coordinator)
        data = {
            "kind": "relative",
            "given_name": "Sara",
            "family_name": "Holm",
            "language": "da",
            "contact_channel": "phone",
            "unit": str(self.unit.pk),
            "relationship": "partner",
        }
        url = reverse("people:person_create") + f"?patient={self.alice.pk}"
        before = self.last_seq()
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302)
        sara = Person.objects.get(given_name="Sara")
        entry = self.one_entry(before)
        self.assertEqual((entry.action, entry.persons), ("create", {self.alice.pk, sara.pk}))

    def test_a_completed_handover_is_one_change_entry_naming_the_persons_handed_over(self):
        workforce_services.plan_departure(
            actor=self.coordinator, peer=self.peer, last_day=TODAY + datetime.timedelta(days=20)
        )
        self.login(self.coordinator)
        before = self.last_seq()
        response = self.client.post(
            reverse("people:peer_handover", args=[self.peer.pk]),
            {f"course-{self.alice_course.pk}": str(self.other_peer.pk)},
        )
        self.assertRedirects(response, reverse("people:peer_detail", args=[self.peer.pk]))
        self.assertEqual(self.alice.courses.active().get().peer, self.other_peer)
        entry = self.one_entry(before)
        self.assertEqual((entry.action, entry.persons), ("change", {self.alice.pk}))
