"""CSV and XLSX files that spreadsheet programs open safely.

A text cell that begins with =, +, - or @ (or a tab or carriage return) may be
run as a formula when the file is opened (OWASP: CSV injection), so every text
cell gets a leading apostrophe first. In the XLSX file text is also stored as
text, never as a formula. CSV is written for Excel in a Danish locale: UTF-8
with a byte-order mark, semicolons between fields and a decimal comma.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

Value = str | int | float | date | None

# Full-width forms too: some spreadsheet programs treat them as the ASCII signs.
_FORMULA_START = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
_CONTROL_START = frozenset("\t\r")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31
LOCAL_ZONE = ZoneInfo("Europe/Copenhagen")  # the programme's time zone (settings.TIME_ZONE)


@dataclass(frozen=True)
class Section:
    title: str
    header: list[str]
    rows: list[list[Value]] = field(default_factory=list)
    note: str = ""


def safe_cell(value: Value) -> Value:
    """Text that a spreadsheet could read as a formula gets a leading apostrophe."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] in _CONTROL_START or value.lstrip()[:1] in _FORMULA_START:
        return "'" + value
    return value


def write_csv(sections: Sequence[Section], *, delimiter: str = ";") -> bytes:
    """One file: per section its title, header, rows and note; a blank line between sections."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for number, section in enumerate(sections):
        if number:
            writer.writerow([])
        writer.writerow([_csv_value(section.title)])
        writer.writerow([_csv_value(h) for h in section.header])
        writer.writerows([_csv_value(v) for v in row] for row in section.rows)
        if section.note:
            writer.writerow([_csv_value(section.note)])
    return buffer.getvalue().encode("utf-8-sig")


def write_xlsx(sections: Sequence[Section], *, title: str) -> bytes:
    """A workbook with one sheet per section: bold header row, then the rows, then the note."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.title = _xlsx_text(title)
    used: set[str] = set()
    bold = Font(bold=True)
    for number, section in enumerate(sections, start=1):
        sheet = workbook.create_sheet(sheet_name(section.title, used, fallback=str(number)))
        widths: dict[int, int] = {}
        lines: list[list[Value]] = [list(section.header), *section.rows]
        for row_number, values in enumerate(lines, start=1):
            for column, value in enumerate(values, start=1):
                cell = sheet.cell(row=row_number, column=column)
                _set_cell(cell, value)
                if row_number == 1:
                    cell.font = bold
                shown = len(str(cell.value)) if cell.value is not None else 0
                widths[column] = max(widths.get(column, 0), shown)
        if section.note:  # after a blank row, left out of the column widths
            _set_cell(sheet.cell(row=len(lines) + 2, column=1), section.note)
        for column, width in widths.items():
            sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 8), 60)
        sheet.freeze_panes = "A2"
    if not sections:
        workbook.create_sheet("1")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_name(title: str, used: set[str], *, fallback: str = "1") -> str:
    """A valid, unique sheet name (Excel compares them without regard to case)."""
    name = _SHEET_FORBIDDEN.sub(" ", _strip_illegal(title)).strip().strip("'").strip()
    name = name[:SHEET_NAME_MAX].rstrip().rstrip("'") or fallback
    if name.casefold() == "history":  # reserved by Excel
        name = f"{name} 1"
    candidate, copy = name, 1
    while candidate.casefold() in used:
        copy += 1
        suffix = f" ({copy})"
        candidate = name[: SHEET_NAME_MAX - len(suffix)].rstrip() + suffix
    used.add(candidate.casefold())
    return candidate


def _set_cell(cell: Any, value: Value) -> None:
    if isinstance(value, str):
        cell.value = _xlsx_text(value)
        cell.data_type = "s"  # stored as text whatever it looks like
    elif isinstance(value, datetime):
        cell.value = _local(value)
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
    else:
        cell.value = value


def _local(moment: datetime) -> datetime:
    """Naive local time: spreadsheets have no time zones."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(LOCAL_ZONE).replace(tzinfo=None)


def _csv_value(value: Value) -> str | int:
    if isinstance(value, str):
        return str(safe_cell(value))
    if isinstance(value, bool | int):
        return int(value)
    if isinstance(value, float):
        return repr(value).replace(".", ",")  # Danish Excel reads 2,5 as a number
    if isinstance(value, datetime):
        return _local(value).isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return ""


def _xlsx_text(value: str) -> str:
    return str(safe_cell(_strip_illegal(value)))


def _strip_illegal(value: str) -> str:
    # XML 1.0 cannot hold most control characters; openpyxl refuses them.
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value)
