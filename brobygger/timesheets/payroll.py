"""The payroll file for one month: approved timesheets only, and who is still missing.

Only approved months are paid from this file, with the figures of the snapshot taken
when the peer confirmed (what the coordinator approved). The file's first section is the
payroll lines the region's payroll system reads: one line per peer and kind of hours
(direct, indirect, transport, supervision, education; see timesheets/hours.py) with the
peer's employee number and the kind's pay code, in the columns and with the separator
set in settings (PAYROLL_PAY_CODES, PAYROLL_COLUMNS, PAYROLL_SEPARATOR). An approved
month of a peer without an employee number is not in the lines: it is listed in a section
of its own, so payroll sees it instead of paying nothing without a word. Months not yet
approved are listed too, without hours. Formula escaping, the BOM and the decimal comma
come from brobygger.lib.spreadsheet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from brobygger.lib.spreadsheet import Section, Value, write_csv

from . import months
from .hours import KIND_LABELS, KINDS
from .models import TimesheetState
from .services import month_label

SEPARATORS = frozenset({";", ",", "|", "\t"})

# The columns a payroll line can have: (header, value of one line).
Line = dict[str, Any]
COLUMNS: dict[str, tuple[Any, Callable[[Line], Value]]] = {
    "employee_number": (gettext_lazy("Employee number"), lambda line: line["employee_number"]),
    "name": (gettext_lazy("Peer worker"), lambda line: line["name"]),
    "username": (gettext_lazy("Username"), lambda line: line["username"]),
    "month": (gettext_lazy("Month"), lambda line: line["month"]),
    "pay_code": (gettext_lazy("Pay code"), lambda line: line["pay_code"]),
    "kind": (gettext_lazy("Kind of hours"), lambda line: str(KIND_LABELS[line["kind"]])),
    "hours": (gettext_lazy("Hours"), lambda line: _hours(line["minutes"])),
    "minutes": (gettext_lazy("Minutes"), lambda line: line["minutes"]),
}


def _hours(minutes: int) -> float:
    return float(months.hours(minutes))


def pay_codes() -> dict[str, str]:
    """The pay code of each kind of hours, as configured."""
    return {kind: str(settings.PAYROLL_PAY_CODES[kind]).strip() for kind in KINDS}


def payroll_lines(overview: dict[str, Any], year: int, month: int) -> list[Line]:
    """One line per approved peer with an employee number and kind with hours."""
    codes = pay_codes()
    lines = []
    for row in overview["lines"]:
        figures = row["figures"]
        if figures.state != TimesheetState.APPROVED or not row["employee_number"]:
            continue
        for kind, minutes in figures.kinds.items():
            if minutes:
                lines.append(
                    {
                        "employee_number": row["employee_number"],
                        "name": row["name"],
                        "username": row["username"],
                        "month": f"{year}-{month:02d}",
                        "pay_code": codes[kind],
                        "kind": kind,
                        "minutes": minutes,
                    }
                )
    return lines


def sections(overview: dict[str, Any], year: int, month: int) -> list[Section]:
    label = month_label(year, month)
    columns = [COLUMNS[name] for name in settings.PAYROLL_COLUMNS]
    approved, without_number, missing = [], [], []
    for line in overview["lines"]:
        figures = line["figures"]
        if figures.state == TimesheetState.APPROVED:
            approved.append(
                [
                    line["employee_number"],
                    line["name"],
                    line["username"],
                    *[_hours(figures.kinds[k]) for k in KINDS],
                    _hours(figures.total),
                    figures.total,
                    _hours(figures.contract_min),
                    _hours(figures.contract_max),
                    line["approved_at"],
                ]
            )
            if not line["employee_number"]:
                without_number.append([line["name"], line["username"], _hours(figures.total)])
        else:
            missing.append(
                [line["name"], line["username"], str(TimesheetState(figures.state).label)]
            )
    lines = payroll_lines(overview, year, month)
    kind_header = [_("%(kind)s (hours)") % {"kind": KIND_LABELS[k]} for k in KINDS]
    return [
        Section(
            title=_("Payroll lines, %(month)s") % {"month": label},
            header=[str(header) for header, _value in columns],
            rows=[[value(line) for _h, value in columns] for line in lines],
            note=_(
                "One line per peer worker and kind of hours with the kind's pay code. Approved "
                "months only, with the figures the peer confirmed and the coordinator approved."
            ),
        ),
        Section(
            title=_("Missing employee number, %(month)s") % {"month": label},
            header=[_("Peer worker"), _("Username"), _("Total (hours)")],
            rows=without_number,
            note=_(
                "Approved, but NOT in the payroll lines: the peer worker has no employee "
                "number. Add it on the peer worker's page and download the file again."
            ),
        ),
        Section(
            title=_("Approved timesheets, %(month)s") % {"month": label},
            header=[
                _("Employee number"),
                _("Peer worker"),
                _("Username"),
                *kind_header,
                _("Total (hours)"),
                _("Total (minutes)"),
                _("Contract, from (hours)"),
                _("Contract, to (hours)"),
                _("Approved"),
            ],
            rows=approved,
            note=_("Hours with two decimals."),
        ),
        Section(
            title=_("Not approved yet, %(month)s") % {"month": label},
            header=[_("Peer worker"), _("Username"), _("Status")],
            rows=missing,
            note=_("These months are not in the payroll file until they are approved."),
        ),
    ]


def payroll_csv(overview: dict[str, Any], year: int, month: int) -> bytes:
    return write_csv(sections(overview, year, month), delimiter=settings.PAYROLL_SEPARATOR)
