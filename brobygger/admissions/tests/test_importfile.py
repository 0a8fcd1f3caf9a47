"""Reading hospital files: encodings, separators, dates, headers and row errors (no database)."""

from __future__ import annotations

import codecs
import datetime

import pytest
from django.utils import translation

from brobygger.admissions.importfile import (
    MAX_BYTES,
    FileProblem,
    decode,
    parse,
    parse_date,
    read,
)

TODAY = datetime.date(2026, 11, 25)


@pytest.fixture(autouse=True)
def _danish():
    with translation.override("da"):
        yield


def rows(text: str):
    return read(text.encode("utf-8"), today=TODAY).rows


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("03-02-2026", datetime.date(2026, 2, 3)),
        ("3-2-2026", datetime.date(2026, 2, 3)),
        ("03.02.2026", datetime.date(2026, 2, 3)),
        ("03/02/2026", datetime.date(2026, 2, 3)),
        ("2026-02-03", datetime.date(2026, 2, 3)),
        ("2026-02-03 14:30", datetime.date(2026, 2, 3)),
        ("03-02-2026 08.15.00", datetime.date(2026, 2, 3)),
        (" 2026-02-03 ", datetime.date(2026, 2, 3)),
    ],
)
def test_dates_are_read_day_first_or_iso(written, expected):
    assert parse_date(written) == expected


@pytest.mark.parametrize(
    "written", ["31-02-2026", "03-02-26", "2026/02/03", "i går", "", "2026-13-01"]
)
def test_other_dates_are_refused(written):
    with pytest.raises(ValueError):
        parse_date(written)


@pytest.mark.parametrize(
    "text",
    [
        "cpr;indlagt;udskrevet;sor\n010190-1234;03-02-2026;17-02-2026;123456\n",
        "cpr,indlagt,udskrevet,sor\n010190-1234,03-02-2026,17-02-2026,123456\n",
        "cpr\tindlagt\tudskrevet\tsor\n010190-1234\t03-02-2026\t17-02-2026\t123456\n",
        '"CPR-nr";"Indlagt";"Udskrevet";"SOR-kode"\r\n"0101901234";"2026-02-03";"2026-02-17";"123456"\r\n',
        "udskrevet;cpr;indlagt;sor\n17-02-2026;0101901234;03-02-2026;123456\n",
    ],
)
def test_separator_quotes_column_order_and_header_spelling(text):
    [row] = rows(text)
    assert row.errors == []
    assert (row.cpr, row.admitted_on, row.discharged_on, row.sor) == (
        "0101901234",
        datetime.date(2026, 2, 3),
        datetime.date(2026, 2, 17),
        "123456",
    )
    assert row.masked_cpr == "010190-XXXX"


TEXT = "cpr;indlagt;udskrevet;afdeling\n0101901234;03-02-2026;17-02-2026;Psykiatri Øst, Ærø\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("cp1252"), "cp1252"),
        (TEXT.encode("utf-16"), "utf-16"),
    ],
)
def test_encodings_danish_hospitals_export(data, encoding):
    text, found = decode(data)
    assert found == encoding
    assert "Ærø" in text
    parsed = read(data, today=TODAY)
    assert parsed.ignored_columns == ["afdeling"]
    assert parsed.rows[0].errors == []


def test_a_bom_does_not_spoil_the_first_column_name():
    parsed = read(codecs.BOM_UTF8 + b"cpr;indlagt\n0101901234;03-02-2026\n", today=TODAY)
    assert parsed.headers["cpr"] == "cpr"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "tom"),
        (b"   \n\n", "tom"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Excel"),
        (b"\x00\x01\x02\x89PNG\r\n\x1a\n", "ikke en tekstfil"),
        (b"x" * (MAX_BYTES + 1), "for stor"),
        (b"navn;dato\nAlice;03-02-2026\n", "Mangler: cpr, indlagt"),
        (b"cpr;cpr;indlagt\n1;2;3\n", "to gange"),
        (b"cpr;indlagt;udskrevet\n", "ingen indlæggelser"),
        (b'cpr;indlagt\n"0101901234;03-02-2026\n', "anførselstegn"),
    ],
)
def test_bad_files_get_one_clear_message(data, words):
    with pytest.raises(FileProblem) as problem:
        read(data, today=TODAY)
    assert words in problem.value.message


def test_row_errors_name_line_column_and_problem_in_danish():
    text = (
        "cpr;indlagt;udskrevet\n"
        "0101901234;03-02-2026;17-02-2026\n"  # line 2: fine
        "12345;03-02-2026;\n"  # 3: CPR too short
        "0101901234;31-02-2026;\n"  # 4: no such date
        "0101901234;10-03-2026;01-03-2026\n"  # 5: discharged before admitted
        "0101901234;03-02-2026;\n"  # 6: same admission as line 2
        "0101901234;;\n"  # 7: admission date missing
        "0101901234;01-12-2030;\n"  # 8: in the future
        ";04-04-2026;\n"  # 9: CPR missing
        "\n"  # a blank line is skipped
        "3213901234\n"  # 11: too few columns
    )
    parsed = parse(text, today=TODAY)
    errors = {row.line: [(e.column, e.message) for e in row.errors] for row in parsed.rows}
    assert errors[2] == []
    assert errors[3] == [("cpr", "Et CPR-nummer har 10 cifre (DDMMÅÅ-SSSS).")]
    assert errors[4][0][0] == "indlagt" and "er ikke en dato" in errors[4][0][1]
    assert errors[5] == [("udskrevet", "Udskrivelsesdatoen ligger før indlæggelsesdatoen.")]
    assert errors[6] == [("indlagt", "Den samme indlæggelse står også på linje 2.")]
    assert errors[7] == [("indlagt", "Indlæggelsesdatoen mangler.")]
    assert errors[8] == [("indlagt", "Datoen ligger i fremtiden.")]
    assert errors[9] == [("cpr", "CPR-nummeret mangler.")]
    assert ("", "Linjen har for få kolonner.") in errors[11]
    assert parsed.has_errors


def test_a_cpr_number_without_the_old_check_digit_is_valid():
    # Issued since 2007 (CPR-kontoret): modulus 11 never decides validity.
    [row] = rows("cpr;indlagt\n0101901235;03-02-2026\n")
    assert row.errors == []


def test_the_same_file_hashes_the_same():
    data = TEXT.encode("cp1252")
    assert read(data, today=TODAY).sha256 == read(data, today=TODAY).sha256
    assert read(data, today=TODAY).sha256 != read(data + b"\n1", today=TODAY).sha256
