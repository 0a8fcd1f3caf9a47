"""A CPR number already on file: said plainly within reach, nothing said beyond it (issue 16).

Whether a number is registered tells that someone is known to a psychiatric programme.
A coordinator may learn it only about persons they may see; otherwise the page offers
an access request, which goes to the coordinators of the person's unit and is logged.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from brobygger.audit.models import AccessLogEntry, AuditEvent
from brobygger.people import services
from brobygger.people.models import Person, PersonAccessRequest
from brobygger.testing import BaseTestCase, count_queries, make_person, make_unit, make_user

DORA_CPR = "0202801234"  # Dora is in the other unit, out of the coordinator's reach
ERIK_CPR = "0303701234"  # Erik is in a third unit
FREE_CPR = "0404601234"  # nobody has this number


class CprDuplicateTests(BaseTestCase):
    dora: Person
    erik: Person

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.dora = make_person("Dora", unit=cls.other_unit, cpr=DORA_CPR)
        cls.erik = make_person("Erik", unit=make_unit("Afsnit T7"), cpr=ERIK_CPR)

    def form_data(self, **changes: Any) -> dict[str, Any]:
        data = {
            "kind": "patient",
            "given_name": "Ny",
            "family_name": "Person",
            "language": "da",
            "contact_channel": "phone",
            "unit": str(self.unit.pk),
        }
        data.update(changes)
        return data

    def register(self, number: str):
        return self.client.post(reverse("people:person_create"), self.form_data(cpr=number))

    def error_text(self, response) -> str:
        return response.content.decode().split('class="error-summary"')[1].split("</div>")[0]

    def test_a_person_within_reach_is_named_as_registered_with_a_link(self):
        self.login(self.coordinator)
        response = self.register("010190-1234")  # Alice, in the coordinator's unit
        self.assertContains(response, "allerede registreret", status_code=422)
        self.assertContains(
            response,
            f'href="{reverse("people:person_detail", args=[self.alice.pk])}"',
            status_code=422,
        )
        self.assertNotContains(response, 'data-testid="access-request"', status_code=422)

    def test_a_number_held_outside_reach_says_nothing_about_the_person(self):
        self.login(self.coordinator)
        response = self.register(DORA_CPR)
        self.assertEqual(response.status_code, 422)
        text = response.content.decode()
        for hint in ("allerede", "already", "Dora", "Afsnit S3", "othercoord", "Andersen"):
            self.assertNotIn(hint, text, hint)
        self.assertNotContains(
            response, reverse("people:person_detail", args=[self.dora.pk]), status_code=422
        )
        self.assertContains(response, 'data-testid="access-request"', status_code=422)
        self.assertFalse(Person.objects.filter(given_name="Ny").exists())

    def test_the_words_are_the_same_whichever_unit_holds_the_number(self):
        self.login(self.coordinator)
        dora, erik = self.register(DORA_CPR), self.register(ERIK_CPR)
        self.assertEqual(self.error_text(dora), self.error_text(erik))

    def test_inside_and_outside_reach_do_the_same_database_work(self):
        counts = []
        for number in ("0101901234", DORA_CPR):
            with count_queries() as queries, self.assertRaises(ValidationError):
                services.create_person(
                    actor=self.coordinator,
                    kind="patient",
                    given_name="N",
                    family_name="P",
                    cpr=number,
                )
            counts.append(len(queries))
        self.assertEqual(counts[0], counts[1])

    def test_the_refused_look_up_is_in_the_persons_access_log(self):
        self.login(self.coordinator)
        self.register(DORA_CPR)
        entry = AccessLogEntry.objects.filter(person_id=self.dora.pk).latest("seq")
        self.assertEqual((entry.user, entry.action), (self.coordinator, "search"))

    def test_changing_a_persons_number_to_one_held_elsewhere_is_refused_the_same_way(self):
        self.login(self.coordinator)
        response = self.client.post(
            reverse("people:person_edit", args=[self.bob.pk]),
            self.form_data(given_name="Bob", family_name="Andersen", cpr=DORA_CPR),
        )
        self.assertContains(response, 'data-testid="access-request"', status_code=422)
        self.assertNotContains(response, "allerede", status_code=422)
        self.bob.refresh_from_db()
        self.assertIsNone(self.bob.cpr)


class AccessRequestTests(BaseTestCase):
    dora: Person

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.dora = make_person("Dora", unit=cls.other_unit, cpr=DORA_CPR)

    def ask(self, number: str, reason: str = "Henvist til vores afsnit"):
        return self.client.post(
            reverse("people:person_access_request"), {"cpr": number, "reason": reason}
        )

    def test_the_request_goes_to_the_coordinators_of_the_persons_unit(self):
        self.login(self.coordinator)
        response = self.ask(DORA_CPR)
        self.assertRedirects(response, reverse("people:person_list"))
        request = PersonAccessRequest.objects.get()
        self.assertEqual((request.person, request.requested_by), (self.dora, self.coordinator))
        event = AuditEvent.objects.get(verb="person.access_requested")
        self.assertEqual((event.actor, event.person_id), (self.coordinator, self.dora.pk))
        self.assertNotIn("Henvist", str(event.data))  # no free text in the audit trail

        self.login(self.other_coordinator)
        self.assertContains(
            self.client.get(reverse("desk:home")), 'data-testid="access-requests-alert"'
        )
        page = self.client.get(reverse("people:access_requests"))
        self.assertContains(page, 'data-testid="access-request-row"', count=1)
        self.assertContains(page, "Henvist til vores afsnit")
        self.assertContains(page, "Coordinator Test (Afsnit R1)")
        response = self.client.post(reverse("people:access_request_answer", args=[request.pk]))
        self.assertRedirects(response, reverse("people:access_requests"))
        request.refresh_from_db()
        self.assertEqual(request.answered_by, self.other_coordinator)
        self.assertTrue(AuditEvent.objects.filter(verb="person.access_request_answered").exists())
        self.assertNotContains(
            self.client.get(reverse("people:access_requests")), 'data-testid="access-request-row"'
        )

    def test_the_answer_is_the_same_whoever_has_the_number(self):
        self.login(self.coordinator)
        answers = set()
        for number in (FREE_CPR, "0101901234", DORA_CPR):
            response = self.client.post(
                reverse("people:person_access_request"),
                {"cpr": number, "reason": "Henvist"},
                follow=True,
            )
            self.assertEqual(response.redirect_chain, [(reverse("people:person_list"), 302)])
            answers.add(tuple(str(m) for m in response.context["messages"]))
        self.assertEqual(len(answers), 1)
        # Only the number held outside the coordinator's reach makes a request.
        self.assertEqual(
            list(PersonAccessRequest.objects.values_list("person", flat=True)), [self.dora.pk]
        )

    def test_asking_twice_keeps_one_open_request(self):
        self.login(self.coordinator)
        self.ask(DORA_CPR)
        self.ask(DORA_CPR, "Igen")
        self.assertEqual(PersonAccessRequest.objects.count(), 1)
        self.assertEqual(AuditEvent.objects.filter(verb="person.access_requested").count(), 1)

    def test_a_reason_is_needed_and_what_was_typed_is_kept(self):
        self.login(self.coordinator)
        response = self.ask(DORA_CPR, "   ")
        self.assertEqual(response.status_code, 422)
        self.assertFalse(PersonAccessRequest.objects.exists())

    def test_only_coordinators_of_the_persons_unit_see_and_answer(self):
        request = PersonAccessRequest.objects.create(
            person=self.dora, requested_by=self.coordinator, reason="x", requested_at=timezone.now()
        )
        answer = reverse("people:access_request_answer", args=[request.pk])
        self.login(self.coordinator)  # the requester, of another unit
        self.assertNotContains(self.client.get(reverse("people:access_requests")), "Dora")
        self.assertEqual(self.client.post(answer).status_code, 404)
        for user in (self.peer, self.clinician, self.evaluator, self.admin):
            with self.subTest(user=str(user)):
                self.login(user)
                self.assertEqual(
                    self.client.get(reverse("people:access_requests")).status_code, 403
                )
                self.assertEqual(self.client.post(answer).status_code, 403)
                self.assertEqual(self.ask(DORA_CPR).status_code, 403)
        request.refresh_from_db()
        self.assertIsNone(request.answered_at)

    def test_the_request_list_has_a_fixed_number_of_queries(self):
        self.login(self.other_coordinator)
        services.request_person_access(actor=self.coordinator, number=DORA_CPR, reason="a")
        with count_queries() as one:
            self.client.get(reverse("people:access_requests"))
        for n in range(3):
            asker = make_user(f"coord{n}", "coordinator", units=(make_unit(f"Afsnit X{n}"),))
            services.request_person_access(actor=asker, number=DORA_CPR, reason="b")
        with count_queries() as four:
            response = self.client.get(reverse("people:access_requests"))
        self.assertContains(response, 'data-testid="access-request-row"', count=4)
        self.assertEqual(len(four), len(one))
