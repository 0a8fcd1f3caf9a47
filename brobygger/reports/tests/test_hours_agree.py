"""The dashboard and the timesheet show one peer's month with the same hours: the same
kinds, the same figures, the same total and the same contract band (issue 19)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from brobygger.lib.dates import local_datetime
from brobygger.testing import BaseTestCase, supervise_and_educate
from brobygger.timesheets import months
from brobygger.timesheets.hours import KINDS
from brobygger.timesheets.services import add_entry

from .helpers import at_today, build_programme


def _cells(html: str, pattern: str) -> list[str]:
    return [m.strip() for m in re.findall(pattern, html, flags=re.S)]


@at_today()
class HoursAgreeTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        build_programme(
            unit=cls.unit, peer=cls.peer, relative_peer=cls.relative_peer, actor=cls.coordinator
        )

    def _previous_month(self) -> tuple[int, int, datetime.date, datetime.date]:
        today = timezone.localdate()
        year, month = months.add_months(today.year, today.month, -1)
        return year, month, months.first_day(year, month), months.last_day(year, month)

    def test_dashboard_and_timesheet_show_the_same_month(self) -> None:
        year, month, first, last = self._previous_month()
        for category, minutes in (("preparation", 95), ("travel", 40), ("meetings", 25)):
            add_entry(
                actor=self.peer.user,
                peer=self.peer,
                date=first + datetime.timedelta(days=1),
                minutes=minutes,
                category=category,
                description="Forberedelse og kørsel",
            )
        # Supervision attended and peer education, in the same month: every kind non-zero.
        # Supervision attended and a day of peer education: every kind is non-zero.
        day = first + datetime.timedelta(days=3)
        supervise_and_educate(
            coordinator=self.coordinator,
            unit=self.unit,
            present=[self.peer],
            session_at=local_datetime(first + datetime.timedelta(days=2), datetime.time(7)),
            education=(day, day, Decimal(6)),
        )
        self.login(self.coordinator)
        sheet = self.client.get(reverse("timesheets:peer_month", args=[year, month, self.peer.pk]))
        self.assertEqual(sheet.status_code, 200)
        figures = sheet.context["figures"]
        sheet_html = sheet.content.decode()
        sheet_kinds = {
            kind: _cells(sheet_html, rf'data-kind="{kind}"><th[^>]*>[^<]*</th><td[^>]*>([^<]*)<')[0]
            for kind in KINDS
        }
        sheet_total = _cells(sheet_html, r'data-testid="total">([^<]*)<')[0]

        dash = self.client.get(
            reverse("reports:dashboard"), {"fra": first.isoformat(), "til": last.isoformat()}
        )
        self.assertEqual(dash.status_code, 200)
        name = f"{self.peer.user.first_name} {self.peer.user.last_name}".strip()
        row = next(r for r in dash.context["p"].peer_rows if r["name"] == name)

        self.assertEqual(dict(zip(KINDS, row["kinds"], strict=True)), sheet_kinds)
        self.assertEqual(row["total_text"], sheet_total)
        self.assertNotEqual(sheet_kinds["transport"], "0,00")  # travel is a kind of its own
        for kind in KINDS:  # so a mismatch in any kind would show
            self.assertNotIn(sheet_kinds[kind], ("0,00", "0", ""), kind)
        # The same contract band: the weekly hours over the month's working days.
        low, high = row["contract_text"].split("\u2013")
        self.assertIn(f"{low}\u2013{high}", sheet_html)
        band = "under" if figures.under else "over" if figures.over else "within"
        self.assertEqual(row["band"], band)
        # The dashboard's headings are the timesheet's kinds, in the same order.
        labels = [label for label, _v in dash.context["p"].hour_kinds]
        self.assertEqual(len(labels), len(KINDS))
