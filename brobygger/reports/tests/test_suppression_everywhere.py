"""One count, one way of showing it (issue 19, "<5 vs 0"): what an evaluator reads on the
dashboard is what the funder report says in PDF, XLSX and CSV, and what the research
export says of the persons it left out. Policy (brobygger/lib/suppress.py): 1 to 4 is
"<5", 0 stays 0, and an en dash marks a cell hidden so that a small one cannot be worked out."""

from __future__ import annotations

import io

from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from brobygger.lib.suppress import HIDDEN, SMALL, suppress
from brobygger.reports import funder
from brobygger.research.tables import anonymity_rows
from brobygger.testing import BaseTestCase

from .helpers import at_today, build_programme
from .test_funder import csv_rows, pdf_text

DASHBOARD = reverse("reports:dashboard")


@at_today()
class SameCountSameTextTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        build_programme(
            unit=cls.unit, peer=cls.peer, relative_peer=cls.relative_peer, actor=cls.coordinator
        )

    def test_the_policy(self) -> None:
        self.assertEqual([suppress(n) for n in (0, 1, 4, 5, 12)], ["0", SMALL, SMALL, "5", "12"])

    def test_evaluator_dashboard_and_funder_files_show_each_count_alike(self) -> None:
        self.login(self.evaluator)
        response = self.client.get(DASHBOARD)
        self.assertEqual(response.status_code, 200)
        dash = response.context["p"]
        report = funder.build(response.context["scope"])
        files = report.published
        # Every published count is the same text in both: tables, series and lone counts.
        for name in ("persons", "referrals", "conversations"):
            with self.subTest(table=name):
                self.assertEqual(getattr(dash, name), getattr(files, name))
        for name in ("courses", "started", "ended", "no_show", "hours", "groups"):
            with self.subTest(series=name):
                self.assertEqual(getattr(dash, name), getattr(files, name))
        shown = [
            *dash.persons.cells[0],
            *dash.conversations.row_totals,
            *dash.courses.values(),
            *dash.hours.values(),
        ]
        self.assertIn(SMALL, shown)  # small counts are there to compare...
        self.assertIn("0", shown)  # ...and zeros, shown as 0 on every page
        # The files carry the same texts: the conversations table's rows, cell by cell.
        csv = csv_rows(self.client.get(reverse("reports:funder_csv")).content)
        xlsx = load_workbook(io.BytesIO(self.client.get(reverse("reports:funder_xlsx")).content))
        xlsx_rows = [
            ["" if c.value is None else str(c.value) for c in row]
            for sheet in xlsx.worksheets
            for row in sheet.iter_rows()
        ]
        # The PDF wraps long labels over lines: compare with the whitespace made single.
        pdf = " ".join(pdf_text(self.client.get(reverse("reports:funder_pdf")).content).split())
        html = response.content.decode()
        for label, cells, total in zip(
            dash.conversations.row_labels,
            dash.conversations.cells,
            dash.conversations.row_totals,
            strict=True,
        ):
            expected = [label, *cells, total]
            with self.subTest(row=label):
                self.assertIn(expected, csv)
                self.assertIn(expected, [r[: len(expected)] for r in xlsx_rows])
                self.assertIn(" ".join([label, *cells, total]), pdf)
                self.assertIn(f">{total}<".replace("<5<", "&lt;5<"), html)
        self.assertNotIn(HIDDEN + HIDDEN, pdf)

    def test_research_export_says_small_counts_of_left_out_persons_as_under_5(self) -> None:
        summary = {
            "k": 5,
            "step": 1,
            "steps": 9,
            "dates": "month",
            "unit": "unit",
            "age": "band",
            "gender": "shown",
            "withheld_persons": 2,
            "withheld_courses": 0,
            "withheld_administrations": 7,
        }
        with translation.override("en"):
            left_out = anonymity_rows(summary)[2][1]
        self.assertIn(f"0 courses of {SMALL} persons and their 7 questionnaires", str(left_out))
