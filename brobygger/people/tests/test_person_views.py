from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from brobygger.audit.models import AccessLogEntry
from brobygger.people.models import Person, RelativeLink
from brobygger.testing import BaseTestCase, count_queries, make_person


class PersonAccessMatrixTests(BaseTestCase):
    def status_for(self, user, person) -> int:
        self.login(user)
        return self.client.get(reverse("people:person_detail", args=[person.pk])).status_code

    def test_role_matrix_for_the_person_page(self):
        expected = [
            (self.coordinator, self.alice, 200),
            (self.coordinator, self.carol, 404),  # another unit
            (self.other_coordinator, self.alice, 404),
            (self.other_coordinator, self.carol, 200),
            (self.peer, self.alice, 200),  # own caseload
            (self.peer, self.bob, 404),  # the other peer's person
            (self.other_peer, self.alice, 404),
            (self.relative_peer, self.alice, 404),
            (self.clinician, self.alice, 404),  # referred nobody
            (self.evaluator, self.alice, 403),
            (self.admin, self.alice, 403),
        ]
        for user, person, status in expected:
            with self.subTest(user=str(user), person=person.given_name):
                self.assertEqual(self.status_for(user, person), status)

    def test_every_look_writes_exactly_one_access_log_entry(self):
        self.login(self.peer)
        before = AccessLogEntry.objects.count()
        self.client.get(reverse("people:person_detail", args=[self.alice.pk]))
        entries = AccessLogEntry.objects.order_by("-seq")[: AccessLogEntry.objects.count() - before]
        self.assertEqual(len(entries), 1)
        entry = entries[0]
        self.assertEqual(
            (entry.user, entry.action, entry.person_id, entry.purpose),
            (self.peer.user, "view", self.alice.pk, "support"),
        )

    def test_refused_look_writes_nothing_and_reveals_nothing(self):
        self.login(self.other_peer)
        before = AccessLogEntry.objects.count()
        response = self.client.get(reverse("people:person_detail", args=[self.alice.pk]))
        self.assertNotContains(response, "Alice", status_code=404)
        self.assertEqual(AccessLogEntry.objects.count(), before)

    def test_cpr_is_masked_and_revealing_it_is_logged(self):
        self.login(self.coordinator)
        response = self.client.get(reverse("people:person_detail", args=[self.alice.pk]))
        self.assertContains(response, "010190-XXXX")
        self.assertNotContains(response, "0101901234")
        self.assertNotContains(response, "010190-1234")
        response = self.client.post(
            reverse("people:person_reveal_cpr", args=[self.alice.pk]),
            headers={"HX-Request": "true"},
        )
        self.assertContains(response, "010190-1234")
        self.assertTrue(
            AccessLogEntry.objects.filter(action="reveal", person_id=self.alice.pk).exists()
        )

    def test_other_peer_cannot_reveal_cpr(self):
        self.login(self.other_peer)
        response = self.client.post(reverse("people:person_reveal_cpr", args=[self.alice.pk]))
        self.assertEqual(response.status_code, 404)

    def test_protected_address_is_never_shown(self):
        person = make_person(
            "Dora",
            unit=self.unit,
            street="Hemmeligvej 7",
            postal_code="4000",
            city="Roskilde",
            protected_address=True,
        )
        self.login(self.coordinator)
        response = self.client.get(reverse("people:person_detail", args=[person.pk]))
        self.assertNotContains(response, "Hemmeligvej")
        self.assertContains(response, "Beskyttet adresse")
        response = self.client.get(reverse("people:person_edit", args=[person.pk]))
        self.assertEqual(response.status_code, 200)

    def test_page_titles_hold_no_names(self):
        self.login(self.coordinator)
        response = self.client.get(reverse("people:person_detail", args=[self.alice.pk]))
        title = response.content.decode().split("<title>")[1].split("</title>")[0]
        self.assertNotIn("Alice", title)


class PersonListTests(BaseTestCase):
    def test_list_shows_own_units_only_and_logs_one_search(self):
        self.login(self.coordinator)
        before = AccessLogEntry.objects.count()
        response = self.client.get(reverse("people:person_list"))
        self.assertContains(response, "Alice")
        self.assertNotContains(response, "Carol")
        self.assertEqual(AccessLogEntry.objects.count(), before + 1)
        newest = AccessLogEntry.objects.order_by("-seq").first()
        assert newest is not None
        self.assertEqual(newest.action, "search")

    def test_search_goes_in_the_body_not_the_url(self):
        self.login(self.coordinator)
        response = self.client.post(reverse("people:person_list"), {"q": "bob"})
        self.assertContains(response, "Bob")
        self.assertNotContains(response, "Alice</a>")
        response = self.client.post(reverse("people:person_list"), {"q": "010190"})
        self.assertContains(response, "Alice")

    def test_query_count_does_not_grow_with_data(self):
        self.login(self.coordinator)
        url = reverse("people:person_list")
        with count_queries() as small:
            self.client.get(url)
        for i in range(30):
            make_person(f"Extra{i}", unit=self.unit)
        with count_queries() as large:
            self.client.get(url)
        self.assertEqual(len(small), len(large))
        self.assertLessEqual(len(large), 14)

    def test_peer_cannot_list_everyone(self):
        self.login(self.peer)
        self.assertEqual(self.client.get(reverse("people:person_list")).status_code, 403)


class PersonFormTests(BaseTestCase):
    def form_data(self, **overrides):
        data = {
            "kind": "patient",
            "given_name": "Erik",
            "family_name": "Ørsted",
            "language": "da",
            "contact_channel": "phone",
            "unit": self.unit.pk,
        }
        data.update(overrides)
        return data

    def test_coordinator_registers_a_person(self):
        self.login(self.coordinator)
        response = self.client.post(
            reverse("people:person_create"), self.form_data(cpr="010190-1235")
        )
        person = Person.objects.get(given_name="Erik")
        self.assertRedirects(response, reverse("people:person_detail", args=[person.pk]))
        self.assertEqual(person.cpr, "0101901235")
        self.assertEqual(str(person.birth_date), "1990-01-01")
        self.assertTrue(
            AccessLogEntry.objects.filter(action="create", person_id=person.pk).exists()
        )

    def test_bad_cpr_keeps_what_was_typed_with_a_danish_message(self):
        self.login(self.coordinator)
        response = self.client.post(
            reverse("people:person_create"),
            self.form_data(cpr="310290-1234", given_name="Æble <b>"),
        )
        self.assertContains(response, "rigtig fødselsdato", status_code=422)
        self.assertContains(response, 'value="Æble &lt;b&gt;"', status_code=422)
        self.assertFalse(Person.objects.filter(family_name="Ørsted").exists())

    def test_duplicate_cpr_is_refused_clearly(self):
        self.login(self.coordinator)
        response = self.client.post(
            reverse("people:person_create"), self.form_data(cpr="0101901234")
        )
        self.assertContains(response, "allerede registreret", status_code=422)

    def test_english_messages_for_english_users(self):
        user = self.login(self.coordinator)
        user.language = "en"
        user.save(update_fields=["language"])
        response = self.client.post(reverse("people:person_create"), self.form_data(cpr="12345"))
        self.assertContains(response, "A CPR number has 10 digits", status_code=422)

    def test_relative_linked_to_patient(self):
        self.login(self.coordinator)
        url = reverse("people:person_create") + f"?patient={self.alice.pk}"
        response = self.client.post(url, self.form_data(kind="relative", relationship="parent"))
        self.assertEqual(response.status_code, 302)
        link = RelativeLink.objects.get(patient=self.alice)
        self.assertEqual(link.relationship, "parent")

    def test_cannot_link_to_patient_outside_own_units(self):
        self.login(self.coordinator)
        url = reverse("people:person_create") + f"?patient={self.carol.pk}"
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_edit_keeps_cpr_when_left_empty(self):
        self.login(self.coordinator)
        response = self.client.post(
            reverse("people:person_edit", args=[self.alice.pk]),
            self.form_data(given_name="Alicia", cpr=""),
        )
        self.assertEqual(response.status_code, 302)
        self.alice.refresh_from_db()
        self.assertEqual((self.alice.given_name, self.alice.cpr), ("Alicia", "0101901234"))


class NoInputGivesA500Tests(BaseTestCase, HypothesisTestCase):
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(
        name=st.text(min_size=0, max_size=300), cpr=st.text(max_size=20), postal=st.text(max_size=6)
    )
    def test_any_text_is_answered_without_error_and_escaped(self, name, cpr, postal):
        self.login(self.coordinator)
        response = self.client.post(
            reverse("people:person_create"),
            {
                "kind": "patient",
                "given_name": name,
                "family_name": "X",
                "cpr": cpr,
                "postal_code": postal,
                "language": "da",
                "contact_channel": "phone",
            },
        )
        self.assertIn(response.status_code, (302, 422))
        self.assertNotIn(b"<script>alert", response.content)
