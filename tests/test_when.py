"""One Danish format for dates and times, English when the user picks English."""

import datetime
import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

from brobygger.lib.when import STYLES, format_when

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
