"""Erasure by rule (GDPR art. 17): allowed without health records, refused with the
reason while they are kept; both audited."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils import formats, translation

from brobygger.audit.models import AccessLogEntry, AuditEvent
from brobygger.lifecycle import services as lifecycle
from brobygger.people import services as people_services
from brobygger.people.models import ConsentKind, ConsentSource, Person, PersonKind
from brobygger.referrals import services as referral_services
from brobygger.referrals.models import Referral, ReferralSource
from brobygger.rights import erasure
from brobygger.testing import TODAY, BaseTestCase, make_person


def form(**overrides: Any) -> dict[str, Any]:
    data = {
        "erase-received_on": (TODAY - datetime.timedelta(days=1)).isoformat(),
        "erase-identity_check": "photo_id",
        "erase-confirm": "on",
    }
    data.update({f"erase-{k}": v for k, v in overrides.items()})
    return data


class ErasureTests(BaseTestCase):
    def self_referral(self) -> Person:
        referral = referral_services.create_referral(
            actor=None,
            source=ReferralSource.SELF,
            person_fields={
                "kind": PersonKind.PATIENT,
                "given_name": "Signe",
                "family_name": "Selvhenvist",
                "phone": "22334455",
            },
            unit=None,
            consent_source=ConsentSource.ONLINE,
            consents=(ConsentKind.CONTACT, ConsentKind.STORE_NOTES),
            reason="Jeg vil gerne tale med en, der har prøvet det",
        )
        return referral.person

    def url(self, person: Person) -> str:
        return reverse("rights:erase", args=[person.pk])

    def test_a_self_referral_that_never_became_a_course_is_erased_and_the_log_keeps_the_id(self):
        person = self.self_referral()
        pk = person.pk
        # A coordinator looked at her: the log keeps that entry after the erasure.
        self.login(self.coordinator)
        self.client.get(reverse("people:person_detail", args=[pk]))
        looks = AccessLogEntry.objects.filter(person_id=pk).count()
        self.login(self.admin)
        page = self.client.get(reverse("rights:person", args=[pk]))
        self.assertContains(page, "kan slettes")
        response = self.client.post(self.url(person), form())
        self.assertRedirects(response, reverse("rights:search"))
        self.assertFalse(Person.objects.filter(pk=pk).exists())
        self.assertFalse(Referral.objects.filter(person_id=pk).exists())
        self.assertFalse(Person.objects.filter(family_name="Selvhenvist").exists())
        self.assertGreaterEqual(AccessLogEntry.objects.filter(person_id=pk).count(), looks + 1)
        event = AuditEvent.objects.get(verb="rights.erased")
        self.assertEqual(event.person_id, pk)
        self.assertEqual(event.data["identity_check"], "photo_id")
        self.assertEqual(event.data["counts"]["referrals.Referral"], 1)
        self.assertEqual(event.data["counts"]["people.Consent"], 2)
        self.assertEqual(event.data["counts"]["people.Person"], 1)
        # No name in the audit trail.
        self.assertNotIn("Signe", str(event.data))

    def test_a_relative_without_records_is_erased_with_the_link(self):
        dan = make_person("Dan", kind=PersonKind.RELATIVE, unit=self.unit, consent=False)
        people_services.link_relative(
            actor=self.coordinator, relative=dan, patient=self.alice, relationship="friend"
        )
        self.login(self.admin)
        self.client.post(self.url(dan), form())
        self.assertFalse(Person.objects.filter(pk=dan.pk).exists())
        self.assertTrue(Person.objects.filter(pk=self.alice.pk).exists())
        event = AuditEvent.objects.get(verb="rights.erased")
        self.assertEqual(event.data["counts"]["people.RelativeLink"], 1)

    def test_a_person_with_a_course_is_not_erased_and_the_page_says_why(self):
        self.login(self.admin)
        page = self.client.get(reverse("rights:person", args=[self.alice.pk]))
        self.assertContains(page, "Personen kan ikke slettes nu")
        self.assertContains(page, "forløbet er stadig i gang")
        self.assertContains(page, "artikel 17, stk. 3, litra b og c")
        response = self.client.post(self.url(self.alice), form(confirm=""))
        self.assertRedirects(response, reverse("rights:person", args=[self.alice.pk]))
        self.assertTrue(Person.objects.filter(pk=self.alice.pk).exists())
        event = AuditEvent.objects.get(verb="rights.erasure_refused")
        self.assertEqual(event.person_id, self.alice.pk)
        self.assertIn("open_course", event.data["reasons"])

    def test_an_ended_course_is_kept_until_five_years_after_the_last_entry(self):
        lifecycle.end_course(
            actor=self.coordinator, course=self.alice_course, ended_on=TODAY, reason="completed"
        )
        self.login(self.admin)
        page = self.client.get(reverse("rights:person", args=[self.alice.pk]))
        with translation.override("da"):
            until = formats.date_format(erasure.add_months(TODAY, 60), "j. F Y")
        self.assertContains(page, f"Forløb, samtaler og peer-noter: gemmes til og med {until}")
        self.assertNotContains(page, "Slet personen")

    def test_a_relative_named_in_a_patients_consent_is_not_erased(self):
        dan = make_person("Dan", kind=PersonKind.RELATIVE, unit=self.unit, consent=False)
        people_services.record_consent(
            actor=self.coordinator,
            person=self.alice,
            kind=ConsentKind.SHARE_WITH_RELATIVES,
            source="written",
            recipient=dan,
            scope="Udskrivelsesdato",
        )
        self.login(self.admin)
        page = self.client.get(reverse("rights:person", args=[dan.pk]))
        self.assertContains(page, "nævner denne person som modtager")
        self.client.post(self.url(dan), form())
        self.assertTrue(Person.objects.filter(pk=dan.pk).exists())
        event = AuditEvent.objects.get(verb="rights.erasure_refused")
        self.assertEqual(event.data["reasons"], ["named_in_consent"])

    def test_an_allowed_erasure_needs_the_confirmation_and_keeps_what_was_typed(self):
        person = self.self_referral()
        self.login(self.admin)
        response = self.client.post(self.url(person), form(confirm=""))
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "Sæt kryds", status_code=422)
        self.assertContains(response, 'photo_id" selected', status_code=422)
        self.assertTrue(Person.objects.filter(pk=person.pk).exists())
        self.assertFalse(AuditEvent.objects.filter(verb__startswith="rights.eras").exists())
