"""One Danish format for dates and times, English when the user picks English."""

import datetime

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
