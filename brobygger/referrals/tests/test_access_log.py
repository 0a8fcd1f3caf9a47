"""Every page of the referrals app names, in its one access-log entry, every person it
shows; a refused change writes nothing, a merge writes one entry naming both."""

import datetime

from django.urls import reverse

from brobygger.lifecycle import services as lifecycle
from brobygger.people import services as people_services
from brobygger.people.models import ConsentKind, ConsentSource, Person
from brobygger.referrals import services
from brobygger.referrals.models import Referral, ReferralSource
from brobygger.testing import TODAY, BaseTestCase


class ReferralAccessLogTests(BaseTestCase):
    rita: Person

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.rita = people_services.create_person(
            actor=None,
            kind="relative",
            given_name="Rita",
            family_name="Holm",
            unit=cls.unit,
            patient=cls.alice,
            relationship="parent",
        )

    def refer(self, given_name: str, unit=None, **fields) -> Referral:
        return services.create_referral(
            actor=self.clinician,
            source=ReferralSource.CLINICIAN,
            unit=unit or self.unit,
            consent_source="verbal",
            person_fields={"kind": "patient", "given_name": given_name, **fields},
        )

    def test_queue_names_every_person_on_the_page(self):
        nina = self.refer("Nina", family_name="Lund", phone="40506070").person
        otto = self.refer("Otto", family_name="Krog", phone="40506071").person
        self.refer("Sune", family_name="Dahl", phone="40506072", unit=self.other_unit)
        self.login(self.coordinator)
        before = self.last_seq()
        response = self.client.get(reverse("referrals:queue"))
        self.assertContains(response, "Nina Lund")
        self.assertContains(response, "Otto Krog")
        self.assertNotContains(response, "Sune Dahl")
        entry = self.one_entry(before)
        self.assertEqual((entry.action, entry.persons), ("search", {nina.pk, otto.pk}))

    def test_a_queue_filter_with_no_referral_is_one_search_entry_naming_nobody(self):
        self.refer("Nina", family_name="Lund", phone="40506070")
        self.login(self.coordinator)
        before = self.last_seq()
        response = self.client.get(reverse("referrals:queue"), {"kind": "relative"})
        self.assertNotContains(response, "Nina Lund")
        entry = self.one_entry(before)
        self.assertEqual((entry.action, entry.persons), ("search", set()))

    def test_referral_page_names_the_possible_duplicate(self):
        referral = self.refer(
            "Alice",
            family_name="Andersen",
            phone="20304050",
            birth_date=self.alice.birth_date,
        )
        self.assertEqual(referral.possible_duplicate_id, self.alice.pk)
        self.login(self.coordinator)
        before = self.last_seq()
        response = self.client.get(reverse("referrals:referral_detail", args=[referral.pk]))
        self.assertContains(response, reverse("people:person_detail", args=[self.alice.pk]))
        self.assertEqual(self.one_entry(before).persons, {referral.person_id, self.alice.pk})
        # The clinician's page does not show the duplicate, and does not name it.
        self.login(self.clinician)
        before = self.last_seq()
        response = self.client.get(reverse("referrals:referral_detail", args=[referral.pk]))
        self.assertNotContains(response, reverse("people:person_detail", args=[self.alice.pk]))
        self.assertEqual(self.one_entry(before).persons, {referral.person_id})

    def test_course_page_names_the_relatives_the_patient_shares_with(self):
        people_services.record_consent(
            actor=None,
            person=self.alice,
            kind=ConsentKind.SHARE_WITH_RELATIVES,
            source=ConsentSource.VERBAL,
            recipient=self.rita,
        )
        self.login(self.peer)
        before = self.last_seq()
        response = self.client.get(reverse("referrals:course_detail", args=[self.alice_course.pk]))
        self.assertContains(response, "Rita Holm")
        entry = self.one_entry(before)
        self.assertEqual(
            (entry.person_id, entry.persons), (self.alice.pk, {self.alice.pk, self.rita.pk})
        )

    def test_course_page_no_longer_names_a_relative_once_sharing_is_withdrawn(self):
        consent = people_services.record_consent(
            actor=None,
            person=self.alice,
            kind=ConsentKind.SHARE_WITH_RELATIVES,
            source=ConsentSource.VERBAL,
            recipient=self.rita,
        )
        lifecycle.withdraw_consent(actor=self.coordinator, consent=consent, note="")
        url = reverse("referrals:course_detail", args=[self.alice_course.pk])
        self.login(self.peer)
        before = self.last_seq()
        response = self.client.get(url)
        self.assertNotContains(response, "Rita")
        self.assertEqual(self.one_entry(before).persons, {self.alice.pk})
        # The coordinator, who records consents, still sees whom the withdrawn one named.
        self.login(self.coordinator)
        before = self.last_seq()
        response = self.client.get(url)
        self.assertContains(response, "Rita Holm")
        self.assertEqual(self.one_entry(before).persons, {self.alice.pk, self.rita.pk})

    def test_consent_form_lists_and_names_the_relatives_the_policy_allows(self):
        # Tove is in the other unit: the coordinator may not see her, nor the link to her.
        tove = people_services.create_person(
            actor=None,
            kind="relative",
            given_name="Tove",
            family_name="Vang",
            unit=self.other_unit,
            patient=self.alice,
            relationship="sibling",
        )
        self.login(self.coordinator)
        before = self.last_seq()
        response = self.client.get(reverse("referrals:consent_create", args=[self.alice.pk]))
        self.assertContains(response, "Rita Holm")
        self.assertNotContains(response, "Tove")
        entry = self.one_entry(before)
        self.assertEqual(entry.persons, {self.alice.pk, self.rita.pk})
        self.assertNotIn(tove.pk, entry.persons)

    def test_a_merge_is_one_change_entry_naming_both_persons(self):
        referral = self.refer(
            "Alice",
            family_name="Andersen",
            phone="20304050",
            birth_date=self.alice.birth_date,
        )
        duplicate = referral.person_id
        self.login(self.coordinator)
        before = self.last_seq()
        response = self.client.post(reverse("referrals:referral_merge", args=[referral.pk]))
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Person.objects.filter(pk=duplicate).exists())
        entry = self.one_entry(before)
        self.assertEqual((entry.action, entry.persons), ("change", {self.alice.pk, duplicate}))

    def test_a_refused_transition_is_a_view_of_the_page_again_not_a_change(self):
        referral = self.refer("Nina", family_name="Lund", phone="40506070")
        self.login(self.coordinator)
        before = self.last_seq()
        # New cannot go straight to active: the service refuses, and the referral page
        # comes back with the message (it shows the person: one look, nothing changed).
        response = self.client.post(
            reverse("referrals:referral_transition", args=[referral.pk]), {"to": "active"}
        )
        self.assertEqual(response.status_code, 422)
        referral.refresh_from_db()
        self.assertEqual(referral.status, "new")
        entry = self.one_entry(before)
        self.assertEqual(entry.action, "view")
        self.assertEqual(entry.person_id, referral.person_id)

    def test_a_follow_up_change_the_user_may_not_make_writes_nothing(self):
        bob_course = self.bob.courses.get()
        self.login(self.peer)  # Bob is on the other peer's caseload
        before = self.last_seq()
        response = self.client.post(
            reverse("referrals:course_detail", args=[bob_course.pk]),
            {"phase": "follow_up", "support_model": bob_course.support_model},
        )
        self.assertEqual(response.status_code, 404)
        self.no_entry(before)

    def test_a_change_on_an_ended_course_writes_nothing(self):
        lifecycle.end_course(
            actor=None, course=self.alice_course, ended_on=TODAY, reason="completed"
        )
        self.login(self.peer)
        before = self.last_seq()
        response = self.client.post(
            reverse("referrals:course_detail", args=[self.alice_course.pk]),
            {
                "phase": "follow_up",
                "follow_up_until": (TODAY + datetime.timedelta(days=30)).isoformat(),
                "support_model": self.alice_course.support_model,
            },
        )
        self.assertEqual(response.status_code, 404)
        self.no_entry(before)
