"""The payroll file: approved months with their confirmed figures, the rest listed apart,
formulas escaped, and every download in the access log."""

import csv
import datetime
import io
from decimal import Decimal

from django.conf import settings
from django.urls import reverse

from brobygger.accounts import services as account_services
from brobygger.audit.models import AccessLogEntry
from brobygger.people.models import PeerWorker
from brobygger.testing import make_peer, supervise_and_educate
from brobygger.timesheets import selectors

from .helpers import TimesheetTestCase, at

D = datetime.date


def parse(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark for Excel"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def section(rows: list[list[str]], title: str) -> tuple[list[str], list[list[str]]]:
    """The header and rows of the section whose title begins with `title`."""
    start = next(i for i, row in enumerate(rows) if row and row[0].startswith(title))
    body = []
    for row in rows[start + 2 :]:
        if not row:
            break
        body.append(row)
    return rows[start + 1], body[:-1]  # the last row is the section's note


def numbered(peer: PeerWorker, number: str) -> None:
    account_services.set_employee_number(actor=peer.user, user=peer.user, employee_number=number)


class PayrollTests(TimesheetTestCase):
    def download(self, year: int = 2026, month: int = 4, **params: str) -> list[list[str]]:
        self.login(self.coordinator)
        response = self.client.get(reverse("timesheets:payroll", args=[year, month]), params)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/csv")
        self.assertIn(f'filename="loen-{year}-{month:02d}.csv"', response["Content-Disposition"])
        return parse(response.content)

    def test_payroll_lines_carry_employee_number_and_pay_code_per_kind(self):
        numbered(self.peer, "L-4711")
        self.held(at(D(2026, 4, 7), 10), 45)  # 0,75 h direct
        self.entry(D(2026, 4, 8), 90)  # 1,5 h indirect
        self.entry(D(2026, 4, 9), 30, category="travel", description="Kørsel")  # 0,5 h
        supervise_and_educate(  # 1,5 h supervision, 4 h education
            coordinator=self.coordinator,
            unit=self.unit,
            present=[self.peer],
            session_at=at(D(2026, 4, 10), 13),
            education=(D(2026, 4, 14), D(2026, 4, 14), Decimal(4)),
        )
        self.approved(2026, 4)
        self.confirmed(2026, 4, peer=self.other_peer)
        rows = self.download()
        self.assertEqual(rows[0], ["Lønlinjer, april 2026"])
        header, lines = section(rows, "Lønlinjer")
        self.assertEqual(
            header,
            ["Medarbejdernummer", "Peer-medarbejder", "Måned", "Lønart", "Slags timer", "Timer"],
        )
        self.assertEqual(
            [(r[0], r[2], r[3], r[5]) for r in lines],
            [
                ("L-4711", "2026-04", "1010", "0,75"),
                ("L-4711", "2026-04", "1020", "1,5"),
                ("L-4711", "2026-04", "1030", "0,5"),
                ("L-4711", "2026-04", "1040", "1,5"),
                ("L-4711", "2026-04", "1050", "4,0"),
            ],
        )
        # The summary of approved months: the same hours per kind, and the contract.
        header, approved = section(rows, "Godkendte timesedler")
        by_column = dict(zip(header, approved[0], strict=True))
        self.assertEqual(by_column["Medarbejdernummer"], "L-4711")
        self.assertEqual(by_column["Transport (timer)"], "0,5")
        self.assertEqual(by_column["I alt (timer)"], "8,25")
        self.assertEqual(by_column["I alt (minutter)"], "495")
        self.assertEqual(by_column["Kontrakt, fra (timer)"], "30,4")  # 8 h * 19 / 5
        self.assertEqual(by_column["Kontrakt, til (timer)"], "57,0")
        # Everyone else in the unit, by state, without hours.
        _header, waiting = section(rows, "Ikke godkendt endnu")
        missing = {row[1]: row[2] for row in waiting}
        self.assertEqual(missing["otherpeer"], "Bekræftet af peer-medarbejderen")
        self.assertEqual(missing["relpeer"], "Kladde")
        self.assertNotIn("peer", missing)
        all_text = "\n".join(";".join(r) for r in rows)
        self.assertNotIn("Dorte", all_text)

    def test_changing_a_pay_code_changes_the_file(self):
        numbered(self.peer, "4711")
        self.held(at(D(2026, 4, 7), 10), 45)
        self.approved(2026, 4)
        codes = {**settings.PAYROLL_PAY_CODES, "direct": "0110"}
        with self.settings(PAYROLL_PAY_CODES=codes):
            _header, lines = section(self.download(), "Lønlinjer")
        self.assertEqual([(r[0], r[3]) for r in lines], [("4711", "0110")])

    def test_columns_and_separator_follow_the_settings(self):
        numbered(self.peer, "4711")
        self.held(at(D(2026, 4, 7), 10), 45)
        self.approved(2026, 4)
        with self.settings(
            PAYROLL_COLUMNS=["pay_code", "employee_number", "minutes"], PAYROLL_SEPARATOR="|"
        ):
            self.login(self.coordinator)
            response = self.client.get(reverse("timesheets:payroll", args=[2026, 4]))
        text = response.content.decode("utf-8-sig").splitlines()
        self.assertEqual(text[1], "Lønart|Medarbejdernummer|Minutter")
        self.assertEqual(text[2], "1010|4711|45")

    def test_a_peer_without_employee_number_is_flagged_not_paid(self):
        numbered(self.other_peer, "5000")
        self.held(at(D(2026, 4, 7), 10), 45)
        self.approved(2026, 4)  # self.peer: approved, but no employee number
        self.entry(D(2026, 4, 8), 30, peer=self.other_peer)
        self.approved(2026, 4, peer=self.other_peer)
        rows = self.download()
        _header, lines = section(rows, "Lønlinjer")
        self.assertEqual({r[0] for r in lines}, {"5000"})
        self.assertNotIn("Peer Peer", [r[1] for r in lines])
        _header, flagged = section(rows, "Mangler medarbejdernummer")
        self.assertEqual([(r[0], r[1], r[2]) for r in flagged], [("Peer Peer", "peer", "0,75")])
        # The coordinator's month overview says so too, with a way to add the number.
        page = self.client.get(reverse("timesheets:overview_of", args=[2026, 4]))
        html = page.content.decode()
        self.assertIn('data-testid="no-employee-number"', html)
        self.assertIn(reverse("people:peer_edit", args=[self.peer.pk]), html)

    def test_a_later_change_does_not_reach_the_payroll_file(self):
        from brobygger.scheduling.models import Appointment

        numbered(self.peer, "4711")
        appointment = self.held(at(D(2026, 4, 7), 10), 45)
        self.approved(2026, 4)
        # The services refuse changes in an approved month; this one goes straight to the
        # database, as a repair would.
        Appointment.objects.filter(pk=appointment.pk).update(
            ends_at=appointment.starts_at + datetime.timedelta(minutes=90)
        )
        _header, lines = section(self.download(), "Lønlinjer")
        self.assertEqual([r[5] for r in lines], ["0,75"])

    def test_formulas_in_names_are_escaped(self):
        sly = make_peer("sly", units=(self.unit,))
        account = sly.user
        account.first_name = '=HYPERLINK("http://evil.example","Klik")'
        account.last_name = "@SUM(A1)"
        account.save(update_fields=["first_name", "last_name"])
        numbered(sly, "666")
        self.entry(D(2026, 4, 8), 30, peer=sly)
        self.approved(2026, 4, peer=sly)
        rows = self.download()
        _header, lines = section(rows, "Lønlinjer")
        self.assertEqual(lines[0][1], '\'=HYPERLINK("http://evil.example","Klik") @SUM(A1)')
        self.assertFalse(any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row))

    def test_other_units_peers_are_not_in_the_file(self):
        outsider = make_peer("outsider", units=(self.other_unit,))
        self.approved(2026, 4, peer=outsider)
        rows = self.download()
        self.assertNotIn("outsider", [row[1] for row in rows if len(row) > 1])
        self.assertNotIn("outsider", [row[2] for row in rows if len(row) > 2])

    def test_unit_filter_limits_the_file(self):
        self.approved(2026, 4)
        rows = self.download(enhed=str(self.other_unit.pk))  # not the coordinator's unit
        self.assertNotIn("peer", [row[2] for row in rows if len(row) > 2])
        rows = self.download(enhed=str(self.unit.pk))
        _header, approved = section(rows, "Godkendte timesedler")
        self.assertEqual(approved[0][2], "peer")

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


class PayrollFormatCheckTests(TimesheetTestCase):
    def test_unknown_kinds_columns_and_separators_refuse_to_start(self):
        from brobygger.timesheets.checks import payroll_format_check

        self.assertEqual(payroll_format_check(), [])
        bad = {**settings.PAYROLL_PAY_CODES, "overtime": "9"}
        with self.settings(
            PAYROLL_PAY_CODES=bad, PAYROLL_COLUMNS=["salary"], PAYROLL_SEPARATOR="::"
        ):
            ids = {error.id for error in payroll_format_check()}
        self.assertEqual(ids, {"brobygger.E020", "brobygger.E022", "brobygger.E023"})


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
        self.assertEqual(len(snapshot_only), 2)  # the timesheets, the days away
        peers = [make_peer(f"many{i}", units=(self.unit,)) for i in range(5)]
        with count_queries() as few:
            selectors.month_summary([peers[0].pk], 2026, 4)
        with count_queries() as many:
            selectors.month_summary([p.pk for p in peers] + [self.peer.pk], 2026, 4)
        self.assertEqual(len(few), len(many))

    def test_bad_months_give_nothing(self):
        self.assertEqual(selectors.month_summary([self.peer.pk], 2026, 13), {})
        self.assertEqual(selectors.month_summary([], 2026, 4), {})
