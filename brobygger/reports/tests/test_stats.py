"""The report statistics: quantiles, the paired mean change and readmissions."""

from __future__ import annotations

import datetime
import math
import statistics

from django.test import SimpleTestCase

from brobygger.reports import charts, stats
from brobygger.reports.stats import AdmissionRow

D = datetime.date


class QuantileTests(SimpleTestCase):
    def test_median_and_p90_interpolate_like_numpy(self) -> None:
        days = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        self.assertEqual(stats.quantile(days, 0.5), statistics.median(days))
        self.assertAlmostEqual(stats.quantile(days, 0.9) or 0, 9.1)
        self.assertEqual(stats.quantile([7], 0.9), 7)
        self.assertIsNone(stats.quantile([], 0.5))

    def test_waiting_keeps_n(self) -> None:
        w = stats.waiting([10, 0, 30])
        self.assertEqual((w.n, w.median), (3, 10))


class MeanChangeTests(SimpleTestCase):
    def test_interval_matches_a_t_interval_computed_by_hand(self) -> None:
        differences = [5.0, 3.0, -1.0, 8.0, 4.0, 6.0]
        n = len(differences)
        result = stats.mean_change(n, sum(differences), sum(d * d for d in differences))
        mean = statistics.mean(differences)
        sd = statistics.stdev(differences)
        half = 2.570581835636314 * sd / math.sqrt(n)  # t(0.975, 5)
        self.assertAlmostEqual(result.mean or 0, mean)
        self.assertAlmostEqual(result.sd or 0, sd)
        self.assertAlmostEqual(result.low or 0, mean - half, places=6)
        self.assertAlmostEqual(result.high or 0, mean + half, places=6)
        self.assertTrue(result.shown)

    def test_fewer_than_five_is_not_shown_and_one_has_no_interval(self) -> None:
        self.assertFalse(stats.mean_change(4, 8.0, 20.0).shown)
        one = stats.mean_change(1, 3.0, 9.0)
        self.assertEqual(one.mean, 3.0)
        self.assertIsNone(one.low)
        self.assertIsNone(stats.mean_change(0, None, None).mean)


class ReadmissionTests(SimpleTestCase):
    FROM, TO, TODAY = D(2026, 1, 1), D(2026, 12, 31), D(2026, 11, 25)

    def count(self, rows: list[AdmissionRow]) -> stats.Readmissions:
        return stats.count_readmissions(
            rows, date_from=self.FROM, date_to=self.TO, today=self.TODAY
        )

    def test_after_the_course_discharge_and_after_an_earlier_admission(self) -> None:
        discharged = D(2026, 3, 1)
        rows = [
            AdmissionRow(1, discharged, D(2026, 3, 21), D(2026, 3, 31)),  # 20 days: 30 and 90
            AdmissionRow(1, discharged, D(2026, 6, 9), D(2026, 6, 10)),  # 70 days after 31/3
            AdmissionRow(1, discharged, D(2026, 10, 1), None),  # 113 days: not within 90
        ]
        result = self.count(rows)
        self.assertEqual((result.admissions, result.within_30, result.within_90), (3, 1, 2))
        # 10 + 1 nights, and the open admission until today (55 nights).
        self.assertEqual(result.bed_days, 10 + 1 + 55)
        self.assertEqual((result.readmitted_30, result.readmitted_90), (1, 1))

    def test_the_index_admission_is_not_a_readmission(self) -> None:
        rows = [AdmissionRow(2, D(2026, 5, 10), D(2026, 5, 1), D(2026, 5, 10))]
        result = self.count(rows)
        self.assertEqual((result.admissions, result.within_30, result.readmitted_30), (1, 0, 0))
        self.assertEqual(result.bed_days, 9)

    def test_bed_days_are_clipped_to_the_period(self) -> None:
        rows = [AdmissionRow(3, None, D(2025, 12, 20), D(2026, 1, 5))]
        result = self.count(rows)
        self.assertEqual(result.admissions, 0)  # began before the period
        self.assertEqual(result.bed_days, 4)  # the nights of 1-4 January

    def test_discharge_too_recent_to_know_is_not_counted(self) -> None:
        rows = [AdmissionRow(4, D(2026, 11, 10), D(2026, 11, 20), None)]
        result = self.count(rows)
        self.assertEqual(result.within_30, 1)
        self.assertEqual(result.readmitted_30, 0)  # discharged 15 days ago: not yet at risk


class ChartTests(SimpleTestCase):
    def test_hidden_values_draw_no_bar_and_long_labels_are_cut(self) -> None:
        chart = charts.bar_chart(
            "k", "t", [("A" * 80, 10.0, "10"), ("B", None, "<5"), ("C", 5.0, "5")]
        )
        self.assertEqual(chart.bars[1].width, 0.0)
        self.assertGreater(chart.bars[0].width, chart.bars[2].width)
        self.assertTrue(chart.bars[0].label.endswith("…"))
        self.assertEqual(chart.bars[1].text, "<5")

    def test_interval_chart_is_centred_on_zero(self) -> None:
        chart = charts.interval_chart("o", "t", [("A", 2.0, -1.0, 5.0, "2,0")])
        row = chart.rows[0]
        assert row.x is not None and row.low_x is not None and row.high_x is not None
        self.assertLess(row.low_x, chart.zero_x)
        self.assertGreater(row.high_x, row.x)
        self.assertGreater(row.x, chart.zero_x)


class PdfUnitTableTests(SimpleTestCase):
    def test_a_very_long_table_by_unit_shows_only_its_totals_in_the_pdf(self) -> None:
        from brobygger.reports.funder import PDF_MAX_UNIT_ROWS, TableView, pdf_units

        def table(n: int) -> TableView:
            rows = [[f"Unit {i}", "<5", "7"] for i in range(n)] + [["All", "60", "70"]]
            return TableView("t", "Unit", ["Model", "All"], rows)

        short = table(PDF_MAX_UNIT_ROWS)
        self.assertIs(pdf_units(short), short)
        long = pdf_units(table(PDF_MAX_UNIT_ROWS + 1))
        self.assertEqual(long.rows, [["All", "60", "70"]])
        self.assertIn(str(PDF_MAX_UNIT_ROWS + 1), long.note)
