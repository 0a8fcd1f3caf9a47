"""Importing a hospital file: matching, row errors, all-or-nothing, idempotence, logging."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from brobygger.admissions import services
from brobygger.admissions.importfile import parse
from brobygger.admissions.importing import plan_import
from brobygger.admissions.models import Admission, AdmissionImport, AdmissionSource
from brobygger.admissions.views import SESSION_KEY
from brobygger.audit.models import AccessAction, AccessLogEntry, AuditEvent
from brobygger.lifecycle import services as lifecycle
from brobygger.people.models import Person, PersonKind
from brobygger.referrals.models import Course
from brobygger.testing import BaseTestCase, count_queries, make_course, make_peer, make_person

IMPORT = reverse("admissions:import")
CONFIRM = reverse("admissions:import_confirm")
CANCEL = reverse("admissions:import_cancel")


def day(days_ago: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days_ago)


def dmy(d: datetime.date) -> str:
    return d.strftime("%d-%m-%Y")


def csv_file(lines: list[str], *, encoding: str = "utf-8", name: str = "adm.csv"):
    text = "cpr;indlagt;udskrevet;sor\n" + "\n".join(lines) + "\n"
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


class ImportTestCase(BaseTestCase):
    dora: Person
    dora_old: Course
    dora_new: Course
    erik: Person
    erik_course: Course
    frida: Person

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # Dora: two courses in the coordinator's unit, one ended long ago, one current.
        cls.dora = make_person("Dora", unit=cls.unit, cpr="0202851234")
        cls.dora_old = lifecycle.start_course(
            actor=None, person=cls.dora, peer=cls.other_peer, started_on=day(300)
        )
        lifecycle.end_course(
            actor=None, course=cls.dora_old, ended_on=day(200), reason="completed", summary=""
        )
        cls.dora_new = lifecycle.start_course(
            actor=None, person=cls.dora, peer=cls.peer, started_on=day(60)
        )
        # Erik: a course in the other coordinator's unit only.
        other_unit_peer = make_peer("eastpeer", units=(cls.other_unit,))
        cls.erik = make_person("Erik", unit=cls.other_unit, cpr="1503722345")
        cls.erik_course = make_course(cls.erik, other_unit_peer)
        # Frida: known in the unit, but no course.
        cls.frida = make_person("Frida", unit=cls.unit, cpr="2412664321")
        cls.unit.sor_code = "265000000000001"
        cls.unit.save(update_fields=["sor_code"])

    def lines(self) -> list[str]:
        return [
            f"010190-1234;{dmy(day(8))};{dmy(day(3))};265000000000001",  # Alice, new
            f"0202851234;{dmy(day(250))};{dmy(day(240))};",  # Dora, old course covers it
            f"0202851234;{dmy(day(30))};;",  # Dora, still admitted: current course
        ]


class PlanTests(ImportTestCase):
    def plan(self, lines: list[str], user=None):
        text = "cpr;indlagt;udskrevet;sor\n" + "\n".join(lines) + "\n"
        return plan_import(user or self.coordinator, parse(text, today=timezone.localdate()))

    def test_rows_go_to_the_course_covering_the_admission_or_the_latest(self):
        plan = self.plan(
            [*self.lines(), f"0202851234;{dmy(day(500))};{dmy(day(490))};"]  # before any course
        )
        self.assertTrue(plan.ok, plan.errors)
        courses = [row.course_id for row in plan.rows]
        self.assertEqual(
            courses,
            [self.alice_course.pk, self.dora_old.pk, self.dora_new.pk, self.dora_new.pk],
        )
        self.assertEqual(plan.rows[0].unit_id, self.unit.pk)
        self.assertEqual([row.bed_days for row in plan.rows], [5, 10, None, 10])
        self.assertEqual((plan.new, plan.changed, plan.unchanged), (4, 0, 0))

    def test_unknown_cpr_no_course_and_other_units_are_row_errors(self):
        plan = self.plan(
            [
                f"1111111118;{dmy(day(5))};;",  # nobody on file
                f"2412664321;{dmy(day(5))};;",  # Frida: no course
                f"1503722345;{dmy(day(5))};;",  # Erik: the other unit's course
            ]
        )
        messages = [[e.message for e in row.errors] for row in plan.rows]
        self.assertEqual(
            messages,
            [
                ["Ingen person med dette CPR-nummer i dine enheder."],
                ["Personen har intet forløb i dine enheder."],
                ["Ingen person med dette CPR-nummer i dine enheder."],
            ],
        )
        self.assertFalse(plan.ok)
        # The other coordinator matches Erik, and nobody of the first unit.
        theirs = self.plan(
            [f"1503722345;{dmy(day(5))};;", f"0101901234;{dmy(day(5))};;"],
            user=self.other_coordinator,
        )
        self.assertEqual(theirs.rows[0].course_id, self.erik_course.pk)
        self.assertEqual(len(theirs.rows[1].errors), 1)

    def test_overlapping_admissions_are_row_errors(self):
        services.add_admission(
            actor=self.coordinator,
            course=self.alice_course,
            admitted_on=day(40),
            discharged_on=day(20),
        )
        plan = self.plan(
            [
                f"0101901234;{dmy(day(30))};{dmy(day(25))};",  # inside the one on file
                f"0202851234;{dmy(day(50))};{dmy(day(40))};",
                f"0202851234;{dmy(day(45))};{dmy(day(35))};",  # overlaps line 3
                f"0202851234;{dmy(day(40))};{dmy(day(38))};",  # same-day transfer: fine
            ]
        )
        lines_with_errors = [row.line for row in plan.rows if row.errors]
        self.assertEqual(lines_with_errors, [2, 4, 5])
        self.assertIn("Overlapper", plan.rows[0].errors[0].message)

    def test_an_unknown_sor_code_is_a_note_not_an_error(self):
        plan = self.plan([f"0101901234;{dmy(day(8))};;999999"])
        self.assertTrue(plan.ok)
        self.assertIsNone(plan.rows[0].unit_id)
        self.assertEqual(len(plan.rows[0].notes), 1)

    def test_the_preview_takes_the_same_queries_for_3_rows_or_40(self):
        people = [
            make_person(f"P{i}", unit=self.unit, cpr=f"{i + 1:02d}0190{i:04d}") for i in range(25)
        ]
        for person in people:
            make_course(person, self.peer)
        many = [f"{p.cpr};{dmy(day(8))};{dmy(day(3))};" for p in people] + self.lines()
        many += [f"{p.cpr};{dmy(day(20))};{dmy(day(15))};265000000000001" for p in people[:12]]
        with count_queries() as few:
            small = self.plan(self.lines())
        with count_queries() as lots:
            big = self.plan(many)
        self.assertTrue(small.ok and big.ok, big.errors)
        self.assertEqual(len(big.rows), 40)
        self.assertEqual(len(lots.captured_queries), len(few.captured_queries))
        self.assertLessEqual(len(lots.captured_queries), 4)


class ImportViewTests(ImportTestCase):
    def upload(self, lines: list[str], **kwargs):
        return self.client.post(IMPORT, {"file": csv_file(lines, **kwargs)})

    def confirm(self, response):
        return self.client.post(CONFIRM, {"sha256": response.context["plan"].file.sha256})

    def test_role_matrix(self):
        for user, status in (
            (self.coordinator, 200),
            (self.peer, 403),
            (self.clinician, 403),
            (self.evaluator, 403),
            (self.admin, 403),
        ):
            with self.subTest(user=str(user)):
                self.login(user)
                self.assertEqual(self.client.get(IMPORT).status_code, status)
                self.assertEqual(
                    self.client.post(CONFIRM, {"sha256": "x"}).status_code,
                    302 if status == 200 else status,
                )
        self.client.logout()
        response = self.client.get(IMPORT)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("accounts:login")))

    def test_preview_then_save_then_the_same_file_changes_nothing(self):
        self.login(self.coordinator)
        response = self.upload(self.lines(), encoding="cp1252")
        self.assertEqual(response.status_code, 200)
        plan = response.context["plan"]
        self.assertEqual((plan.new, plan.changed, plan.unchanged), (3, 0, 0))
        # The preview names nobody: masked CPR, dates and line numbers only.
        for name in ("Alice", "Dora", "Andersen"):
            self.assertNotContains(response, name)
        self.assertContains(response, "010190-XXXX")
        self.assertNotContains(response, "0101901234")
        self.assertNotContains(response, "010190-1234")
        self.assertEqual(Admission.objects.count(), 0)

        saved = self.confirm(response)
        self.assertRedirects(saved, IMPORT, fetch_redirect_response=False)
        self.assertEqual(Admission.objects.count(), 3)
        self.assertEqual(set(Admission.objects.values_list("source", flat=True)), {"imported"})
        self.assertNotIn(SESSION_KEY, self.client.session)
        page = self.client.get(IMPORT)
        self.assertContains(page, "Gemt: 3 nye, 0 ændrede, 0 uændrede.")

        again = self.upload(self.lines(), encoding="cp1252")
        plan = again.context["plan"]
        self.assertEqual((plan.new, plan.changed, plan.unchanged), (0, 0, 3))
        before = list(Admission.objects.order_by("pk").values())
        self.confirm(again)
        self.assertEqual(list(Admission.objects.order_by("pk").values()), before)
        self.assertContains(self.client.get(IMPORT), "Gemt: 0 nye, 0 ændrede, 3 uændrede.")
        self.assertEqual(AdmissionImport.objects.count(), 2)

    def test_a_changed_discharge_date_updates_the_admission(self):
        self.login(self.coordinator)
        self.confirm(self.upload(self.lines()))
        lines = self.lines()
        lines[2] = f"0202851234;{dmy(day(30))};{dmy(day(2))};"
        response = self.upload(lines)
        plan = response.context["plan"]
        self.assertEqual((plan.new, plan.changed, plan.unchanged), (0, 1, 2))
        self.confirm(response)
        admission = Admission.objects.get(course=self.dora_new)
        self.assertEqual(admission.discharged_on, day(2))
        self.assertEqual(admission.bed_days, 28)

    def test_nothing_is_saved_when_any_row_has_an_error(self):
        self.login(self.coordinator)
        lines = [*self.lines(), f"0202851234;{dmy(day(30))};{dmy(day(31))};"]
        response = self.upload(lines)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(response.context["plan"].ok)
        self.assertContains(response, "Linje 5, kolonne “udskrevet”:")
        self.assertNotContains(response, 'id="confirm-import"')
        self.assertNotIn(SESSION_KEY, self.client.session)
        # Even a forged confirmation saves nothing.
        forged = self.client.post(CONFIRM, {"sha256": response.context["plan"].file.sha256})
        self.assertRedirects(forged, IMPORT)
        self.assertEqual(Admission.objects.count(), 0)
        self.assertEqual(AdmissionImport.objects.count(), 0)

    def test_a_change_between_preview_and_save_is_caught_and_nothing_saved(self):
        self.login(self.coordinator)
        response = self.upload(self.lines())
        # Meanwhile Alice's admission is entered by hand, overlapping line 2.
        services.add_admission(
            actor=self.coordinator,
            course=self.alice_course,
            admitted_on=day(9),
            discharged_on=day(4),
        )
        before = self.last_seq()
        conflict = self.confirm(response)
        self.assertEqual(conflict.status_code, 422)
        self.assertFalse(conflict.context["plan"].ok)
        self.assertEqual(Admission.objects.count(), 1)
        # The preview shown again tells what is on file for Alice and Dora: one entry.
        [entry] = self.new_entries(before)
        self.assertEqual(entry.persons, {self.alice.pk, self.dora.pk})

    def test_bad_files_give_a_message_never_a_500(self):
        self.login(self.coordinator)
        cases = [
            SimpleUploadedFile("empty.csv", b"", content_type="text/csv"),
            SimpleUploadedFile("x.xlsx", b"PK\x03\x04rest", content_type="application/zip"),
            SimpleUploadedFile("x.bin", bytes(range(256)) * 4, content_type="application/octet"),
            SimpleUploadedFile(
                "big.csv", b"cpr;indlagt\n" + b"0" * (2 * 1024 * 1024), content_type="text/csv"
            ),
            SimpleUploadedFile("wrong.csv", b"navn;dato\nA;B\n", content_type="text/csv"),
        ]
        for upload in cases:
            with self.subTest(upload.name):
                response = self.client.post(IMPORT, {"file": upload})
                self.assertEqual(response.status_code, 422)
                self.assertTrue(response.context["form"].errors["file"])
                self.assertContains(response, "error-summary", status_code=422)
        self.assertEqual(self.client.post(IMPORT, {}).status_code, 422)
        self.assertEqual(Admission.objects.count(), 0)

    def test_confirm_without_a_preview_or_with_another_file_asks_for_the_file_again(self):
        self.login(self.coordinator)
        self.assertRedirects(self.client.post(CONFIRM, {"sha256": "0" * 64}), IMPORT)
        response = self.upload(self.lines())
        self.assertRedirects(self.client.post(CONFIRM, {"sha256": "0" * 64}), IMPORT)
        self.assertRedirects(self.client.post(CANCEL), IMPORT)
        self.assertRedirects(self.confirm(response), IMPORT)
        self.assertEqual(Admission.objects.count(), 0)

    def test_one_access_log_entry_per_import_and_audit_events(self):
        self.login(self.coordinator)
        before = AccessLogEntry.objects.count()
        response = self.upload(self.lines())
        self.assertEqual(AccessLogEntry.objects.count(), before + 1)
        lookup = AccessLogEntry.objects.order_by("-seq").first()
        assert lookup is not None
        self.assertEqual((lookup.action, lookup.purpose), (AccessAction.SEARCH, "evaluation"))
        self.assertNotIn("0101901234", lookup.criterion_hash)
        self.assertEqual(lookup.persons, {self.alice.pk, self.dora.pk})
        self.confirm(response)
        self.assertEqual(AccessLogEntry.objects.count(), before + 2)
        entry = AccessLogEntry.objects.order_by("-seq").first()
        assert entry is not None
        self.assertEqual(entry.persons, {self.alice.pk, self.dora.pk})
        record = AdmissionImport.objects.get()
        self.assertEqual(
            (entry.action, entry.purpose, entry.object_type, entry.object_id),
            (AccessAction.CREATE, "evaluation", "admissions.admissionimport", record.pk),
        )
        self.assertEqual((record.rows, record.created), (3, 3))
        verbs = list(AuditEvent.objects.order_by("seq").values_list("verb", flat=True))
        self.assertEqual(verbs.count("admission.imported"), 3)
        self.assertEqual(verbs[-1], "admissions.import_saved")
        people = set(
            AuditEvent.objects.filter(verb="admission.imported").values_list("person_id", flat=True)
        )
        self.assertEqual(people, {self.alice.pk, self.dora.pk})

    def test_the_preview_names_the_persons_its_rows_tell_about(self):
        self.login(self.coordinator)
        before = self.last_seq()
        response = self.upload(
            [
                f"0101901234;{dmy(day(5))};;",  # Alice: new
                f"1111111118;{dmy(day(5))};;",  # nobody on file
                f"2412664321;{dmy(day(5))};;",  # Frida: known here, no course
                f"1503722345;{dmy(day(5))};;",  # Erik: the other unit's, not revealed
            ]
        )
        self.assertEqual(response.status_code, 200)
        [entry] = self.new_entries(before)
        self.assertEqual(entry.action, AccessAction.SEARCH)
        self.assertEqual(entry.persons, {self.alice.pk, self.frida.pk})
        self.assertNotIn(self.erik.pk, entry.persons)

    def test_the_form_a_bad_file_and_a_refusal_write_no_entry(self):
        self.login(self.coordinator)
        before = self.last_seq()
        self.assertEqual(self.client.get(IMPORT).status_code, 200)
        bad = SimpleUploadedFile("empty.csv", b"", content_type="text/csv")
        self.assertEqual(self.client.post(IMPORT, {"file": bad}).status_code, 422)
        self.assertRedirects(self.client.post(CANCEL), IMPORT)
        self.login(self.peer)
        self.assertEqual(self.upload(self.lines()).status_code, 403)
        self.assertEqual(self.new_entries(before), [])

    def test_a_relatives_course_is_matched_too(self):
        relative = make_person("Gorm", kind=PersonKind.RELATIVE, unit=self.unit, cpr="0505501234")
        make_course(relative, self.relative_peer)
        self.login(self.coordinator)
        response = self.upload([f"0505501234;{dmy(day(5))};{dmy(day(1))};"])
        self.assertTrue(response.context["plan"].ok)
        self.confirm(response)
        self.assertEqual(Admission.objects.get().source, AdmissionSource.IMPORTED)
