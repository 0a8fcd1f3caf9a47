"""Units and staff from the region's HR export (issue 20 item 6): a dry run that writes
nothing, errors by line that block the whole file, one transaction, and a second import
of the same file that changes nothing. CSV and XLSX alike."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from brobygger.accounts.models import Unit, User
from brobygger.audit.models import AuditEvent
from brobygger.people.models import PeerWorker
from brobygger.testing import BaseTestCase

URL = reverse("people:hr_import")
SAMPLES = Path(settings.BASE_DIR) / "docs" / "samples"
UNITS_CSV = (SAMPLES / "hr-enheder.csv").read_bytes()
STAFF_CSV = (SAMPLES / "hr-medarbejdere.csv").read_bytes()


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class HRImportTests(BaseTestCase):
    def upload(self, kind: str, content: bytes, name: str = "hr.csv") -> Any:
        return self.client.post(
            URL, {"kind": kind, "file": SimpleUploadedFile(name, content)}, follow=False
        )

    def confirm(self, response: Any) -> Any:
        form = response.context["confirm"]
        data = {f"confirm-{name}": form.initial[name] for name in ("kind", "name", "content")}
        return self.client.post(URL, {**data, "confirm": "1"})

    def setUp(self) -> None:
        self.login(self.admin)

    def test_dry_run_shows_each_row_and_writes_nothing(self) -> None:
        units, events = Unit.objects.count(), AuditEvent.objects.count()
        response = self.upload("units", UNITS_CSV)
        self.assertEqual(response.status_code, 200)
        plan = response.context["plan"]
        self.assertEqual(
            [(r.line, r.key, r.action) for r in plan.rows],
            [(2, "PC-A1", "create"), (3, "PC-AMB", "create")],
        )
        self.assertContains(response, 'data-testid="confirm"')
        self.assertEqual(Unit.objects.count(), units)
        self.assertEqual(AuditEvent.objects.count(), events)

    def test_confirm_imports_audited_and_again_is_unchanged(self) -> None:
        response = self.confirm(self.upload("units", UNITS_CSV))
        self.assertRedirects(response, URL)
        a1 = Unit.objects.get(code="PC-A1")
        self.assertEqual(
            (a1.name, a1.sor_code, a1.kind),
            ("Afsnit A1, Psykiatrisk Center Øst", "123456789012345", "ward"),
        )
        self.assertEqual(AuditEvent.objects.filter(verb="unit.created").count(), 2)
        summary = AuditEvent.objects.get(verb="hr_import.applied")
        self.assertEqual((summary.data["created"], summary.data["kind"]), (2, "units"))
        # Staff next: accounts with employee numbers, peers with their contract hours.
        self.assertRedirects(self.confirm(self.upload("staff", STAFF_CSV)), URL)
        sanne = User.objects.get(employee_number="100231")
        self.assertEqual(
            (sanne.username, sanne.role, sanne.email),
            ("100231", "peer_worker", "sanne.holm@region.example"),
        )
        self.assertEqual(list(sanne.units.all()), [a1])
        jonas = PeerWorker.objects.get(user__employee_number="100232")
        self.assertEqual(
            (jonas.kind, jonas.hours_min, jonas.hours_max), ("relative_peer", 8.5, 8.5)
        )
        self.assertEqual(User.objects.get(employee_number="100233").role, "coordinator")
        # The same files again: every row unchanged, and confirming writes nothing.
        for kind, content in (("units", UNITS_CSV), ("staff", STAFF_CSV)):
            with self.subTest(kind=kind):
                again = self.upload(kind, content)
                self.assertEqual(
                    again.context["plan"].counts,
                    {"create": 0, "update": 0, "unchanged": len(again.context["plan"].rows)},
                )
                events = AuditEvent.objects.exclude(verb="hr_import.applied").count()
                self.confirm(again)
                self.assertEqual(
                    AuditEvent.objects.exclude(verb="hr_import.applied").count(), events
                )

    def test_a_changed_row_is_an_update(self) -> None:
        self.confirm(self.upload("units", UNITS_CSV))
        changed = UNITS_CSV.replace(b"Ambulatorium for psykoser", b"Psykoseambulatoriet")
        plan = self.upload("units", changed).context["plan"]
        self.assertEqual(
            [(r.key, r.action, r.changes) for r in plan.rows],
            [("PC-A1", "unchanged", []), ("PC-AMB", "update", ["name"])],
        )

    def test_a_bad_row_blocks_the_whole_file_with_its_line(self) -> None:
        self.confirm(self.upload("units", UNITS_CSV))
        bad = STAFF_CSV.replace(b";8,5", b";80").replace(b"PC-AMB;", b"PC-XX;")
        users = User.objects.count()
        response = self.upload("staff", bad)
        self.assertEqual(response.status_code, 422)
        errors = [(e.line, e.column) for e in response.context["plan"].errors]
        self.assertEqual(errors, [(3, "kontrakttimer"), (4, "enhedskode")])
        self.assertContains(response, "Ingen enhed har koden PC-XX", status_code=422)
        self.assertNotContains(response, 'data-testid="confirm"', status_code=422)
        # Sent anyway (a forged confirmation): planned again, refused, nothing imported.
        response = self.client.post(
            URL,
            {
                "confirm-kind": "staff",
                "confirm-name": "hr.csv",
                "confirm-content": base64.b64encode(bad).decode(),
                "confirm": "1",
            },
        )
        self.assertEqual(response.status_code, 422)
        self.assertEqual(User.objects.count(), users)
        self.assertFalse(
            AuditEvent.objects.filter(verb="hr_import.applied", data__kind="staff").exists()
        )

    def test_xlsx_works_like_csv(self) -> None:
        content = xlsx(
            [
                ["Code", "Name", "SOR id"],
                ["R9", "Ward R9", 987654321],
                [None, None, None],
                ["R9", "Ward R9 again", None],
                ["R10", "ward r9", None],
            ]
        )
        response = self.upload("units", content, name="units.xlsx")
        self.assertEqual(response.status_code, 422)
        self.assertEqual(
            [(e.line, e.column) for e in response.context["plan"].errors],
            [(4, "enhedskode"), (5, "navn")],
        )
        good = xlsx([["Code", "Name", "SOR id"], ["R9", "Ward R9", 987654321]])
        self.assertRedirects(self.confirm(self.upload("units", good, name="units.xlsx")), URL)
        self.assertEqual(Unit.objects.get(code="R9").sor_code, "987654321")

    def test_unreadable_files_get_a_clear_message(self) -> None:
        for name, content, text in (
            ("hr.pdf", b"%PDF", "CSV-fil"),
            ("hr.xlsx", b"not a workbook", "Excel"),
            ("hr.csv", b"Navn;Noget\nA;B\n", "Mangler"),
            ("hr.csv", b"", "tom"),
        ):
            with self.subTest(name=name, text=text):
                response = self.upload("units", content, name=name)
                self.assertContains(response, text, status_code=422)

    def test_only_administrators(self) -> None:
        for user in (self.coordinator, self.peer, self.evaluator, self.clinician):
            with self.subTest(user=str(user)):
                self.login(user)
                self.assertEqual(self.client.get(URL).status_code, 403)
