"""Admissions entered by the coordinator: per course, their units only, audited and logged."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from brobygger.admissions import services
from brobygger.admissions.models import Admission, AdmissionSource
from brobygger.audit.models import AccessLogEntry, AuditEvent
from brobygger.testing import BaseTestCase, count_queries, make_course, make_peer


def day(days_ago: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days_ago)


class AdmissionServiceTests(BaseTestCase):
    def test_add_change_delete_are_audited(self):
        admission = services.add_admission(
            actor=self.coordinator,
            course=self.alice_course,
            admitted_on=day(20),
            discharged_on=day(5),
            unit=self.unit,
        )
        self.assertEqual(admission.bed_days, 15)
        self.assertEqual(admission.source, AdmissionSource.ENTERED)
        self.assertEqual(admission.created_by, self.coordinator)
        services.change_admission(
            actor=self.coordinator,
            admission=admission,
            admitted_on=day(20),
            discharged_on=day(2),
            unit=self.unit,
        )
        services.delete_admission(actor=self.coordinator, admission=admission)
        events = list(AuditEvent.objects.filter(object_type="admissions.admission").order_by("seq"))
        self.assertEqual(
            [e.verb for e in events],
            ["admission.created", "admission.changed", "admission.deleted"],
        )
        self.assertEqual({e.person_id for e in events}, {self.alice.pk})
        self.assertEqual(events[1].data["fields"], ["discharged_on"])

    def test_dates_are_checked_with_clear_messages(self):
        services.add_admission(
            actor=None, course=self.alice_course, admitted_on=day(30), discharged_on=day(20)
        )
        cases = [
            (day(-1), None, "admitted_on"),  # admitted tomorrow
            (day(10), day(11), "discharged_on"),  # discharged before admitted
            (day(10), day(-2), "discharged_on"),  # discharged in the future
            (day(30), day(29), "admitted_on"),  # the same day again
        ]
        for admitted, discharged, field in cases:
            with self.subTest(field=field, admitted=admitted):
                with self.assertRaises(ValidationError) as raised:
                    services.add_admission(
                        actor=None,
                        course=self.alice_course,
                        admitted_on=admitted,
                        discharged_on=discharged,
                    )
                self.assertIn(field, raised.exception.message_dict)
        with self.assertRaises(ValidationError) as overlap:
            services.add_admission(
                actor=None, course=self.alice_course, admitted_on=day(25), discharged_on=day(5)
            )
        self.assertIn("overlapper", " ".join(overlap.exception.messages))
        # Discharged and readmitted on the same day (a transfer) is fine.
        services.add_admission(actor=None, course=self.alice_course, admitted_on=day(20))
        self.assertEqual(Admission.objects.count(), 2)

    def test_the_database_refuses_a_discharge_before_the_admission(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            Admission.objects.create(
                course=self.alice_course, admitted_on=day(5), discharged_on=day(6)
            )


class AdmissionPageTests(BaseTestCase):
    def url(self, course=None) -> str:
        return reverse("admissions:course", args=[(course or self.alice_course).pk])

    def test_role_matrix(self):
        admission = services.add_admission(actor=None, course=self.alice_course, admitted_on=day(9))
        urls = [
            self.url(),
            reverse("admissions:edit", args=[admission.pk]),
        ]
        for user, status in (
            (self.coordinator, 200),
            (self.other_coordinator, 404),
            (self.peer, 403),
            (self.relative_peer, 403),
            (self.clinician, 403),
            (self.evaluator, 403),
            (self.admin, 403),
        ):
            self.login(user)
            for url in urls:
                with self.subTest(user=str(user), url=url):
                    self.assertEqual(self.client.get(url).status_code, status)
            delete = self.client.post(reverse("admissions:delete", args=[admission.pk]))
            self.assertEqual(delete.status_code, 302 if status == 200 else status)
            if status == 200:
                admission = services.add_admission(
                    actor=None, course=self.alice_course, admitted_on=day(9)
                )
        self.client.logout()
        self.assertEqual(self.client.get(self.url()).status_code, 302)

    def test_coordinator_records_changes_and_deletes_an_admission(self):
        self.login(self.coordinator)
        response = self.client.post(
            self.url(),
            {"admitted_on": str(day(12)), "discharged_on": str(day(2)), "unit": self.unit.pk},
        )
        self.assertRedirects(response, self.url())
        admission = Admission.objects.get()
        self.assertEqual((admission.bed_days, admission.unit), (10, self.unit))
        page = self.client.get(self.url())
        self.assertContains(page, "Indlæggelser")
        self.assertContains(page, '<td data-label="Sengedage">10</td>', html=True)

        edit = reverse("admissions:edit", args=[admission.pk])
        self.client.post(edit, {"admitted_on": str(day(12)), "discharged_on": "", "unit": ""})
        admission.refresh_from_db()
        self.assertIsNone(admission.discharged_on)
        self.assertContains(self.client.get(self.url()), "Stadig indlagt")

        self.client.post(reverse("admissions:delete", args=[admission.pk]))
        self.assertFalse(Admission.objects.exists())

    def test_a_date_typed_the_danish_way_is_understood(self):
        self.login(self.coordinator)
        admitted = day(6)
        self.client.post(self.url(), {"admitted_on": admitted.strftime("%d-%m-%Y")})
        self.assertEqual(Admission.objects.get().admitted_on, admitted)

    def test_bad_input_shows_the_form_again_with_what_was_typed(self):
        self.login(self.coordinator)
        cases = [
            {"admitted_on": "not a date", "discharged_on": ""},
            {"admitted_on": str(day(2)), "discharged_on": str(day(5))},
            {"admitted_on": str(day(-3)), "discharged_on": ""},
            {"admitted_on": "", "discharged_on": ""},
            {"admitted_on": str(day(2)), "unit": "999999"},
        ]
        for data in cases:
            with self.subTest(data=data):
                response = self.client.post(self.url(), data)
                self.assertEqual(response.status_code, 422)
                self.assertContains(response, "error-summary", status_code=422)
        self.assertFalse(Admission.objects.exists())

    def test_access_is_logged_with_the_evaluation_purpose(self):
        self.login(self.coordinator)
        self.client.get(self.url())
        entry = AccessLogEntry.objects.order_by("-seq").first()
        assert entry is not None
        self.assertEqual((entry.person_id, entry.purpose), (self.alice.pk, "evaluation"))

    def test_each_response_writes_one_entry_naming_alice_and_a_refusal_none(self):
        admission = services.add_admission(
            actor=None, course=self.alice_course, admitted_on=day(30), discharged_on=day(20)
        )
        edit = reverse("admissions:edit", args=[admission.pk])
        seq = AccessLogEntry.objects.order_by("-seq").values_list("seq", flat=True)
        self.login(self.coordinator)
        for method, url, data, status, action in (
            ("get", self.url(), {}, 200, "view"),
            ("get", edit, {}, 200, "view"),
            ("post", self.url(), {"admitted_on": ""}, 422, "view"),  # shown again
            ("post", self.url(), {"admitted_on": str(day(3))}, 302, "create"),
            (
                "post",
                edit,
                {"admitted_on": str(day(30)), "discharged_on": str(day(19))},
                302,
                "change",
            ),
        ):
            with self.subTest(method=method, url=url, data=data):
                before = seq.first() or 0
                response = getattr(self.client, method)(url, data)
                self.assertEqual(response.status_code, status)
                [entry] = AccessLogEntry.objects.filter(seq__gt=before)
                self.assertEqual((entry.action, entry.persons), (action, {self.alice.pk}))
        before = seq.first() or 0
        for user in (self.other_coordinator, self.peer):
            self.login(user)
            self.assertIn(self.client.get(self.url()).status_code, (403, 404))
            self.assertIn(self.client.get(edit).status_code, (403, 404))
        self.assertFalse(AccessLogEntry.objects.filter(seq__gt=before).exists())

    def test_other_coordinators_course_and_admission_are_404(self):
        east_peer = make_peer("eastpeer", units=(self.other_unit,))
        course = make_course(self.carol, east_peer)
        admission = services.add_admission(actor=None, course=course, admitted_on=day(3))
        self.login(self.coordinator)
        self.assertEqual(self.client.get(self.url(course)).status_code, 404)
        self.assertEqual(
            self.client.post(reverse("admissions:delete", args=[admission.pk])).status_code, 404
        )
        self.assertEqual(
            self.client.get(reverse("admissions:edit", args=[999999])).status_code, 404
        )
        self.assertTrue(Admission.objects.filter(pk=admission.pk).exists())

    def test_the_list_takes_the_same_queries_with_more_admissions(self):
        self.login(self.coordinator)
        services.add_admission(
            actor=None,
            course=self.alice_course,
            admitted_on=day(100),
            discharged_on=day(90),
            unit=self.unit,
        )
        with count_queries() as one:
            self.client.get(self.url())
        for start in range(80, 10, -10):
            services.add_admission(
                actor=None,
                course=self.alice_course,
                admitted_on=day(start),
                discharged_on=day(start - 5),
                unit=self.unit,
            )
        with count_queries() as many:
            response = self.client.get(self.url())
        self.assertEqual(len(response.context["admissions"]), 8)
        self.assertEqual(len(many.captured_queries), len(one.captured_queries))


class CoursePageTests(BaseTestCase):
    def test_the_course_page_links_the_admissions_for_the_coordinator_only(self):
        services.add_admission(actor=None, course=self.alice_course, admitted_on=day(9))
        url = reverse("referrals:course_detail", args=[self.alice_course.pk])
        self.login(self.coordinator)
        response = self.client.get(url)
        self.assertContains(response, "1 indlæggelse registreret")
        self.assertContains(response, reverse("admissions:course", args=[self.alice_course.pk]))
        self.assertContains(response, reverse("admissions:import"))
        self.login(self.peer)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, reverse("admissions:course", args=[self.alice_course.pk]))
