"""The payroll file for one month: approved timesheets only, and who is still missing.

Only approved months are paid from this file, with the figures of the snapshot taken
when the peer confirmed (what the coordinator approved). Months not yet approved are
listed in a second section, without hours, so payroll can see who is missing instead
of silently paying nothing. Formula escaping, the BOM, semicolons and the decimal comma
come from brobygger.lib.spreadsheet.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from brobygger.lib.spreadsheet import Section, write_csv

from . import months
from .models import SOURCE_LABELS, SOURCES, TimesheetState
from .services import month_label


def _hours(minutes: int) -> float:
    return float(months.hours(minutes))


def sections(overview: dict[str, Any], year: int, month: int) -> list[Section]:
    label = month_label(year, month)
    approved, missing = [], []
    for line in overview["lines"]:
        figures = line["figures"]
        if figures.state == TimesheetState.APPROVED:
            approved.append(
                [
                    line["name"],
                    line["username"],
                    *[_hours(figures.minutes[s]) for s in SOURCES],
                    _hours(figures.total),
                    figures.total,
                    _hours(figures.contract_min),
                    _hours(figures.contract_max),
                    line["approved_at"],
                ]
            )
        else:
            missing.append(
                [line["name"], line["username"], str(TimesheetState(figures.state).label)]
            )
    hours_header = [_("%(source)s (hours)") % {"source": SOURCE_LABELS[s]} for s in SOURCES]
    return [
        Section(
            title=_("Approved timesheets, %(month)s") % {"month": label},
            header=[
                _("Peer worker"),
                _("Username"),
                *hours_header,
                _("Total (hours)"),
                _("Total (minutes)"),
                _("Contract, from (hours)"),
                _("Contract, to (hours)"),
                _("Approved"),
            ],
            rows=approved,
            note=_(
                "Hours with two decimals. The figures are those the peer confirmed and the "
                "coordinator approved."
            ),
        ),
        Section(
            title=_("Not approved yet, %(month)s") % {"month": label},
            header=[_("Peer worker"), _("Username"), _("Status")],
            rows=missing,
            note=_("These months are not in the payroll file until they are approved."),
        ),
    ]


def payroll_csv(overview: dict[str, Any], year: int, month: int) -> bytes:
    return write_csv(sections(overview, year, month))
