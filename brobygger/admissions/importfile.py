"""Reading a hospital's admissions file: encoding, separator, header, one row per admission.

No database here: `decode` turns the uploaded bytes into text (or says clearly why it
cannot), `parse` turns the text into rows with their own errors. Matching rows to
courses is importing.py's job. The format is documented in docs/admissions.md and on
the import page; keep the three in step.

Danish hospital systems export CSV from Excel: semicolon-separated, dates as
dd-mm-yyyy, and often Windows-1252 rather than UTF-8. All of that is accepted.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from brobygger.lib import cpr

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 20_000

CPR, ADMITTED, DISCHARGED, SOR = "cpr", "indlagt", "udskrevet", "sor"
# Column names as written in the header, compared without case, spaces, dashes or dots.
ALIASES: dict[str, frozenset[str]] = {
    CPR: frozenset({"cpr", "cprnr", "cprnummer", "personnummer"}),
    ADMITTED: frozenset({"indlagt", "indlæggelse", "indlæggelsesdato", "admitted"}),
    DISCHARGED: frozenset({"udskrevet", "udskrivelse", "udskrivelsesdato", "discharged"}),
    SOR: frozenset({"sor", "sorkode"}),
}
REQUIRED = (CPR, ADMITTED)

# dd-mm-yyyy (also with . or /) or yyyy-mm-dd; a time after the date is ignored.
_TIME = r"(?:[ T]\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)?"
_DMY = re.compile(rf"^(\d{{1,2}})[-./](\d{{1,2}})[-./](\d{{4}}){_TIME}$")
_YMD = re.compile(rf"^(\d{{4}})-(\d{{1,2}})-(\d{{1,2}}){_TIME}$")
_SOR = re.compile(r"^[0-9]{6,18}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class FileProblem(Exception):
    """The file as a whole cannot be read; the message says why, in the user's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RowError:
    line: int
    column: str  # as the file's header names it; "" for the whole line
    message: str


@dataclass
class FileRow:
    line: int
    cpr: str  # the digits as written (valid only if no error names the cpr column)
    admitted_on: datetime.date | None
    discharged_on: datetime.date | None
    sor: str
    errors: list[RowError] = field(default_factory=list)

    @property
    def masked_cpr(self) -> str:
        return cpr.mask(self.cpr) if len(self.cpr) >= 6 else "—"


@dataclass
class ParsedFile:
    sha256: str
    encoding: str
    delimiter: str
    headers: dict[str, str]  # our column key -> the file's own header text
    rows: list[FileRow]
    ignored_columns: list[str]
    text: str = field(default="", repr=False)

    @property
    def has_errors(self) -> bool:
        return any(row.errors for row in self.rows)


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of an uploaded file, or FileProblem."""
    if len(data) > MAX_BYTES:
        raise FileProblem(
            _("The file is too big. The limit is %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    if not data.strip():
        raise FileProblem(_("The file is empty."))
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise FileProblem(
            _(
                "This is an Excel workbook, not a CSV file. In Excel, choose “Save as” and "
                "“CSV (semicolon separated)”, and upload that file."
            )
        )
    text: str | None = None
    encoding = ""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    elif data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    else:
        # UTF-8 is strict enough that Windows-1252 text almost never passes as UTF-8.
        candidates = ["utf-8", "cp1252", "latin-1"]
    for candidate in candidates:
        try:
            text = data.decode(candidate)
        except UnicodeDecodeError:
            continue
        encoding = candidate
        break
    if text is None or _CONTROL.search(text):
        raise FileProblem(
            _("The file is not a text file. Upload a CSV file (text with one admission a line).")
        )
    return text, encoding


def parse_date(value: str) -> datetime.date:
    """A date written dd-mm-yyyy (or with . or /) or yyyy-mm-dd; ValueError otherwise."""
    value = value.strip()
    match = _DMY.match(value)
    if match:
        day, month, year = (int(part) for part in match.groups())
    else:
        match = _YMD.match(value)
        if not match:
            raise ValueError(value)
        year, month, day = (int(part) for part in match.groups())
    return datetime.date(year, month, day)


def _key(header: str) -> str:
    return re.sub(r"[\s\-_.]", "", header.strip().strip('"').casefold())


def _delimiter(header_line: str) -> str:
    counts = {sep: header_line.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ";"


def _columns(header: list[str]) -> tuple[dict[str, int], dict[str, str], list[str]]:
    index: dict[str, int] = {}
    names: dict[str, str] = {}
    ignored: list[str] = []
    for position, raw in enumerate(header):
        key = _key(raw)
        column = next((name for name, aliases in ALIASES.items() if key in aliases), None)
        if column is None:
            if raw.strip():
                ignored.append(raw.strip())
            continue
        if column in index:
            raise FileProblem(
                _("The column “%(column)s” is named twice in the first line.")
                % {"column": raw.strip()}
            )
        index[column] = position
        names[column] = raw.strip()
    missing = [name for name in REQUIRED if name not in index]
    if missing:
        raise FileProblem(
            _(
                "The first line must name the columns, e.g. “cpr;indlagt;udskrevet;sor”. "
                "Missing: %(missing)s."
            )
            % {"missing": ", ".join(missing)}
        )
    return index, names, ignored


def _date_cell(
    value: str, *, line: int, column: str, today: datetime.date, errors: list[RowError]
) -> datetime.date | None:
    try:
        day = parse_date(value)
    except ValueError:
        errors.append(
            RowError(
                line,
                column,
                _("“%(value)s” is not a date. Write dd-mm-yyyy or yyyy-mm-dd.")
                % {"value": value[:20]},
            )
        )
        return None
    if day > today:
        errors.append(RowError(line, column, _("The date is in the future.")))
        return None
    return day


def _row(
    cells: list[str],
    *,
    line: int,
    index: dict[str, int],
    names: dict[str, str],
    today: datetime.date,
) -> FileRow:
    errors: list[RowError] = []

    def cell(column: str) -> str:
        position = index.get(column)
        if position is None or position >= len(cells):
            return ""
        return cells[position].strip()

    if len(cells) <= max(index[c] for c in REQUIRED):
        errors.append(RowError(line, "", _("The line has too few columns.")))
    raw_cpr = cell(CPR)
    number = cpr.normalise(raw_cpr)
    if not raw_cpr:
        errors.append(RowError(line, names[CPR], _("The CPR number is missing.")))
    else:
        try:
            number = cpr.validate(raw_cpr)
        except ValidationError as exc:
            errors.append(RowError(line, names[CPR], " ".join(exc.messages)))
    admitted: datetime.date | None = None
    raw_admitted = cell(ADMITTED)
    if not raw_admitted:
        errors.append(RowError(line, names[ADMITTED], _("The admission date is missing.")))
    else:
        admitted = _date_cell(
            raw_admitted, line=line, column=names[ADMITTED], today=today, errors=errors
        )
    discharged: datetime.date | None = None
    raw_discharged = cell(DISCHARGED)
    if raw_discharged:
        discharged = _date_cell(
            raw_discharged, line=line, column=names[DISCHARGED], today=today, errors=errors
        )
        if discharged and admitted and discharged < admitted:
            errors.append(
                RowError(
                    line,
                    names[DISCHARGED],
                    _("The discharge date is before the admission date."),
                )
            )
            discharged = None
    sor = cell(SOR)
    if sor and not _SOR.match(sor):
        errors.append(RowError(line, names[SOR], _("A SOR code has 6 to 18 digits.")))
        sor = ""
    return FileRow(
        line=line,
        cpr=number if number.isdigit() else "",
        admitted_on=admitted,
        discharged_on=discharged,
        sor=sor,
        errors=errors,
    )


def parse(text: str, *, encoding: str = "utf-8", today: datetime.date) -> ParsedFile:
    """Every admission row of the file, each with its own errors; FileProblem for the file."""
    sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = _delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    index: dict[str, int] | None = None
    names: dict[str, str] = {}
    ignored: list[str] = []
    rows: list[FileRow] = []
    seen: dict[tuple[str, datetime.date], int] = {}
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if index is None:
                index, names, ignored = _columns(cells)
                continue
            if len(rows) >= MAX_ROWS:
                raise FileProblem(
                    _("The file has more than %(max)d admissions. Split it into smaller files.")
                    % {"max": MAX_ROWS}
                )
            row = _row(cells, line=line, index=index, names=names, today=today)
            if row.cpr and row.admitted_on and not row.errors:
                key = (row.cpr, row.admitted_on)
                if key in seen:
                    row.errors.append(
                        RowError(
                            line,
                            names[ADMITTED],
                            _("The same admission is also on line %(line)d.") % {"line": seen[key]},
                        )
                    )
                else:
                    seen[key] = line
            rows.append(row)
    except csv.Error as exc:
        raise FileProblem(
            _("Line %(line)d cannot be read as CSV: check the quotation marks.")
            % {"line": reader.line_num}
        ) from exc
    if index is None:
        raise FileProblem(_("The file is empty."))
    if not rows:
        raise FileProblem(_("The file has a header line but no admissions below it."))
    return ParsedFile(
        sha256=sha256,
        encoding=encoding,
        delimiter=delimiter,
        headers=names,
        rows=rows,
        ignored_columns=ignored,
        text=text,
    )


def read(data: bytes, *, today: datetime.date) -> ParsedFile:
    """decode, then parse: the whole way from uploaded bytes to rows."""
    text, encoding = decode(data)
    return parse(text, encoding=encoding, today=today)
