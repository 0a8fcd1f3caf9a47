"""A person's copy of their data (GDPR art. 15): complete, their own, audited."""

from __future__ import annotations

import datetime
import io
import json
from typing import Any

from django.apps import apps
from django.db import models
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from brobygger.audit.models import AccessAction, AccessLogEntry, AuditEvent, Purpose
from brobygger.conversations import services as conversations
from brobygger.people import services as people_services
from brobygger.people.models import ConsentKind, Person, PersonKind
from brobygger.rights import export
from brobygger.scheduling import services as scheduling
from brobygger.testing import TODAY, BaseTestCase, count_queries, make_person

# Reached through one of these, a model's rows belong to one person's records.
PERSON_ROOTS = {"people.Person"}


def models_of_a_person() -> set[str]:
    """Every model whose rows reference a person: a FK, one-to-one or many-to-many into
    Person, or into a model that does (a referral, course, appointment, note ...)."""
    found = set(PERSON_ROOTS)
    grew = True
    while grew:
        grew = False
        for model in apps.get_models():
            label = model._meta.label
            if label in found:
                continue
            for field in model._meta.get_fields():
                if not (field.many_to_one or field.one_to_one or field.many_to_many):
                    continue
                if not field.concrete or field.related_model is None:
                    continue
                related = field.related_model
                if not (isinstance(related, type) and issubclass(related, models.Model)):
                    continue
                if related._meta.label in found:
                    found.add(label)
                    grew = True
                    break
    return found


class EnumerationTests(BaseTestCase):
    def test_the_copy_holds_every_model_that_references_a_person(self):
        # A new model that points at a person (or at their referral, course, appointment,
        # note ...) must be added to its app's export_person, or this fails.
        exported = set(export.records_of(self.alice))
        missing = models_of_a_person() - exported
        self.assertEqual(missing, set())

    def test_the_walk_finds_the_record_types_reached_through_a_course(self):
        found = models_of_a_person()
        for label in (
            "referrals.Course",
            "scheduling.Appointment",
            "conversations.RecordVersion",
            "outcomes.Answer",
            "matching.MatchDecline",
            "people.PersonCorrection",
        ):
            self.assertIn(label, found)


def form(**overrides: Any) -> dict[str, Any]:
    data = {
        "copy-received_on": (TODAY - datetime.timedelta(days=2)).isoformat(),
        "copy-identity_check": "mitid",
        "copy-format": "json",
    }
    data.update({f"copy-{k}": v for k, v in overrides.items()})
    return data


class CopyTests(BaseTestCase):
    dan: Person

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        actor = cls.peer.user
        people_services.record_consent(
            actor=None, person=cls.alice, kind=ConsentKind.STORE_NOTES, source="verbal"
        )
        cls.dan = make_person("Dan", kind=PersonKind.RELATIVE, unit=cls.unit, consent=False)
        people_services.link_relative(
            actor=cls.coordinator, relative=cls.dan, patient=cls.alice, relationship="sibling"
        )
        # Alice's own consent names Dan: the one place another person's name is in her copy.
        people_services.record_consent(
            actor=cls.coordinator,
            person=cls.alice,
            kind=ConsentKind.SHARE_WITH_RELATIVES,
            source="written",
            recipient=cls.dan,
            scope="Udskrivelsesdato",
        )
        appointment = scheduling.record_past(
            actor=actor,
            course=cls.alice_course,
            starts_at=timezone.now() - datetime.timedelta(days=3),
            minutes=45,
            mode="in_person",
            status="held",
            place_kind="ward",
        )
        record = conversations.record_conversation(
            actor=actor,
            appointment=appointment,
            minutes=45,
            topics=[],
            chime=["hope"],
            purpose="Tale om hjemkomsten",
            how_doing="Mere ro end sidst",
        )
        conversations.update_record(
            actor=actor,
            record=record,
            minutes=40,
            topics=[],
            chime=["hope"],
            purpose="Tale om hjemkomsten og arbejdet",
            how_doing="Mere ro end sidst",
        )
        people_services.update_person(actor=cls.coordinator, person=cls.alice, phone="61626364")

    def url(self, person: Any = None) -> str:
        return reverse("rights:copy", args=[(person or self.alice).pk])

    def test_json_copy_holds_the_records_with_history_and_the_access_report(self):
        # A look by the peer, before the copy: the copy's access report names it.
        self.login(self.peer)
        self.client.get(reverse("people:person_detail", args=[self.alice.pk]))
        self.login(self.admin)
        response = self.client.post(self.url(), form())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertIn("attachment", response["Content-Disposition"])
        self.assertNotIn("Alice", response["Content-Disposition"])
        copy = json.loads(response.content)
        self.assertEqual((copy["schema_version"], copy["person_id"]), (1, self.alice.pk))
        records = copy["records"]
        self.assertEqual(records["people.Person"][0]["cpr"], "0101901234")
        notes = records["conversations.ConversationRecord"]
        self.assertEqual(notes[0]["purpose"], "Tale om hjemkomsten og arbejdet")
        earlier = records["conversations.RecordVersion"]
        self.assertEqual(earlier[0]["data"]["purpose"], "Tale om hjemkomsten")
        self.assertEqual(records["people.PersonCorrection"][0]["old_value"], "20304050")
        self.assertTrue(records["scheduling.Appointment"])
        self.assertTrue(records["referrals.Course"])
        looks = [(row["user"], row["action"]) for row in copy["access_log"]]
        self.assertIn((self.peer.user.display_name, "view"), looks)
        self.assertEqual(copy["request"]["identity_check"], "mitid")

    def test_the_copy_never_holds_another_persons_data_but_the_own_consents_recipient(self):
        self.login(self.admin)
        copy = json.loads(self.client.post(self.url(), form()).content)
        links = copy["records"]["people.RelativeLink"]
        self.assertEqual(
            links,
            [
                {
                    "id": links[0]["id"],
                    "relationship": "sibling",
                    "relationship_text": links[0]["relationship_text"],
                }
            ],
        )
        consents = [c for c in copy["records"]["people.Consent"] if c["recipient_id"]]
        self.assertEqual(consents[0]["recipient"], "Dan Andersen")
        # Dan's copy: his link to Alice without her name; her consent is hers, not his.
        dans = self.client.post(self.url(self.dan), form()).content.decode()
        self.assertNotIn("Alice", dans)
        self.assertNotIn("0101901234", dans)
        self.assertNotIn("hjemkomsten", dans)

    def test_pdf_copy_is_readable_danish_grouped_by_record_type_with_the_access_report(self):
        self.login(self.peer)
        self.client.get(reverse("people:person_detail", args=[self.alice.pk]))
        self.login(self.admin)
        response = self.client.post(self.url(), form(format="pdf"))
        self.assertEqual(response["Content-Type"], "application/pdf")
        text = "\n".join(
            page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages
        )
        for words in (
            "Alice Andersen",
            "Samtykker",
            "Peer-noter",
            "Tale om hjemkomsten og arbejdet",
            "Tidligere formuleringer af peer-noter",
            "Rettelser",
            "Hvem har set dine oplysninger",
            self.peer.user.display_name,
            "Datatilsynet",
        ):
            self.assertIn(words, text)

    def test_making_the_copy_is_an_audited_export_with_the_request_reference(self):
        self.login(self.admin)
        before = self.last_seq()
        self.client.post(self.url(), form())
        entry = self.one_entry(before)
        self.assertEqual(
            (entry.action, entry.purpose, entry.person_id),
            (AccessAction.EXPORT, Purpose.SUBJECT_ACCESS, self.alice.pk),
        )
        event = AuditEvent.objects.filter(verb="rights.copy_made").get()
        self.assertEqual(event.person_id, self.alice.pk)
        self.assertEqual(event.data["identity_check"], "mitid")
        self.assertEqual(
            event.data["received_on"], (TODAY - datetime.timedelta(days=2)).isoformat()
        )
        self.assertEqual(event.data["counts"]["conversations.ConversationRecord"], 1)

    def test_a_request_without_its_reference_gets_the_form_back_and_no_file(self):
        self.login(self.admin)
        future = (TODAY + datetime.timedelta(days=1)).isoformat()
        response = self.client.post(self.url(), form(received_on=future))
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "kan ikke ligge i fremtiden", status_code=422)
        self.assertFalse(AuditEvent.objects.filter(verb="rights.copy_made").exists())
        self.assertFalse(AccessLogEntry.objects.filter(action=AccessAction.EXPORT).exists())

    def test_the_page_warns_of_health_data_and_only_the_administrator_reaches_it(self):
        self.login(self.admin)
        page = self.client.get(reverse("rights:person", args=[self.alice.pk]))
        self.assertContains(page, "helbredsoplysninger")
        for user in (self.coordinator, self.peer, self.evaluator):
            self.login(user)
            self.assertEqual(
                self.client.get(reverse("rights:person", args=[self.alice.pk])).status_code, 403
            )
            self.assertEqual(self.client.post(self.url(), form()).status_code, 403)
        self.login(self.admin)
        self.assertEqual(self.client.get(reverse("rights:person", args=[99999])).status_code, 404)

    def test_search_is_logged_with_the_purpose_of_the_request(self):
        self.login(self.admin)
        before = self.last_seq()
        response = self.client.post(reverse("rights:search"), {"q": "Alice"})
        self.assertContains(response, reverse("rights:person", args=[self.alice.pk]))
        entry = self.one_entry(before)
        self.assertEqual((entry.action, entry.purpose), ("search", Purpose.SUBJECT_ACCESS))


class CopyQueryTests(BaseTestCase):
    def note(self, days_ago: int) -> None:
        appointment = scheduling.record_past(
            actor=self.peer.user,
            course=self.alice_course,
            starts_at=timezone.now() - datetime.timedelta(days=days_ago),
            minutes=30,
            mode="phone",
            status="held",
        )
        conversations.record_conversation(
            actor=self.peer.user,
            appointment=appointment,
            minutes=30,
            topics=[],
            chime=[],
            purpose=f"Samtale {days_ago}",
        )

    def test_the_copy_takes_the_same_number_of_queries_whatever_the_number_of_records(self):
        people_services.record_consent(
            actor=None, person=self.alice, kind=ConsentKind.STORE_NOTES, source="verbal"
        )
        self.note(2)
        with count_queries() as few:
            export.records_of(self.alice)
        for days_ago in (3, 4, 5, 6):
            self.note(days_ago)
        with count_queries() as many:
            records = export.records_of(self.alice)
        self.assertEqual(len(records["conversations.ConversationRecord"]), 5)
        self.assertEqual(len(many.captured_queries), len(few.captured_queries))
