"""One Danish format for dates and times, English when the user picks English."""

import ast
import datetime
import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from brobygger.lib.when import STYLES, day_words, format_when

MOMENT = datetime.datetime(2026, 12, 3, 13, 30, tzinfo=datetime.UTC)  # 14.30 in Copenhagen


@pytest.mark.parametrize(
    ("style", "danish", "english"),
    [
        ("date", "3. december 2026", "3 December 2026"),
        ("short", "3. dec. 2026", "3 Dec 2026"),
        ("time", "14.30", "14:30"),
        ("datetime", "3. december 2026 kl. 14.30", "3 December 2026, 14:30"),
        ("short_datetime", "3. dec. 2026 14.30", "3 Dec 2026, 14:30"),
    ],
)
def test_styles_in_both_languages(style, danish, english):
    with translation.override("da"):
        assert format_when(MOMENT, style) == danish
    with translation.override("en"):
        assert format_when(MOMENT, style) == english


def test_no_english_month_in_any_danish_style():
    english = {"January", "February", "March", "May", "June", "July", "October", "Dec", "Oct"}
    with translation.override("da"):
        for month in range(1, 13):
            moment = datetime.datetime(2026, month, 3, 9, 5)
            for style in STYLES:
                words = set(format_when(moment, style).replace(".", " ").split())
                assert not words & english, (style, month)


def test_the_filter_is_a_builtin_and_shows_local_time():
    template = Template('{{ moment|when:"short_datetime" }}|{{ missing|when:"time" }}')
    with translation.override("da"):
        assert template.render(Context({"moment": MOMENT})) == "3. dec. 2026 14.30|"


def test_summer_time_is_local_time():
    summer = datetime.datetime(2026, 7, 1, 8, 0, tzinfo=datetime.UTC)
    with translation.override("da"):
        assert format_when(summer, "time") == "10.00"


NAMED_FORMAT = re.compile(r"\|date:\s*[\"'][^\"']*[DlMFNbEP][^\"']*[\"']")


def test_no_template_formats_a_named_month_or_day_itself():
    """A month or weekday name comes only from the `when` filter (lib/when.py), so Danish
    pages never show "Dec" next to "december" (issue 19). Number-only formats for links
    and form values ("Y-m-d", "W") are fine."""
    root = Path(__file__).resolve().parent.parent
    found = []
    for template in [
        *root.glob("templates/**/*.html"),
        *root.glob("brobygger/*/templates/**/*.html"),
    ]:
        for number, line in enumerate(template.read_text().splitlines(), start=1):
            if NAMED_FORMAT.search(line):
                found.append(f"{template.relative_to(root)}:{number}")
    assert found == []


# Django's format letters that name a month or a weekday, or a time with a colon (the
# Danish clock is "14.30"); strftime's named months and weekdays.
NAMED_LETTERS = re.compile(r"(?<!\\)[DlMFNbEP]|H:i")
NAMED_STRFTIME = re.compile(r"%[aAbB]")
# Composed in a translated sentence ("torsdag 26. november kl. 10.00" / "Thursday 26
# November at 10:00"), asserted in both languages in scheduling/tests/test_reminders.py.
COMPOSED_ELSEWHERE = {"brobygger/scheduling/reminders.py"}


def _named_formats(path: Path) -> list[int]:
    """Lines of `path` where a date is formatted with a pattern of its own that names a
    month or a weekday (or writes a time with a colon)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        owner = func.value if isinstance(func, ast.Attribute) else None
        django_call = name in {"date_format", "time_format"} or (
            name == "format" and isinstance(owner, ast.Name) and owner.id == "dateformat"
        )
        # The pattern's string literals, also inside an expression ("j. F" if … else …).
        pattern_args = node.args if name == "strftime" else node.args[1:]
        literals = [
            part.value
            for arg in [*pattern_args, *(keyword.value for keyword in node.keywords)]
            for part in ast.walk(arg)
            if isinstance(part, ast.Constant) and isinstance(part.value, str)
        ]
        if name == "strftime":
            if any(NAMED_STRFTIME.search(text) for text in literals):
                lines.append(node.lineno)
        elif django_call and any(NAMED_LETTERS.search(text) for text in literals):
            lines.append(node.lineno)
    return lines


def test_no_python_code_formats_a_named_month_or_day_itself():
    """Messages, e-mails and readable records built in Python take their dates from
    lib/when.py too: a pattern of their own wrote "3. december 2026 14:30" in Danish and
    "3. December" in English (issue 19). Number-only machine formats (file names, import
    files, CPR numbers) are fine."""
    root = Path(__file__).resolve().parent.parent
    found: list[str] = []
    for path in sorted(root.glob("brobygger/**/*.py")):
        relative = path.relative_to(root).as_posix()
        if (
            "/tests/" in relative
            or "/migrations/" in relative
            or relative == "brobygger/lib/when.py"
            or relative in COMPOSED_ELSEWHERE
        ):
            continue
        found.extend(f"{relative}:{line}" for line in _named_formats(path))
    assert found == []


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ('date_format(day, "j. F Y")', True),
        ('formats.date_format(moment, "j/n Y H:i")', True),
        ('dateformat.format(local, "l")', True),
        ('date_format(day, "j. F" if this_year else "j. F Y")', True),
        ('moment.strftime("%d %b %Y")', True),
        ('date_format(day, "Y-m-d")', False),
        ('moment.strftime("%Y%m%d-%H%M")', False),
        ('format_when(day, "date")', False),
        ('"{} F".format(day)', False),
    ],
)
def test_the_named_format_check_itself(tmp_path, source, flagged):
    path = tmp_path / "module.py"
    path.write_text(source + "\n")
    assert bool(_named_formats(path)) is flagged


def test_day_words_in_both_languages():
    this_year = timezone.localdate().replace(month=1, day=12)
    earlier = this_year.replace(year=this_year.year - 1)
    with translation.override("da"):
        assert day_words(this_year) == "12. januar"
        assert day_words(earlier) == f"12. januar {earlier.year}"
    with translation.override("en"):
        assert day_words(this_year) == "12 January"
        assert day_words(earlier) == f"12 January {earlier.year}"
