"""The funder report: who may download it, and that small cells never show in any format."""

from __future__ import annotations

import csv
import io

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from brobygger.lib.suppress import HIDDEN, SMALL, suppress_table
from brobygger.people.models import ConsentSource
from brobygger.referrals import services as referrals
from brobygger.referrals.models import ReferralSource
from brobygger.testing import BaseTestCase, make_course, make_person, make_unit

from .helpers import at_today, build_programme

FORM = reverse("reports:funder_report")
PDF = reverse("reports:funder_pdf")
XLSX = reverse("reports:funder_xlsx")
CSV = reverse("reports:funder_csv")


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def csv_section(content: bytes, title: str) -> list[list[str]]:
    rows = csv_rows(content)
    start = next(i for i, row in enumerate(rows) if row and row[0] == title)
    section = []
    for row in rows[start + 1 :]:
        if not row:
            break
        section.append(row)
    return section


class FunderAccessTests(BaseTestCase):
    def test_role_matrix_for_every_view(self) -> None:
        expected = {
            self.coordinator: 200,
            self.evaluator: 200,
            self.peer: 403,
            self.relative_peer: 403,
            self.clinician: 403,
            self.admin: 403,
        }
        for url in (FORM, CSV, XLSX):
            for user, status in expected.items():
                with self.subTest(url=url, user=str(user)):
                    self.login(user)
                    self.assertEqual(self.client.get(url).status_code, status)
                    self.client.logout()
            with self.subTest(url=url, user="anonymous"):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertIn(reverse("accounts:login"), response["Location"])

    def test_pdf_only_for_coordinator_and_evaluator(self) -> None:
        for user in (self.peer, self.clinician, self.admin):
            self.login(user)
            self.assertEqual(self.client.get(PDF).status_code, 403)
            self.client.logout()
        self.login(self.evaluator)
        response = self.client.get(PDF)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertIn("attachment;", response["Content-Disposition"])
        self.assertTrue(response.content.startswith(b"%PDF"))

    def test_bad_choices_show_the_form_with_a_message(self) -> None:
        self.login(self.evaluator)
        for url in (PDF, XLSX, CSV):
            for params in (
                {"fra": "2026-13-01"},
                {"fra": "2026-05-01", "til": "2026-01-01"},
                {"model": ["individual", "x"]},
                {"sprog": "fr"},
                {"enhed": "-1"},
            ):
                with self.subTest(url=url, params=params):
                    response = self.client.get(url, params)
                    self.assertEqual(response.status_code, 400)
                    self.assertContains(response, "error-summary", status_code=400)
                    self.assertTemplateUsed(response, "reports/funder_form.html")


@at_today()
class FunderSuppressionTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        build_programme(
            unit=cls.unit, peer=cls.peer, relative_peer=cls.relative_peer, actor=cls.coordinator
        )
        # Ten more self-referrals still new, so the three active ones need a partner cell
        # hidden in their row: "<5" must not be recoverable as 13 - 10.
        for n in range(10):
            person = make_person(f"Ny{n}", unit=cls.unit, consent=False)
            referrals.create_referral(
                actor=cls.coordinator,
                source=ReferralSource.SELF,
                person=person,
                unit=cls.unit,
                consent_source=ConsentSource.VERBAL,
                received_at=timezone.now(),
            )
        # A unit whose name a spreadsheet would run as a formula.
        formula_unit = make_unit('=HYPERLINK("http://x.invalid";"klik")')
        make_course(make_person("Formel", unit=formula_unit), cls.other_peer)

    def test_pdf_shows_small_cells_as_under_5(self) -> None:
        self.login(self.evaluator)
        response = self.client.get(PDF)
        self.assertEqual(response.status_code, 200)
        text = pdf_text(response.content)
        self.assertIn(SMALL, text)
        self.assertIn(HIDDEN, text)
        for person in (self.alice, self.bob, self.carol):
            self.assertNotIn(person.given_name, text)
        self.assertNotIn("Andersen", text)
        self.assertNotIn(self.peer.name, text)
        # The programme, the period and the date made are on it.
        today = timezone.localdate()
        self.assertIn(str(today.year), text)

    def test_csv_referral_table_is_protected_by_complementary_cells(self) -> None:
        self.login(self.coordinator)
        response = self.client.get(CSV, {"sprog": "en"})
        self.assertEqual(response.status_code, 200)
        section = csv_section(response.content, "Referrals received by source and status")
        header, rows = section[0], {row[0]: row[1:] for row in section[1:]}
        status = header[1:]
        self_row = dict(zip(status, rows["Self-referral"], strict=False))
        self.assertEqual(self_row["Active"], SMALL)  # the three courses
        self.assertEqual(self_row["New"], HIDDEN)  # ten: hidden so 3 cannot be worked out
        # The same as the suppression module gives for the same counts.
        expected = suppress_table(
            [[0] * 8, [10, 0, 0, 3, 0, 0, 0, 0], [0] * 8, [0] * 8],
            row_labels=["c", "s", "r", "k"],
            column_labels=[str(i) for i in range(8)],
        )
        self.assertEqual(rows["Self-referral"][:-1], expected.cells[1])
        self.assertEqual(rows["All"][-1], expected.total)
        # No row shows a number from which a small cell follows by subtraction.
        for values in rows.values():
            hidden = [v for v in values[:-1] if not v.isdigit()]
            self.assertNotEqual(len(hidden), 1, values)

    def test_xlsx_shows_under_5_and_escapes_formulas(self) -> None:
        self.login(self.evaluator)
        response = self.client.get(XLSX, {"sprog": "en"})
        self.assertEqual(response.status_code, 200)
        workbook = load_workbook(io.BytesIO(response.content))
        values = [
            cell.value
            for sheet in workbook.worksheets
            for row in sheet.iter_rows()
            for cell in row
            if cell.value is not None
        ]
        self.assertIn(SMALL, values)
        formula_cells = [
            cell
            for sheet in workbook.worksheets
            for row in sheet.iter_rows()
            for cell in row
            if isinstance(cell.value, str) and "HYPERLINK" in cell.value
        ]
        self.assertTrue(formula_cells)
        for cell in formula_cells:
            self.assertEqual(cell.data_type, "s")
            self.assertTrue(cell.value.startswith("'="))
        text = " ".join(str(v) for v in values)
        self.assertNotIn("Alice", text)
        self.assertNotIn("0101901234", text)

    def test_csv_escapes_formulas_and_hides_small_cells(self) -> None:
        self.login(self.evaluator)
        response = self.client.get(CSV)
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        rows = csv_rows(response.content)
        flat = [v for row in rows for v in row]
        self.assertIn(SMALL, flat)
        self.assertTrue(any(v.startswith("'=HYPERLINK") for v in flat))
        self.assertFalse(any(v.startswith("=") for v in flat))

    def test_means_resting_on_fewer_than_5_are_not_shown(self) -> None:
        self.login(self.coordinator)
        response = self.client.get(CSV, {"sprog": "en"})
        title = next(
            row[0] for row in csv_rows(response.content) if row and row[0].startswith("Change in")
        )
        section = {row[0]: row[1:] for row in csv_section(response.content, title)}
        self.assertEqual(section["Courses with a later score (n)"][-1], SMALL)
        self.assertEqual(set(section["Mean change"]), {HIDDEN})
        self.assertEqual(set(section["95 % confidence interval"]), {HIDDEN})

    def test_danish_by_default_and_english_on_request(self) -> None:
        self.login(self.evaluator)
        danish = pdf_text(self.client.get(PDF).content)
        english = pdf_text(self.client.get(PDF, {"sprog": "en"}).content)
        self.assertIn("Funder report", english)
        self.assertNotIn("Funder report", danish)

    def test_support_model_choice_limits_the_columns(self) -> None:
        self.login(self.evaluator)
        response = self.client.get(CSV, {"model": ["bridge"], "sprog": "en"})
        section = csv_section(response.content, "Persons supported by kind and support model")
        self.assertEqual(section[0], ["Kind", "Bridge after discharge", "All"])
