"""The access policy on the people pages (accounts/policy.py), through HTTP.

- each role sees only the person fields its work needs (a test per role and field);
- the full CPR number is for coordinators only, and the look is logged;
- a protected address never leaves the coordinator's own unit, prefilled forms included;
- a linked relative (or patient) is shown only where the patient's consent allows;
- a coordinator sees and edits only the peer workers of their own units.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from brobygger.accounts.models import Role
from brobygger.audit.models import AccessLogEntry
from brobygger.people import services as people_services
from brobygger.people.models import (
    ConsentKind,
    ConsentSource,
    PeerWorker,
    Person,
    RelativeLink,
)
from brobygger.referrals import services as referral_services
from brobygger.testing import BaseTestCase, make_course, make_person, make_user

# What the person page says for each field: a value only that field shows.
FIELD_MARKS = {
    "cpr_masked": "030285-XXXX",
    "cpr_full": "Vis hele nummeret (bliver logget)",
    "birth_date": "<dt>Fødselsdato</dt>",
    "gender": "<dt>Køn</dt>",
    "language": "<dt>Sprog</dt>",
    "phone": "29876543",
    "email": "dora@example.dk",
    "address": "Solsikkevej 3",
    "contact": "Efter kl. 16",
    "consents": "<h2>Samtykker</h2>",
}
DORA: dict[str, Any] = {
    "cpr": "0302851234",
    "gender": "female",
    "phone": "29876543",
    "email": "dora@example.dk",
    "street": "Solsikkevej 3",
    "postal_code": "4000",
    "city": "Roskilde",
    "contact_times": "Efter kl. 16",
}
PEER_FIELDS = {"cpr_masked", "birth_date", "gender", "language", "phone", "email", "contact"}
EXPECTED = {
    "coordinator": set(FIELD_MARKS),
    "peer": PEER_FIELDS,
    "relative peer": PEER_FIELDS,
    "clinician": {"cpr_masked", "birth_date", "gender", "language"},
}


class FieldPolicyTests(BaseTestCase):
    persons: dict[str, Person]
    viewers: dict[str, Any]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # One person per role, each on that role's own caseload; the same fields for all.
        patient = make_person("Dora", unit=cls.unit, **DORA)
        make_course(patient, cls.other_peer)
        relative = make_person("Dora", kind="relative", unit=cls.unit, **{**DORA, "cpr": None})
        make_course(relative, cls.relative_peer)
        referral = referral_services.create_referral(
            actor=cls.clinician,
            source="clinician",
            person_fields={"kind": "patient", "given_name": "Dora", "family_name": "Berg"},
            unit=cls.unit,
            consent_source=ConsentSource.VERBAL,
        )
        referred = referral.person
        people_services.update_person(actor=None, person=referred, **{**DORA, "cpr": None})
        # The masked number of the relative and the referred patient: set without a clash.
        Person.objects.filter(pk=relative.pk).update(cpr="0302851235")
        Person.objects.filter(pk=referred.pk).update(cpr="0302851236")
        cls.persons = {"coordinator": patient, "peer": patient}
        cls.persons |= {"relative peer": relative, "clinician": referred}
        cls.viewers = {
            "coordinator": cls.coordinator,
            "peer": cls.other_peer,
            "relative peer": cls.relative_peer,
            "clinician": cls.clinician,
        }

    def test_each_role_sees_only_the_fields_its_work_needs(self):
        for role, viewer in self.viewers.items():
            self.login(viewer)
            person = self.persons[role]
            page = self.client.get(reverse("people:person_detail", args=[person.pk]))
            self.assertEqual(page.status_code, 200)
            for field, mark in FIELD_MARKS.items():
                with self.subTest(role=role, field=field):
                    if field in EXPECTED[role]:
                        self.assertContains(page, mark)
                    else:
                        self.assertNotContains(page, mark)

    def test_only_a_coordinator_can_reveal_the_full_cpr_number_and_it_is_logged(self):
        for role, viewer in self.viewers.items():
            person = self.persons[role]
            self.login(viewer)
            before = AccessLogEntry.objects.filter(action="reveal").count()
            entries = AccessLogEntry.objects.count()
            response = self.client.post(reverse("people:person_reveal_cpr", args=[person.pk]))
            with self.subTest(role=role):
                if role == "coordinator":
                    self.assertContains(response, "030285-1234")
                    self.assertEqual(
                        AccessLogEntry.objects.filter(action="reveal").count(), before + 1
                    )
                else:
                    self.assertEqual(response.status_code, 404)
                    self.assertNotIn(b"030285-123", response.content)
                    # Refused before the person is read: nothing logged at all.
                    self.assertEqual(AccessLogEntry.objects.count(), entries)


class ProtectedAddressTests(BaseTestCase):
    def protected(self, unit: Any) -> Person:
        return make_person(
            "Ida",
            unit=unit,
            street="Hemmeligvej 7",
            postal_code="4000",
            city="Roskilde",
            protected_address=True,
        )

    def test_the_coordinator_of_the_persons_own_unit_gets_the_prefilled_form(self):
        person = self.protected(self.unit)
        self.login(self.coordinator)
        form = self.client.get(reverse("people:person_edit", args=[person.pk]))
        self.assertContains(form, "Hemmeligvej 7")
        page = self.client.get(reverse("people:person_detail", args=[person.pk]))
        self.assertNotContains(page, "Hemmeligvej")

    def test_outside_the_coordinators_own_unit_the_form_keeps_it_hidden_and_on_file(self):
        # A self-referral with no unit yet: every coordinator may see the person.
        person = self.protected(None)
        self.login(self.other_coordinator)
        url = reverse("people:person_edit", args=[person.pk])
        form = self.client.get(url)
        self.assertEqual(form.status_code, 200)
        self.assertNotContains(form, "Hemmeligvej")
        self.assertNotContains(form, "Roskilde")
        data = {
            "kind": "patient",
            "given_name": "Ida",
            "family_name": "Andersen",
            "language": "da",
            "contact_channel": "phone",
            "street": "",
            "postal_code": "",
            "city": "",
        }  # protected_address left unticked: it cannot be lifted from here
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302)
        person.refresh_from_db()
        self.assertEqual(
            (person.street, person.postal_code, person.city, person.protected_address),
            ("Hemmeligvej 7", "4000", "Roskilde", True),
        )
        response = self.client.post(url, data | {"street": "Ny Vej 1"}, follow=True)
        self.assertNotContains(response, "Hemmeligvej")
        person.refresh_from_db()
        self.assertEqual(person.street, "Ny Vej 1")

    def test_peers_and_clinicians_never_see_any_address(self):
        person = make_person("Ida", unit=self.unit, street="Åbenvej 2", city="Køge")
        make_course(person, self.other_peer)
        self.login(self.other_peer)
        page = self.client.get(reverse("people:person_detail", args=[person.pk]))
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, "Åbenvej")


class RelativesOnThePersonPageTests(BaseTestCase):
    rolf: Person

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.rolf = people_services.create_person(
            actor=None,
            kind="relative",
            given_name="Rolf",
            family_name="Jensen",
            unit=cls.unit,
            patient=cls.alice,
            relationship="parent",
        )
        people_services.record_consent(
            actor=None, person=cls.rolf, kind=ConsentKind.CONTACT, source=ConsentSource.VERBAL
        )
        make_course(cls.rolf, cls.relative_peer)

    def consent_to_share(self) -> None:
        people_services.record_consent(
            actor=self.coordinator,
            person=self.alice,
            kind=ConsentKind.SHARE_WITH_RELATIVES,
            source=ConsentSource.VERBAL,
            recipient=self.rolf,
            scope="At jeg er indlagt",
        )

    def page(self, viewer: Any, person: Person) -> Any:
        self.login(viewer)
        response = self.client.get(reverse("people:person_detail", args=[person.pk]))
        self.assertEqual(response.status_code, 200)
        return response

    def test_the_patients_peer_sees_the_relative_only_with_the_patients_consent(self):
        self.assertNotContains(self.page(self.peer, self.alice), "Rolf")
        self.consent_to_share()
        page = self.page(self.peer, self.alice)
        self.assertContains(page, "Rolf Jensen")
        # Named, but no way into a person the peer may not see.
        self.assertNotContains(page, reverse("people:person_detail", args=[self.rolf.pk]))

    def test_the_relatives_peer_sees_the_patient_only_with_the_patients_consent(self):
        self.assertNotContains(self.page(self.relative_peer, self.rolf), "Alice")
        self.consent_to_share()
        self.assertContains(self.page(self.relative_peer, self.rolf), "Alice Andersen")

    def test_a_clinician_who_referred_the_patient_never_sees_the_relatives(self):
        referral_services.create_referral(
            actor=self.clinician,
            source="clinician",
            person=self.alice,
            unit=self.unit,
            consent_source=ConsentSource.VERBAL,
        )
        self.consent_to_share()
        self.assertNotContains(self.page(self.clinician, self.alice), "Rolf")

    def test_the_coordinator_sees_the_links_between_persons_of_their_units(self):
        page = self.page(self.coordinator, self.alice)
        self.assertContains(page, reverse("people:person_detail", args=[self.rolf.pk]))
        other = make_person("Sven", kind="relative", unit=self.other_unit)
        people_services.update_person(actor=None, person=other, family_name="Udenfor")
        RelativeLink.objects.create(relative=other, patient=self.alice, relationship="friend")
        self.assertNotContains(self.page(self.coordinator, self.alice), "Udenfor")


class PeerWorkersOfOtherUnitsTests(BaseTestCase):
    def test_a_coordinator_cannot_see_or_edit_a_peer_of_another_unit(self):
        self.login(self.other_coordinator)
        for name in ("people:peer_detail", "people:peer_edit", "people:peer_pauses"):
            with self.subTest(page=name):
                url = reverse(name, args=[self.peer.pk])
                self.assertEqual(self.client.get(url).status_code, 404)
        response = self.client.post(
            reverse("people:peer_edit", args=[self.peer.pk]),
            {
                "kind": "patient_peer",
                "languages": ["da"],
                "units": [self.other_unit.pk],
                "hours_min": "8",
                "hours_max": "9",
                "contract_start": "2026-01-01",
                "education_status": "none",
            },
        )
        self.assertEqual(response.status_code, 404)
        self.peer.refresh_from_db()
        self.assertEqual(list(self.peer.units.all()), [self.unit])
        self.assertEqual(self.peer.hours_max, 15)
        listing = self.client.get(reverse("people:peer_list"))
        self.assertNotContains(listing, self.peer.user.display_name)

    def test_the_coordinator_of_the_peers_unit_edits_them(self):
        self.login(self.coordinator)
        for name in ("people:peer_detail", "people:peer_edit"):
            with self.subTest(page=name):
                url = reverse(name, args=[self.peer.pk])
                self.assertEqual(self.client.get(url).status_code, 200)

    def test_a_coordinator_of_both_units_sees_a_peer_of_either(self):
        both = make_user("bothcoord", Role.COORDINATOR, units=(self.unit, self.other_unit))
        elsewhere = PeerWorker.objects.get(pk=self.peer.pk)
        elsewhere.units.set([self.other_unit])
        self.login(both)
        url = reverse("people:peer_detail", args=[elsewhere.pk])
        self.assertEqual(self.client.get(url).status_code, 200)
