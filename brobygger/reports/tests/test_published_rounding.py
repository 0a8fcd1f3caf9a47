"""Published figures round the same data the same way, whatever the order of the sum."""

from __future__ import annotations

from django.test import SimpleTestCase
from django.utils import translation

from brobygger.reports.published import DASH, decimal, percent


class PublishedRoundingTests(SimpleTestCase):
    def test_a_half_rounds_up_whatever_the_order_of_the_addition(self) -> None:
        # 0.1 + 0.2 + ... in two orders: the sums differ in the last bit.
        values = [3.1, 2.9, 3.2, 3.0, 3.05, 3.05]
        forwards = sum(values) / len(values)
        backwards = sum(reversed(values)) / len(values)
        with translation.override("da"):
            self.assertEqual(decimal(3.0500000000000003), "3,1")
            self.assertEqual(decimal(3.0499999999999998), "3,1")
            self.assertEqual(decimal(forwards), decimal(backwards))
            self.assertEqual(decimal(-3.05), "-3,1")
            self.assertEqual(decimal(3.04), "3,0")
            self.assertEqual(decimal(2.5, 0), "3")
            self.assertEqual(percent(12.5), "13 %")
            self.assertEqual(decimal(None), DASH)
        with translation.override("en"):
            self.assertEqual(decimal(1234.25, 1), "1234.3")
