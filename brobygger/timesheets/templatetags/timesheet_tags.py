"""Minutes shown as hours with two decimals, in the page's language (12,50 / 12.50), and
the month's contract norm in the same words wherever it is shown (issue 19)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from brobygger.lib.when import format_when
from brobygger.timesheets import months
from brobygger.timesheets.hours import KIND_LABELS
from brobygger.timesheets.models import SOURCE_LABELS

register = template.Library()


@register.filter
def hours(minutes: Any) -> str:
    try:
        value = int(minutes or 0)
    except (TypeError, ValueError):
        return ""
    return number_format(months.hours(value), 2)


@register.filter
def hours_if_any(minutes: Any) -> str:
    """Hours, or nothing for zero: day rows stay readable on a phone."""
    return hours(minutes) if minutes else ""


@register.filter
def source_label(source: str) -> str:
    return str(SOURCE_LABELS.get(source, source))


@register.filter
def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


@register.filter
def get(mapping: Any, key: Any) -> Any:
    try:
        return mapping[key]
    except (KeyError, IndexError, TypeError):
        return None


@register.simple_tag
def contract_band(low: Any, high: Any) -> str:
    """The contract's band in hours: "27,20-44,20 timer" (minutes in)."""
    return _("%(low)s\u2013%(high)s hours") % {"low": hours(low), "high": hours(high)}


def norm_days(figures: Any) -> str:
    """What the band was computed from: "22 arbejdsdage, heraf 5 fraværsdage (minus 8,00-13,00
    timer)", or "22 arbejdsdage" with no day away (timesheets.hours.norms)."""
    working = int(figures.working_days or 0)
    text = ngettext("%(n)s working day", "%(n)s working days", working) % {"n": working}
    away = int(getattr(figures, "absent_days", 0) or 0)
    if away:
        text = ngettext(
            "%(days)s, %(n)s of them a day away (\u2212%(low)s\u2013%(high)s hours)",
            "%(days)s, %(n)s of them days away (\u2212%(low)s\u2013%(high)s hours)",
            away,
        ) % {
            "days": text,
            "n": away,
            "low": hours(figures.absence_min),
            "high": hours(figures.absence_max),
        }
    return text


@register.simple_tag
def contract_norm_days(figures: Any) -> str:
    return norm_days(figures)


@register.simple_tag
def contract_norm(figures: Any, month_label: str) -> str:
    """One sentence for the month's norm (with an en dash and a minus sign): "Kontrakt:
    27,20-44,20 timer i december 2026: 22 arbejdsdage, heraf 5 fraværsdage (minus
    8,00-13,00 timer)." The timesheet (the peer's and the coordinator's) says it so; the
    month overview and the workforce overview show the band in the same words."""
    return _("Contract: %(band)s in %(month)s: %(days)s.") % {
        "band": contract_band(figures.contract_min, figures.contract_max),
        "month": month_label,
        "days": norm_days(figures),
    }


@register.simple_tag
def contract_so_far(figures: Any, short: bool = False) -> str:
    """While the month runs, what its hours are judged against (timesheets.hours): "Hidtil,
    til og med 4. december: 6,40-12,00 timer, 4 af 22 arbejdsdage." on the timesheet;
    `short` for a table cell: "Hidtil: 6,40-12,00 timer (4 af 22 arbejdsdage)". Empty for
    a month that has ended or is confirmed."""
    so_far = getattr(figures, "so_far", None)
    if so_far is None:
        return ""
    values = {
        "day": format_when(so_far.until, "day_month"),
        "band": contract_band(so_far.contract_min, so_far.contract_max),
        "done": so_far.working_days,
        "days": int(figures.working_days or 0),
    }
    if short:
        return _("So far: %(band)s (%(done)s of %(days)s working days)") % values
    sentence = _(
        "So far, up to and including %(day)s: %(band)s, %(done)s of %(days)s working days."
    )
    return sentence % values


@register.inclusion_tag("timesheets/_flag.html")
def contract_flag(figures: Any) -> dict[str, Any]:
    """The month against the contract, as one badge on every page that judges it: under,
    within or over, and "so far" while the month runs."""
    return {
        "band": "under" if figures.under else "over" if figures.over else "within",
        "so_far": getattr(figures, "so_far", None) is not None,
    }
