"""The FHIR export (issue 20.1): a DK Core-shaped R4 Bundle, through the policy and the log."""

from __future__ import annotations

import copy
import datetime
import io
import json
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from brobygger.audit.models import AccessAction, Purpose
from brobygger.conversations import services as conversations
from brobygger.interop import dkcore
from brobygger.interop.fhir import CONFIDENTIALITY, CPR_SYSTEM, SOR_SYSTEM
from brobygger.outcomes.models import Administration, AnsweredBy
from brobygger.outcomes.services import save_answers
from brobygger.people import services as people_services
from brobygger.people.models import ConsentKind, ConsentSource, Person, PersonKind, Relationship
from brobygger.scheduling import services as scheduling
from brobygger.scheduling.models import Appointment, Mode
from brobygger.testing import TODAY, BaseTestCase, count_queries, make_course, make_person


def by_type(bundle: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for entry in bundle["entry"]:
        found.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return found


def at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


class FhirExportTests(BaseTestCase):
    held: Appointment
    relative: Person
    answered: Administration | None

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.unit.sor_code = "123456789012"
        cls.unit.save()
        course = cls.alice_course
        # A conversation held (with its note), one cancelled, one coming.
        for kind in (ConsentKind.STORE_NOTES, ConsentKind.QUESTIONNAIRES):
            people_services.record_consent(
                actor=None, person=cls.alice, kind=kind, source=ConsentSource.VERBAL
            )
        held = scheduling.record_past(
            actor=None,
            course=course,
            starts_at=at(TODAY - datetime.timedelta(days=3), 10),
            minutes=45,
            mode=Mode.PHONE,
        )
        conversations.record_conversation(
            actor=cls.peer.user,
            appointment=held,
            minutes=45,
            topics=[],
            chime=[],
            how_doing="Har det bedre end sidst, sover om natten.",
        )
        cls.held = held
        cancelled = scheduling.book(
            actor=None,
            course=course,
            starts_at=at(TODAY + datetime.timedelta(days=3), 10),
            minutes=45,
            mode=Mode.IN_PERSON,
        )
        scheduling.cancel(actor=None, appointment=cancelled, by="person", reason="Syg")
        scheduling.book(
            actor=None,
            course=course,
            starts_at=at(TODAY + datetime.timedelta(days=5), 13),
            minutes=45,
            mode=Mode.IN_PERSON,
        )
        # A relative, linked and named in the consent to share.
        cls.relative = make_person("Rasmus", kind=PersonKind.RELATIVE, unit=cls.unit)
        people_services.link_relative(
            actor=None, relative=cls.relative, patient=cls.alice, relationship=Relationship.PARENT
        )
        people_services.record_consent(
            actor=None,
            person=cls.alice,
            kind=ConsentKind.SHARE_WITH_RELATIVES,
            source=ConsentSource.WRITTEN,
            recipient=cls.relative,
        )
        # An answered questionnaire (the course's start planned it).
        administration = Administration.objects.filter(course=course).first()
        assert administration is not None
        if administration is not None:
            keys = [item["key"] for item in administration.version.items]
            save_answers(
                administration=administration,
                answers={key: 2 for key in keys},
                final=True,
                answered_by=AnsweredBy.WITH_PEER,
                actor=cls.peer.user,
            )
        cls.answered = administration

    def export(self, pk: int) -> dict[str, Any]:
        response = self.client.post(reverse("interop:person", args=[pk]))
        self.assertEqual(response.status_code, 200, response.content[:500])
        self.assertEqual(response["Content-Type"], "application/fhir+json; charset=utf-8")
        self.assertIn("attachment", response["Content-Disposition"])
        self.assertEqual(response["Cache-Control"], "no-store")
        return json.loads(response.content)

    def test_a_person_bundle_validates_against_r4b_and_dk_core(self):
        self.login(self.coordinator)
        bundle = self.export(self.alice.pk)
        Bundle.model_validate(bundle)  # raises on any element of the wrong type or count
        self.assertEqual(dkcore.problems(bundle), [])
        self.assertEqual(bundle["type"], "collection")
        kinds = by_type(bundle)
        for kind in (
            "Patient",
            "RelatedPerson",
            "Practitioner",
            "PractitionerRole",
            "Organization",
            "Appointment",
            "Encounter",
            "Consent",
        ):
            self.assertIn(kind, kinds)
        (patient,) = kinds["Patient"]
        cpr = [i for i in patient["identifier"] if i["system"] == CPR_SYSTEM]
        self.assertEqual(cpr, [{"system": CPR_SYSTEM, "value": "0101901234"}])
        self.assertEqual(patient["meta"]["profile"], [dkcore.PROFILES["Patient"]])
        (organization,) = kinds["Organization"]
        self.assertIn({"system": SOR_SYSTEM, "value": "123456789012"}, organization["identifier"])
        statuses = sorted(a["status"] for a in kinds["Appointment"])
        self.assertEqual(statuses, ["booked", "cancelled", "fulfilled"])
        (encounter,) = kinds["Encounter"]
        self.assertEqual(encounter["class"]["code"], "VR")  # by phone
        self.assertEqual(encounter["length"]["value"], 45)
        (related,) = kinds["RelatedPerson"]
        self.assertEqual(related["relationship"][0]["coding"][0]["code"], "PRN")
        share = [
            c
            for c in kinds["Consent"]
            if c["category"][0]["coding"][0]["code"] == ConsentKind.SHARE_WITH_RELATIVES
        ]
        actor = share[0]["provision"]["actor"][0]["reference"]["reference"]
        self.assertEqual(actor, f"urn:uuid:{related['id']}")
        if self.answered is not None:  # always (setUpTestData asserts it)
            (response,) = kinds["QuestionnaireResponse"]
            self.assertEqual(response["status"], "completed")
            self.assertTrue(
                all(item["answer"][0]["valueInteger"] == 2 for item in response["item"])
            )

    def test_the_peer_note_never_leaves(self):
        self.login(self.coordinator)
        text = json.dumps(self.export(self.alice.pk), ensure_ascii=False)
        self.assertNotIn("sover om natten", text)

    def test_references_resolve_and_ids_are_stable(self):
        self.login(self.coordinator)
        first = self.export(self.alice.pk)
        second = self.export(self.alice.pk)
        urls = {e["fullUrl"] for e in first["entry"]}
        self.assertEqual(urls, {e["fullUrl"] for e in second["entry"]})
        held = [r for r in by_type(first)["Appointment"] if r["status"] == "fulfilled"]
        self.assertEqual(len(held), 1)
        self.assertIn(f"urn:uuid:{self.held.uid}", json.dumps(held[0]))

    def test_a_protected_address_is_a_security_label_never_the_address(self):
        hidden = make_person(
            "Hanne",
            unit=self.unit,
            cpr="0202851234",
            street="Skjultvej 7",
            postal_code="8000",
            city="Aarhus C",
            protected_address=True,
        )
        open_ = make_person(
            "Ole", unit=self.unit, street="Åbenvej 1", postal_code="8200", city="Aarhus N"
        )
        self.login(self.coordinator)
        bundle = self.export(hidden.pk)
        (patient,) = by_type(bundle)["Patient"]
        self.assertNotIn("address", patient)
        self.assertIn(
            {"system": CONFIDENTIALITY, "code": "R", "display": "restricted"},
            patient["meta"]["security"],
        )
        self.assertNotIn("Skjultvej", json.dumps(bundle, ensure_ascii=False))
        (shown_patient,) = by_type(self.export(open_.pk))["Patient"]
        self.assertEqual(shown_patient["address"][0]["line"], ["Åbenvej 1"])

    def test_the_export_is_one_logged_export_naming_the_relative_too(self):
        self.login(self.coordinator)
        before = self.last_seq()
        self.export(self.alice.pk)
        entry = self.one_entry(before)
        self.assertEqual(entry.action, AccessAction.EXPORT)
        self.assertEqual(entry.purpose, Purpose.COORDINATION)
        self.assertEqual(set(entry.persons), {self.alice.pk, self.relative.pk})

    def test_outside_the_purpose_nothing_is_exported_or_logged(self):
        url = reverse("interop:person", args=[self.alice.pk])
        for user, status in (
            (self.other_coordinator, 404),  # another unit's coordinator
            (self.peer, 403),  # only coordinators export
            (self.clinician, 403),
            (self.admin, 403),
        ):
            with self.subTest(user=user):
                self.login(user)
                before = self.last_seq()
                response = self.client.post(url)
                self.assertEqual(response.status_code, status)
                self.no_entry(before)
        self.login(self.coordinator)
        self.assertEqual(self.client.get(url).status_code, 405)  # a download is a POST
        self.assertEqual(
            self.client.post(reverse("interop:person", args=[self.relative.pk])).status_code, 404
        )

    def test_the_period_export_holds_the_units_patients_and_pins_its_queries(self):
        self.login(self.coordinator)
        url = reverse("interop:period")
        page = self.client.get(url)
        self.assertContains(page, "DK Core")
        data = {
            "fra": (TODAY - datetime.timedelta(days=30)).isoformat(),
            "til": (TODAY + datetime.timedelta(days=30)).isoformat(),
        }
        with count_queries() as few:
            response = self.client.post(url, data)
        self.assertEqual(response.status_code, 200)
        bundle = json.loads(response.content)
        self.assertEqual(dkcore.problems(bundle), [])
        names = {p["name"][0]["given"][0] for p in by_type(bundle)["Patient"]}
        self.assertIn("Alice", names)
        self.assertNotIn("Carol", names)  # the other unit's
        for n in range(3):  # more patients with records: the same number of queries
            person = make_person(f"Extra{n}", unit=self.unit)
            make_course(person, self.other_peer)
            scheduling.book(
                actor=None,
                course=person.courses.get(),
                starts_at=at(TODAY + datetime.timedelta(days=7 + n), 9),
                minutes=45,
                mode=Mode.IN_PERSON,
            )
        with count_queries() as many:
            response = self.client.post(url, data)
        self.assertEqual(len(by_type(json.loads(response.content))["Patient"]) >= 4, True)
        self.assertEqual(len(many.captured_queries), len(few.captured_queries))

    def test_a_bad_period_is_refused_in_danish_and_kept(self):
        self.login(self.coordinator)
        response = self.client.post(
            reverse("interop:period"),
            {"fra": "2026-02-30", "til": "2026-01-01"},
            HTTP_ACCEPT_LANGUAGE="da",
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "2026-02-30", status_code=422)

    def test_the_command_writes_the_bundle_as_the_named_user(self):
        out = io.StringIO()
        before = self.last_seq()
        call_command(
            "export_fhir", "--user", "coordinator", "--person", str(self.alice.pk), stdout=out
        )
        bundle = json.loads(out.getvalue())
        Bundle.model_validate(bundle)
        self.assertEqual(dkcore.problems(bundle), [])
        entry = self.one_entry(before)
        self.assertEqual(entry.action, AccessAction.EXPORT)
        with self.assertRaises(CommandError):
            call_command("export_fhir", "--user", "othercoord", "--person", str(self.alice.pk))
        with self.assertRaises(CommandError):
            call_command("export_fhir", "--user", "peer", "--person", str(self.alice.pk))
        out = io.StringIO()
        start = (TODAY - datetime.timedelta(days=30)).isoformat()
        call_command(
            "export_fhir",
            "--user",
            "coordinator",
            "--from",
            start,
            "--to",
            TODAY.isoformat(),
            stdout=out,
        )
        self.assertIn("Patient", out.getvalue())


class DkCoreCheckTests(BaseTestCase):
    """The checker is able to fail: each rule on a Bundle broken on purpose."""

    def bundle(self) -> dict[str, Any]:
        self.login(self.coordinator)
        response = self.client.post(reverse("interop:person", args=[self.alice.pk]))
        return json.loads(response.content)

    def test_each_rule_fails_when_broken(self):
        good = self.bundle()
        self.assertEqual(dkcore.problems(good), [])

        def patient(b: dict[str, Any]) -> dict[str, Any]:
            return next(
                e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "Patient"
            )

        broken = copy.deepcopy(good)
        patient(broken)["identifier"][0]["value"] = "3213901234"  # day 32
        self.assertTrue(any("pattern" in p for p in dkcore.problems(broken)))
        broken = copy.deepcopy(good)
        patient(broken)["identifier"].append({"system": CPR_SYSTEM, "value": "0101901234"})
        self.assertTrue(any("more than one CPR" in p for p in dkcore.problems(broken)))
        broken = copy.deepcopy(good)
        patient(broken)["meta"]["security"] = [{"system": CONFIDENTIALITY, "code": "R"}]
        patient(broken)["address"] = [{"line": ["Skjult 1"]}]
        self.assertTrue(any("protected address" in p for p in dkcore.problems(broken)))
        broken = copy.deepcopy(good)
        patient(broken)["managingOrganization"] = {"reference": "urn:uuid:nowhere"}
        self.assertTrue(any("not in the Bundle" in p for p in dkcore.problems(broken)))
        broken = copy.deepcopy(good)
        patient(broken)["meta"]["profile"] = []
        self.assertTrue(any("profile" in p for p in dkcore.problems(broken)))
