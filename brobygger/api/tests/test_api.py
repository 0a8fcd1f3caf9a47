"""The JSON API (issue 20.2): tokens with scopes, the pages' policy and access log,
an idempotent referral from the EPJ, clear error bodies and a rate limit."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from brobygger.api import services
from brobygger.api.models import ClientKey, Integration, Scope
from brobygger.audit.models import AccessAction
from brobygger.referrals.models import Course, Referral
from brobygger.scheduling import services as scheduling
from brobygger.scheduling.models import Appointment, Mode
from brobygger.testing import TODAY, BaseTestCase, count_queries, make_course, make_person

ALL = [s.value for s in Scope]


def referral(**overrides: Any) -> dict[str, Any]:
    data = {
        "client_key": "sp-henv-0001",
        "given_name": "Mette",
        "family_name": "Madsen",
        "cpr": "150390-4321",
        "phone": "20 30 40 50",
        "reason": "Vil gerne tale med en, der selv har prøvet det.",
        "treatment_setting": "inpatient",
        "consent_written": True,
    }
    data.update(overrides)
    return data


class ApiTests(BaseTestCase):
    epj: Integration
    epj_token: str
    coordination: Integration
    coordination_token: str
    appointment: Appointment
    carol_course: Course

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.epj, cls.epj_token = services.create_integration(
            actor=None,
            name="EPJ",
            user=cls.clinician,
            scopes=[Scope.REFERRALS_READ, Scope.REFERRALS_WRITE],
        )
        cls.coordination, cls.coordination_token = services.create_integration(
            actor=None, name="Koordinering", user=cls.coordinator, scopes=ALL
        )
        start = timezone.make_aware(
            datetime.datetime.combine(TODAY + datetime.timedelta(days=2), datetime.time(10))
        )
        cls.appointment = scheduling.book(
            actor=None, course=cls.alice_course, starts_at=start, minutes=45, mode=Mode.IN_PERSON
        )
        cls.carol_course = make_course(cls.carol, cls.other_peer)

    def setUp(self) -> None:
        cache.clear()  # the rate limit's counts

    def call(self, method: str, path: str, token: str | None, body: Any = None, **extra: Any):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        if body is not None:
            return getattr(self.client, method)(
                path, json.dumps(body), content_type="application/json", **headers, **extra
            )
        return getattr(self.client, method)(path, **headers, **extra)

    def test_the_schema_is_public_openapi_with_the_bearer_scheme(self):
        response = self.client.get("/api/schema/")
        self.assertEqual(response.status_code, 200)
        schema = response.json()
        self.assertTrue(schema["openapi"].startswith("3."))
        self.assertIn("/api/referrals/", schema["paths"])
        self.assertEqual(
            schema["components"]["securitySchemes"]["IntegrationToken"]["scheme"], "bearer"
        )

    def test_without_a_valid_token_nothing_is_read_or_logged(self):
        before = self.last_seq()
        for token in (None, "wrong", self.epj_token + "x"):
            response = self.call("get", "/api/referrals/", token, HTTP_ACCEPT_LANGUAGE="da")
            self.assertEqual(response.status_code, 401)
            self.assertEqual(response["WWW-Authenticate"], "Bearer")
            self.assertIn("token", response.json()["detail"])
        services.revoke(actor=None, integration=self.epj)
        self.assertEqual(self.call("get", "/api/referrals/", self.epj_token).status_code, 401)
        self.no_entry(before)

    def test_a_referral_from_the_epj_is_made_once_per_client_key(self):
        before = self.last_seq()
        first = self.call("post", "/api/referrals/", self.epj_token, referral())
        self.assertEqual(first.status_code, 201, first.content)
        made = first.json()
        self.assertEqual(made["person"]["given_name"], "Mette")
        self.assertEqual(made["status"], "new")
        self.assertEqual(made["source"], "clinician")
        entry = self.one_entry(before)  # the creation and the answer: one entry
        self.assertEqual(entry.action, AccessAction.CREATE)
        again = self.call("post", "/api/referrals/", self.epj_token, referral())
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json()["id"], made["id"])
        self.assertEqual(Referral.objects.filter(person__given_name="Mette").count(), 1)
        other = self.call("post", "/api/referrals/", self.epj_token, referral(reason="Noget andet"))
        self.assertEqual(other.status_code, 409)
        self.assertEqual(ClientKey.objects.count(), 1)
        # The clinician account reads its own referral back, logged as a view.
        before = self.last_seq()
        detail = self.call("get", f"/api/referrals/{made['id']}/", self.epj_token)
        self.assertEqual(detail.status_code, 200)
        self.assertEqual(self.one_entry(before).action, AccessAction.VIEW)

    def test_a_retry_after_the_persons_erasure_does_not_bring_them_back(self):
        from brobygger.people.models import Person
        from brobygger.rights import services as rights

        made = self.call("post", "/api/referrals/", self.epj_token, referral())
        self.assertEqual(made.status_code, 201, made.content)
        person = Person.objects.get(given_name="Mette")
        decision, _removed = rights.request_erasure(
            actor=self.admin,
            person=person,
            received_on=TODAY,
            identity_check="photo_id",
        )
        self.assertTrue(decision.allowed, decision.codes)
        self.assertFalse(Person.objects.filter(given_name="Mette").exists())
        key = ClientKey.objects.get()
        # The key stays, and nothing of the person: no referral, no hash of the payload.
        self.assertIsNone(key.referral_id)
        self.assertEqual(key.payload_hash, "")
        self.assertIsNotNone(key.forgotten_at)
        retry = self.call("post", "/api/referrals/", self.epj_token, referral())
        self.assertEqual(retry.status_code, 410, retry.content)
        self.assertIn("slettet", retry.json()["detail"])
        self.assertFalse(Person.objects.filter(given_name="Mette").exists())
        self.assertFalse(Referral.objects.filter(reason=referral()["reason"]).exists())
        # A new request (a new key) is a new referral, as any other.
        fresh = self.call("post", "/api/referrals/", self.epj_token, referral(client_key="ny-1"))
        self.assertEqual(fresh.status_code, 201, fresh.content)

    def test_invalid_input_is_a_clear_422_and_makes_nothing(self):
        cases = [
            referral(given_name=""),
            referral(cpr="12345"),
            referral(phone="x"),
            referral(treatment_setting="sometimes"),
            referral(client_key="has spaces"),
            referral(given_name="Nul\x00byte"),
            referral(unit_id=self.other_unit.pk),  # not the account's unit
            referral(cpr="321390-1234"),  # no such day: the service refuses it
        ]
        for body in cases:
            with self.subTest(body=body):
                response = self.call(
                    "post", "/api/referrals/", self.epj_token, body, HTTP_ACCEPT_LANGUAGE="da"
                )
                self.assertEqual(response.status_code, 422, response.content)
                error = response.json()
                self.assertTrue(error["detail"])
                self.assertTrue(error["errors"], error)
        self.assertFalse(Referral.objects.filter(person__given_name="Mette").exists())
        self.assertEqual(ClientKey.objects.count(), 0)
        broken = self.client.post(
            "/api/referrals/",
            "{not json",
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {self.epj_token}",
        )
        self.assertIn(broken.status_code, (400, 422))

    def test_scopes_and_the_accounts_policy_decide_what_is_read(self):
        # The EPJ's token has no course scope.
        self.assertEqual(self.call("get", "/api/courses/", self.epj_token).status_code, 403)
        # The coordinator's integration: its units' courses, not the other unit's.
        courses = self.call("get", "/api/courses/", self.coordination_token).json()
        ids = {c["id"] for c in courses["items"]}
        self.assertIn(self.alice_course.pk, ids)
        self.assertNotIn(self.carol_course.pk, ids)
        path = f"/api/courses/{self.carol_course.pk}/"
        self.assertEqual(self.call("get", path, self.coordination_token).status_code, 404)
        # A clinician account sees only referrals it made: none here.
        self.assertEqual(self.call("get", "/api/referrals/", self.epj_token).json()["count"], 0)

    def test_lists_are_logged_as_searches_naming_the_persons_returned(self):
        before = self.last_seq()
        response = self.call("get", "/api/appointments/", self.coordination_token)
        self.assertEqual(response.status_code, 200)
        items = response.json()["items"]
        self.assertEqual([a["id"] for a in items], [self.appointment.pk])
        entry = self.one_entry(before)
        self.assertEqual(entry.action, AccessAction.SEARCH)
        self.assertEqual(set(entry.persons), {self.alice.pk})
        window = {"from": "2100-01-01T00:00:00", "to": "2100-02-01T00:00:00"}
        empty = self.call("get", "/api/appointments/", self.coordination_token, data=window)
        self.assertEqual(empty.json()["count"], 0)

    def test_query_values_out_of_range_are_422_not_500(self):
        for path in (
            "/api/referrals/?limit=0",
            "/api/referrals/?limit=100000",
            "/api/referrals/?status=nonsense",
            "/api/appointments/?from=not-a-date",
            "/api/courses/99999999999999999999/",
        ):
            with self.subTest(path=path):
                response = self.call("get", path, self.coordination_token)
                self.assertIn(response.status_code, (404, 422), response.content)
        # A moment in year 1 (which no time zone conversion survives) is taken as 1900.
        early = "/api/referrals/?since=0001-01-01T00:00:00%2B14:00"
        self.assertEqual(self.call("get", early, self.coordination_token).status_code, 200)

    @override_settings(API_RATE_LIMIT="3/m")
    def test_the_rate_limit_answers_429_with_retry_after(self):
        codes = [self.call("get", "/api/referrals/", self.epj_token).status_code for _ in range(4)]
        self.assertEqual(codes, [200, 200, 200, 429])
        last = self.call("get", "/api/referrals/", self.epj_token)
        self.assertIn("Retry-After", last)
        # Per token: the other integration is not slowed by it.
        self.assertEqual(
            self.call("get", "/api/courses/", self.coordination_token).status_code, 200
        )

    def test_last_use_is_kept_without_a_write_per_call(self):
        self.call("get", "/api/referrals/", self.epj_token)
        first = Integration.objects.get(pk=self.epj.pk).last_used_at
        self.assertIsNotNone(first)
        self.call("get", "/api/referrals/", self.epj_token)
        self.assertEqual(Integration.objects.get(pk=self.epj.pk).last_used_at, first)

    def test_a_protected_person_field_never_leaves(self):
        person = make_person("Hemmelig", unit=self.unit, cpr="0202851234")
        make_course(person, self.peer)
        text = self.call("get", "/api/courses/", self.coordination_token).content.decode()
        self.assertIn("Hemmelig", text)
        self.assertNotIn("0202851234", text)  # no CPR number goes out of the API

    def test_lists_use_the_same_number_of_queries_whatever_their_length(self):
        paths = ("/api/referrals/", "/api/courses/", "/api/appointments/")

        def counts() -> list[int]:
            found = []
            for path in paths:
                with count_queries() as queries:
                    response = self.call("get", path, self.coordination_token)
                self.assertEqual(response.status_code, 200)
                found.append(len(queries.captured_queries))
            return found

        def add(n: int) -> None:
            person = make_person(f"Flere{n}", unit=self.unit)
            course = make_course(person, self.other_peer)
            start = timezone.make_aware(
                datetime.datetime.combine(TODAY + datetime.timedelta(days=3 + n), datetime.time(9))
            )
            scheduling.book(
                actor=None, course=course, starts_at=start, minutes=45, mode=Mode.IN_PERSON
            )

        add(0)  # two persons in each list: the log names more than one from here on
        counts()  # the first call of the minute also notes the token's last use
        few = counts()
        for n in range(1, 4):
            add(n)
        # Shown once before: persons shown together for the first time are stored as a set.
        counts()
        self.assertEqual(counts(), few)
