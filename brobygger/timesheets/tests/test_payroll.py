"""The payroll file: approved months with their confirmed figures, the rest listed apart,
formulas escaped, and every download in the access log."""

import csv
import datetime
import io

from django.urls import reverse

from brobygger.audit.models import AccessLogEntry
from brobygger.testing import make_peer
from brobygger.timesheets import selectors

from .helpers import TimesheetTestCase, at

D = datetime.date


def parse(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark for Excel"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


class PayrollTests(TimesheetTestCase):
    def download(self, year: int = 2026, month: int = 4, **params: str) -> list[list[str]]:
        self.login(self.coordinator)
        response = self.client.get(reverse("timesheets:payroll", args=[year, month]), params)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/csv")
        self.assertIn(f'filename="loen-{year}-{month:02d}.csv"', response["Content-Disposition"])
        return parse(response.content)

    def test_approved_months_carry_the_confirmed_hours_and_the_rest_are_listed_apart(self):
        self.held(at(D(2026, 4, 7), 10), 45)  # 0,75 h
        self.entry(D(2026, 4, 8), 90)  # 1,5 h
        self.approved(2026, 4)
        self.confirmed(2026, 4, peer=self.other_peer)
        rows = self.download()
        self.assertEqual(rows[0], ["Godkendte timesedler, april 2026"])
        header = rows[1]
        self.assertEqual(
            header[:3], ["Peer-medarbejder", "Brugernavn", "Afholdte samtaler (timer)"]
        )
        peer_row = rows[2]
        self.assertEqual(peer_row[0], "Peer Peer")
        self.assertEqual(peer_row[1], "peer")
        by_column = dict(zip(header, peer_row, strict=True))
        self.assertEqual(by_column["Afholdte samtaler (timer)"], "0,75")
        self.assertEqual(by_column["Indirekte arbejde (timer)"], "1,5")
        self.assertEqual(by_column["I alt (timer)"], "2,25")
        self.assertEqual(by_column["I alt (minutter)"], "135")
        self.assertEqual(by_column["Kontrakt, fra (timer)"], "30,4")  # 8 h * 19 / 5
        self.assertEqual(by_column["Kontrakt, til (timer)"], "57,0")
        # Second section: everyone else in the unit, by state, without hours.
        start = rows.index(["Ikke godkendt endnu, april 2026"])
        missing = {row[1]: row[2] for row in rows[start + 2 :] if len(row) == 3}
        self.assertEqual(missing["otherpeer"], "Bekræftet af peer-medarbejderen")
        self.assertEqual(missing["relpeer"], "Kladde")
        self.assertNotIn("peer", missing)
        all_text = "\n".join(";".join(r) for r in rows)
        self.assertNotIn("Dorte", all_text)

    def test_a_later_change_does_not_reach_the_payroll_file(self):
        from brobygger.scheduling.models import Appointment

        appointment = self.held(at(D(2026, 4, 7), 10), 45)
        self.approved(2026, 4)
        # The services refuse changes in an approved month; this one goes straight to the
        # database, as a repair would.
        Appointment.objects.filter(pk=appointment.pk).update(
            ends_at=appointment.starts_at + datetime.timedelta(minutes=90)
        )
        rows = self.download()
        by_column = dict(zip(rows[1], rows[2], strict=True))
        self.assertEqual(by_column["Afholdte samtaler (timer)"], "0,75")

    def test_formulas_in_names_are_escaped(self):
        sly = make_peer("sly", units=(self.unit,))
        account = sly.user
        account.first_name = '=HYPERLINK("http://evil.example","Klik")'
        account.last_name = "@SUM(A1)"
        account.save(update_fields=["first_name", "last_name"])
        self.approved(2026, 4, peer=sly)
        rows = self.download()
        names = [row[0] for row in rows[2:] if row]
        self.assertIn('\'=HYPERLINK("http://evil.example","Klik") @SUM(A1)', names)
        self.assertFalse(any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row))

    def test_other_units_peers_are_not_in_the_file(self):
        outsider = make_peer("outsider", units=(self.other_unit,))
        self.approved(2026, 4, peer=outsider)
        rows = self.download()
        self.assertNotIn("outsider", [row[1] for row in rows if len(row) > 1])

    def test_unit_filter_limits_the_file(self):
        self.approved(2026, 4)
        rows = self.download(enhed=str(self.other_unit.pk))  # not the coordinator's unit
        self.assertNotIn("peer", [row[1] for row in rows if len(row) > 1])
        rows = self.download(enhed=str(self.unit.pk))
        self.assertEqual(rows[2][1], "peer")

    def test_every_download_is_access_logged(self):
        self.download()
        entry = AccessLogEntry.objects.filter(user=self.coordinator, action="export").get()
        self.assertEqual(entry.purpose, "administration")
        self.assertTrue(entry.criterion_hash)

    def test_only_coordinators_get_the_file(self):
        for user in (self.peer, self.evaluator, self.clinician, self.admin):
            with self.subTest(user=str(user)):
                self.login(user)
                response = self.client.get(reverse("timesheets:payroll", args=[2026, 4]))
                self.assertEqual(response.status_code, 403)
        self.assertFalse(AccessLogEntry.objects.filter(action="export").exists())


class MonthSummaryTests(TimesheetTestCase):
    def test_summary_of_drafts_and_approved_months(self):
        self.held(at(D(2026, 4, 7), 10), 45)
        self.entry(D(2026, 4, 8), 30, peer=self.other_peer)
        self.approved(2026, 4, peer=self.other_peer)
        result = selectors.month_summary([self.peer.pk, self.other_peer.pk, 999999], 2026, 4)
        self.assertEqual(set(result), {self.peer.pk, self.other_peer.pk})
        mine = result[self.peer.pk]
        self.assertEqual(
            (mine.state, mine.minutes_total, mine.minutes_contract_min, mine.minutes_contract_max),
            ("draft", 45, 1824, 3420),
        )
        self.assertTrue(mine.under)
        self.assertFalse(mine.over)
        theirs = result[self.other_peer.pk]
        self.assertEqual((theirs.state, theirs.minutes_total), ("approved", 30))

    def test_summary_queries_do_not_grow_with_peers(self):
        from brobygger.testing import count_queries

        self.approved(2026, 4)
        with count_queries() as snapshot_only:
            selectors.month_summary([self.peer.pk], 2026, 4)
        self.assertEqual(len(snapshot_only), 1)
        peers = [make_peer(f"many{i}", units=(self.unit,)) for i in range(5)]
        with count_queries() as few:
            selectors.month_summary([peers[0].pk], 2026, 4)
        with count_queries() as many:
            selectors.month_summary([p.pk for p in peers] + [self.peer.pk], 2026, 4)
        self.assertEqual(len(few), len(many))

    def test_bad_months_give_nothing(self):
        self.assertEqual(selectors.month_summary([self.peer.pk], 2026, 13), {})
        self.assertEqual(selectors.month_summary([], 2026, 4), {})
