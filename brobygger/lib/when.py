"""How dates and times read, in one place: Danish first ("3. dec. 2026", "14.30"),
English when the user picks English ("3 Dec 2026", "14:30").

Templates use the filter `when` (a template builtin, no `{% load %}` needed):
`{{ appointment.starts_at|when:"weekday_time" }}`; Python code that puts a time in a
message uses `format_when(moment, "time")`. An aware moment is shown in Europe/Copenhagen.
Machine formats (ISO dates in inputs and attributes, file names) keep the `date` filter.
"""

from __future__ import annotations

import datetime

from django import template
from django.utils import dateformat, timezone, translation

# style: (Danish, English). Escaped letters (\k\l) are literal text.
STYLES: dict[str, tuple[str, str]] = {
    "date": ("j. F Y", "j F Y"),  # 3. december 2026
    "short": ("j. N Y", "j M Y"),  # 3. dec. 2026
    "time": ("H.i", "H:i"),  # 14.30
    "datetime": (r"j. F Y \k\l. H.i", "j F Y, H:i"),  # 3. december 2026 kl. 14.30
    "short_datetime": ("j. N Y H.i", "j M Y, H:i"),  # 3. dec. 2026 14.30
    "seconds": ("j. N Y H.i.s", "j M Y, H:i:s"),  # the access log
    "day_month": ("j. F", "j F"),  # 3. december
    "month": ("F Y", "F Y"),  # december 2026
    "day_month_time": (r"j. F \k\l. H.i", "j F, H:i"),  # 3. december kl. 14.30
    "short_day_month": ("j. N", "j M"),  # 3. dec.
    "short_day_month_time": ("j. N H.i", "j M, H:i"),  # 3. dec. 14.30
    "weekday": ("l j. F Y", "l j F Y"),  # torsdag 3. december 2026
    "weekday_time": (r"l j. F Y \k\l. H.i", "l j F Y, H:i"),
    "weekday_day_month": ("l j. F", "l j F"),  # torsdag 3. december
    "weekday_day_month_time": (r"l j. F \k\l. H.i", "l j F, H:i"),
    "short_weekday": ("D j. N", "D j M"),  # tor 3. dec.
    "short_weekday_day": ("D j.", "D j"),  # tor 3.
    "short_weekday_date": ("D j. N Y", "D j M Y"),
    "short_weekday_time": ("D j. N H.i", "D j M, H:i"),
    "short_weekday_datetime": ("D j. N Y H.i", "D j M Y, H:i"),
    "numeric": ("j/n Y", "j/n Y"),  # 3/12 2026
    "numeric_day_month": ("j/n", "j/n"),
    "numeric_weekday_time": ("D j/n H.i", "D j/n, H:i"),
    "numeric_weekday": ("D j/n", "D j/n"),
}


def pattern(style: str, language: str | None = None) -> str:
    danish, english = STYLES[style]
    language = language or translation.get_language() or "da"
    return english if language.startswith("en") else danish


Value = datetime.date | datetime.datetime | datetime.time


def format_when(value: Value | None, style: str = "date") -> str:
    """`value` in the style, in the active language; an aware moment in local time; a
    wall-clock time (a weekly window) in a time style."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.time):
        return dateformat.time_format(value, pattern(style))
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, pattern(style))


register = template.Library()


@register.filter(expects_localtime=True, is_safe=False)
def when(value: Value | None, style: str = "date") -> str:
    if not isinstance(value, datetime.date | datetime.time):
        return ""
    return format_when(value, style)


def day_words(day: datetime.date) -> str:
    """'12. januar', with the year when it is not this year."""
    this_year = day.year == timezone.localdate().year
    return format_when(day, "day_month" if this_year else "date")


def format_period(first: datetime.date, last: datetime.date) -> str:
    """A run of days, both included, joined by an en dash: "6.-10. juli", "30. juni-3. juli",
    one day "6. juli"; across a new year with the years."""
    if first == last:
        return format_when(first, "day_month")
    if first.year != last.year:
        return f"{format_when(first, 'date')}\u2013{format_when(last, 'date')}"
    if first.month == last.month:
        english = (translation.get_language() or "da").startswith("en")
        start = dateformat.format(first, "j" if english else "j.")
    else:
        start = format_when(first, "day_month")
    return f"{start}\u2013{format_when(last, 'day_month')}"
