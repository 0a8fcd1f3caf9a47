"""The evaluator sees aggregates and pseudonymised exports only: every page and file the
evaluator can reach on the demo programme is scanned for every demo person's name, CPR
number, phone number and e-mail address, and for every peer worker's name."""

from __future__ import annotations

import io
import re

import openpyxl
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from pypdf import PdfReader

from brobygger.accounts.models import User
from brobygger.people.models import PeerWorker, Person
from brobygger.referrals.models import SupportModel
from brobygger.testing import TODAY as TODAY_DATE

TODAY = TODAY_DATE.isoformat()
# Reports that hide small numbers, and research exports, cover whole calendar years.
YEAR = TODAY[:4]


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def _xlsx_text(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(
        " ".join("" if value is None else str(value) for value in row)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


class EvaluatorSeesNoPersonTests(TestCase):
    evaluator: User
    secrets: set[str]

    @classmethod
    def setUpTestData(cls) -> None:
        call_command("load_demo", "--seed", "5", verbosity=0)
        cls.evaluator = User.objects.get(username="evaluator")
        cls.secrets = set()
        for given, family, cpr, phone, email in Person.objects.values_list(
            "given_name", "family_name", "cpr", "phone", "email"
        ):
            cls.secrets.add(f"{given} {family}")
            if cpr:
                cls.secrets.update({cpr, f"{cpr[:6]}-{cpr[6:]}"})
            if phone:
                cls.secrets.add(phone)
            if email:
                cls.secrets.add(email)
        for first, last in PeerWorker.objects.values_list("user__first_name", "user__last_name"):
            cls.secrets.add(f"{first} {last}")

    def setUp(self) -> None:
        self.client.force_login(self.evaluator)

    def assert_clean(self, where: str, text: str) -> None:
        found = sorted(secret for secret in self.secrets if secret in text)
        self.assertEqual(found, [], f"{where} shows personal data")

    def get_text(self, url: str, **params: str | list[str]) -> str:
        response = self.client.get(url, params)
        self.assertEqual(response.status_code, 200, url)
        return response.content.decode()

    def test_the_demo_holds_what_is_scanned_for(self) -> None:
        # The scan would prove nothing without names and CPR numbers to look for.
        self.assertGreater(len(self.secrets), 500)
        self.assertTrue(any(re.fullmatch(r"\d{10}", s) for s in self.secrets))

    def test_pages_show_no_person(self) -> None:
        pages = {
            "home": self.get_text(reverse("desk:home")),
            "dashboard": self.get_text(reverse("reports:dashboard")),
            "dashboard, filtered": self.get_text(
                reverse("reports:dashboard"), aar=YEAR, model=SupportModel.INDIVIDUAL
            ),
            "dashboard, the demo's year": self.get_text(reverse("reports:dashboard"), aar=YEAR),
            "funder report page": self.get_text(reverse("reports:funder_report")),
            "research export page": self.get_text(reverse("research:export_list")),
        }
        for where, text in pages.items():
            self.assert_clean(where, text)
        # The dashboard really shows figures: it is not clean by being empty.
        self.assertRegex(pages["dashboard, the demo's year"], r"<table")
        self.assertNotRegex(pages["dashboard, the demo's year"], r'data-testid="figure-persons">0<')

    def test_funder_report_files_show_no_person(self) -> None:
        pdf = self.client.get(reverse("reports:funder_pdf"), {"aar": YEAR})
        self.assertEqual(pdf.status_code, 200)
        pdf_text = _pdf_text(pdf.content)
        self.assertGreater(len(pdf_text), 500)
        self.assert_clean("funder PDF", pdf_text)
        xlsx = self.client.get(reverse("reports:funder_xlsx"), {"aar": YEAR})
        self.assertEqual(xlsx.status_code, 200)
        self.assert_clean("funder XLSX", _xlsx_text(xlsx.content))
        csv = self.client.get(reverse("reports:funder_csv"), {"aar": YEAR})
        self.assertEqual(csv.status_code, 200)
        self.assert_clean("funder CSV", csv.content.decode("utf-8-sig"))

    def test_research_export_shows_no_person(self) -> None:
        response = self.client.post(
            reverse("research:export_list"),
            {
                "first_year": "2025",
                "last_year": YEAR,
                "support_models": list(SupportModel.values),
                "purpose": "Evaluering af peer-støtte, projekt 2026-17",
            },
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        detail = self.get_text(response["Location"])
        self.assert_clean("research export detail", detail)
        links = sorted(set(re.findall(r'href="([^"]*/hent/[^"]+\.(?:csv|xlsx))"', detail)))
        self.assertEqual(len(links), 2, detail)
        for link in links:
            data = self.client.get(link)
            self.assertEqual(data.status_code, 200, link)
            content = data.getvalue()
            if link.endswith(".csv"):
                text = content.decode("utf-8-sig")
                # Rows for real: courses and administrations of the demo year.
                self.assertGreater(text.count("\n"), 100)
            else:
                text = _xlsx_text(content)
            self.assert_clean(f"research export {link[-4:]}", text)
