"""The funder report: the same figures as the dashboard, always with small cells
suppressed, as sections for a PDF, an XLSX workbook and a CSV file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from brobygger.accounts.models import Unit
from brobygger.conversations.models import Chime
from brobygger.lib.spreadsheet import Section, Value
from brobygger.lib.suppress import SuppressedTable
from brobygger.lib.suppress_words import LEGEND

from . import figures as figures_module
from .published import (
    DASH,
    Published,
    Publisher,
    outcome_measures,
    publish,
    readmission_measures,
)
from .reach import ALL
from .scope import Scope

_DECIMAL = re.compile(r"^-?\d+(?:[.,]\d+)?$")


def sheet_value(text: str) -> Value:
    """A published text as a spreadsheet value: numbers as numbers, the rest as text."""
    plain = text.replace("\u2212", "-").replace("\xa0", " ").strip()
    if plain.endswith(" %"):
        plain = plain[:-2]
    if plain.isdigit():
        return int(plain)
    if _DECIMAL.match(plain):
        return float(plain.replace(",", "."))
    return text


def programme_name() -> str:
    return str(getattr(settings, "PROGRAMME_NAME", "") or _("Brobygger peer support programme"))


@dataclass
class TableView:
    """A suppressed table laid out for a template or a sheet: header, rows, total row."""

    title: str
    corner: str
    header: list[str]
    rows: list[list[str]]
    note: str = ""

    def section(self) -> Section:
        rows: list[list[Value]] = [[r[0], *[sheet_value(c) for c in r[1:]]] for r in self.rows]
        return Section(self.title, [self.corner, *self.header], rows, self.note)


def table_view(title: str, corner: str, table: SuppressedTable, note: str = "") -> TableView:
    rows = [
        [label, *cells, total]
        for label, cells, total in zip(table.row_labels, table.cells, table.row_totals, strict=True)
    ]
    rows.append([_("All"), *table.column_totals, table.total])
    return TableView(title, corner, [*table.column_labels, _("All")], rows, note)


@dataclass
class FunderReport:
    scope: Scope
    published: Published
    units: TableView
    persons: TableView
    courses: TableView
    referrals: TableView
    waiting: TableView
    conversations: TableView
    minutes: TableView
    groups: TableView | None
    topics: TableView
    outcome: TableView | None
    readmissions: TableView
    chime: TableView
    hours: TableView

    def sections(self) -> list[Section]:
        parts = [
            self.conversations,
            self.minutes,
            self.groups,
            self.topics,
            self.units,
            self.persons,
            self.courses,
            self.referrals,
            self.waiting,
            self.outcome,
            self.readmissions,
            self.chime,
            self.hours,
        ]
        return [p.section() for p in parts if p is not None]


def _model_rows(
    p: Published, measures: list[tuple[str, str]], rows_by_key: dict[str, dict[str, str]]
) -> list[list[str]]:
    return [[label, *[rows_by_key[k][name] for k, _l in p.columns]] for name, label in measures]


def build(scope: Scope) -> FunderReport:
    figures = figures_module.compute(scope, funder=True)
    p = publish(figures, suppress=True, with_peer_names=False)
    pub = Publisher(suppress=True)
    keys = [k for k, _l in p.models]
    labels = [label for _k, label in p.models]
    model_header = [label for _k, label in p.columns]

    by_unit = figures.persons_by_unit or {}
    unit_ids = sorted({u for u, _m in by_unit if u is not None})
    names = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
    unit_rows: list[tuple[int | None, str]] = sorted(
        ((u, names.get(u, "")) for u in unit_ids), key=lambda item: item[1]
    )
    if any(u is None for u, _m in by_unit):
        unit_rows.append((None, _("No unit yet")))
    units_table = pub.table(
        [[by_unit.get((u, m), 0) for m in keys] for u, _name in unit_rows] or [[0 for _m in keys]],
        [name for _u, name in unit_rows] or [_("No unit yet")],
        labels,
    )
    courses_rows = [
        [_("Courses in the period"), *[p.courses[k] for k, _l in p.columns]],
        [_("Started in the period"), *[p.started[k] for k, _l in p.columns]],
        [_("Ended in the period"), *[p.ended[k] for k, _l in p.columns]],
    ]
    waiting_rows = [
        [row.label, row.cells["n"], row.cells["median"], row.cells["p90"]] for row in p.waiting
    ]
    minutes_rows = [
        [label, *cells, total]
        for label, cells, total in zip(
            p.conversations.row_labels, p.minutes, p.minutes_by_kind, strict=True
        )
    ]
    minutes_rows.append([_("All"), *[p.minutes_by_model[k] for k in keys], p.minutes_total])
    groups = None
    if p.groups is not None:
        g = p.groups
        groups = TableView(
            _("Recovery groups"),
            _("Measure"),
            [_("Number")],
            [
                [_("Sessions held"), g["sessions"]],
                [_("Groups"), g["groups"]],
                [_("Participants present at least once"), g["participants"]],
                [_("Attendances (present)"), g["present"]],
                [_("Attendances recorded"), g["recorded"]],
                [_("Attendance rate"), g["rate"]],
            ],
        )
    topic_rows = [
        [
            t["title"] + (f" ({_('relatives')})" if t["relatives"] else ""),
            t["covered"],
            t["coverage_text"],
            t["needs_staff"],
        ]
        for t in p.topics
    ]
    outcome = None
    if p.outcome:
        outcome = TableView(
            _("Change in %(instrument)s") % {"instrument": p.instrument},
            _("Measure"),
            model_header,
            _model_rows(p, outcome_measures(), {r.key: r.cells for r in p.outcome}),
            _(
                "First score against the latest later score of each course; means and "
                "intervals only when n is 5 or more."
            ),
        )
    chime = figures.chime
    assert chime is not None
    chime_table = pub.table(
        [[chime.counts[(c, m)] for m in keys] for c in Chime.values],
        [str(label) for _c, label in Chime.choices],
        labels,
    )
    notes = pub.series(chime.notes, keys)
    coded = pub.series(chime.coded, keys)
    chime_view = table_view(
        _("Recovery processes (CHIME) in the conversation notes"),
        _("Process"),
        chime_table,
        _("A note may be coded with more than one process."),
    )
    chime_view.rows += [
        [_("Notes written"), *[notes[k] for k in [*keys, ALL]]],
        [_("Notes coded"), *[coded[k] for k in [*keys, ALL]]],
    ]
    h = p.hours
    return FunderReport(
        scope=scope,
        published=p,
        units=table_view(
            _("Persons supported by unit and support model"),
            _("Unit"),
            units_table,
            _("Each person counts once, under the unit and model of their latest course."),
        ),
        persons=table_view(_("Persons supported by kind and support model"), _("Kind"), p.persons),
        courses=TableView(_("Courses"), _("Measure"), model_header, courses_rows),
        referrals=table_view(
            _("Referrals received by source and status"),
            _("Source"),
            p.referrals,
            _("Referrals are not divided by support model: a referral gets one with its course."),
        ),
        waiting=TableView(
            _("Waiting time from referral to course start (days)"),
            _("Support model"),
            [_("Courses started"), _("Median"), _("90th percentile")],
            waiting_rows,
        ),
        conversations=table_view(
            _("Conversations held by kind and support model"), _("Kind"), p.conversations
        ),
        minutes=TableView(
            _("Minutes of conversation by kind and support model"),
            _("Kind"),
            [*labels, _("All")],
            minutes_rows,
            _("Minutes are hidden where the number of conversations is."),
        ),
        groups=groups,
        topics=TableView(
            _("Discharge guide: courses that have talked about each topic"),
            _("Topic"),
            [_("Courses"), _("Share"), _("Needs follow-up by staff")],
            topic_rows,
        ),
        outcome=outcome,
        readmissions=TableView(
            _("Readmissions and bed days"),
            _("Measure"),
            model_header,
            _model_rows(p, readmission_measures(), {r.key: r.cells for r in p.readmissions}),
            readmission_definition(),
        ),
        chime=chime_view,
        hours=TableView(
            _("Peer workers' hours against their contracts"),
            _("Measure"),
            [_("Value")],
            [
                [_("Peer workers"), h["peers"]],
                [_("Under the contract"), h["under"]],
                [_("Within the contract"), h["within"]],
                [_("Over the contract"), h["over"]],
                *(
                    [_("Hours: %(source)s") % {"source": label}, value]
                    for label, value in p.hour_kinds
                ),
                [_("Hours in all"), h["total"]],
                [_("Contracted hours, from"), h["contract_min"]],
                [_("Contracted hours, to"), h["contract_max"]],
            ],
            hours_definition(),
        ),
    )


def readmission_definition() -> str:
    return _(
        "A readmission is a registered admission that begins 1 to 30 (or 90) days after a "
        "discharge: the discharge on the course, or the discharge from an earlier registered "
        "admission of the same course. It counts in the period in which it begins. Bed days "
        "are the nights in the period spent in registered admissions. The share readmitted "
        "looks at courses discharged in the period at least 30 (90) days ago."
    )


def hours_definition() -> str:
    return _(
        "Counted as on the peer workers' timesheets: direct work (conversations held, with "
        "the minutes on the note, else the booked length, and group sessions that have "
        "taken place), indirect work (entered on the timesheet, and job interviews), "
        "transport, supervision attended and peer education. Against each peer worker's "
        "contracted hours per week times the working days of the period under contract "
        "(up to today; not weekends or public holidays) divided by 5."
    )


def legend() -> str:
    return str(LEGEND)


# A PDF table by unit is readable up to about a page or two; a region with hundreds of
# units gets the totals in the PDF and the full table in the spreadsheet files.
PDF_MAX_UNIT_ROWS = 50


def pdf_units(table: TableView) -> TableView:
    """The table by unit for the PDF: whole, or only its totals row when it is very long.
    Either way the numbers are those of the one suppressed table, so nothing more shows."""
    units = len(table.rows) - 1
    if units <= PDF_MAX_UNIT_ROWS:
        return table
    note = _(
        "%(n)s units: the PDF shows the totals; the table by unit is in the XLSX and CSV files."
    ) % {"n": units}
    return TableView(table.title, table.corner, table.header, table.rows[-1:], note)


def pdf_context(report: FunderReport) -> dict[str, Any]:
    scope = report.scope
    return {
        "report": report,
        "programme": programme_name(),
        "scope": scope,
        "models": [label for _k, label in report.published.models],
        "all_models": scope.all_models,
        "legend": legend(),
        "dash": DASH,
        "tables": {
            "activity": [
                t for t in (report.conversations, report.minutes, report.groups, report.topics) if t
            ],
            "reach": [
                pdf_units(report.units),
                report.persons,
                report.courses,
                report.referrals,
                report.waiting,
            ],
            "outcomes": [t for t in (report.outcome, report.readmissions) if t],
            "experiences": [report.chime],
            "hours": [report.hours],
        },
    }
