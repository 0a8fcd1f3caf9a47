"""The programme dashboard's charts, drawn from the published (possibly suppressed) numbers:
a hidden count draws no bar."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from brobygger.lib.suppress import SuppressedTable

from . import charts, hours
from .published import (
    DASH,
    ModelRow,
    Published,
    decimal,
    outcome_measures,
    readmission_measures,
    shown_number,
)


def _count_bars(labels: list[str], texts: list[str]) -> list[tuple[str, float | None, str]]:
    return [
        (label, float(n) if (n := shown_number(text)) is not None else None, text)
        for label, text in zip(labels, texts, strict=True)
    ]


def build_charts(p: Published) -> dict[str, Any]:
    result: dict[str, Any] = {
        "referrals": charts.bar_chart(
            "referrals",
            _("Referrals received in the period, by status"),
            _count_bars(p.referrals.column_labels, p.referrals.column_totals),
        ),
        "conversations": charts.bar_chart(
            "conversations",
            _("Conversations held, by kind"),
            _count_bars(p.conversations.row_labels, p.conversations.row_totals),
        ),
        "waiting": charts.bar_chart(
            "waiting",
            _("Median days from referral to the start of the course, by support model"),
            [
                (
                    row.label,
                    float(row.cells["median"].replace(",", "."))
                    if row.cells["median"] != DASH
                    else None,
                    row.cells["median"],
                )
                for row in p.waiting
            ],
        ),
        "topics": charts.bar_chart(
            "topics",
            _("Share of courses that have talked about each topic"),
            [(t["title"], t["coverage"], t["coverage_text"]) for t in p.topics],
            label_width=300,
            max_value=100.0,
        ),
    }
    if p.changes:
        result["outcome"] = charts.interval_chart(
            "outcome",
            _("Mean change in %(instrument)s with 95 %% confidence interval")
            % {"instrument": p.instrument},
            [
                (
                    label,
                    change.mean if change.shown else None,
                    change.low if change.shown else None,
                    change.high if change.shown else None,
                    decimal(change.mean) if change.shown else _("too few to show"),
                )
                for key, label in p.columns
                if (change := p.changes[key]) is not None
            ],
        )
    if p.peer_rows:
        result["hours"] = charts.bar_chart(
            "hours",
            _("Hours per week per peer worker; the light band is the contract (from–to)"),  # noqa: RUF001
            [(r["name"], r["per_week_value"], r["per_week"]) for r in p.peer_rows],
            bands=[(r["hours_min"], r["hours_max"]) for r in p.peer_rows],
        )
    else:
        labels = [_("Under the contract"), _("Within the contract"), _("Over the contract")]
        texts = [p.hours[hours.UNDER], p.hours[hours.WITHIN], p.hours[hours.OVER]]
        result["hours"] = charts.bar_chart(
            "hours", _("Peer workers by hours against their contract"), _count_bars(labels, texts)
        )
    return result


def grid(table: SuppressedTable) -> list[tuple[str, list[str], str]]:
    """A table's rows for the template: (label, cells, row total)."""
    return list(zip(table.row_labels, table.cells, table.row_totals, strict=True))


def model_rows(
    p: Published, measures: list[tuple[str, str]], rows: list[ModelRow]
) -> list[tuple[str, list[str], str]]:
    """Measures down, support models (and all) across: (label, cells, key)."""
    by_key = {row.key: row.cells for row in rows}
    return [(label, [by_key[k][name] for k, _l in p.columns], name) for name, label in measures]


def build_view(p: Published) -> dict[str, Any]:
    """Everything the template lays out beyond the published numbers themselves."""
    minutes = [
        (label, cells, total)
        for label, cells, total in zip(
            p.conversations.row_labels, p.minutes, p.minutes_by_kind, strict=True
        )
    ]
    keys = [k for k, _l in p.models]
    view: dict[str, Any] = {
        "persons_grid": grid(p.persons),
        "referrals_grid": grid(p.referrals),
        "conversations_grid": grid(p.conversations),
        "minutes_grid": minutes,
        "minutes_totals": [p.minutes_by_model[k] for k in keys],
        "waiting_rows": model_rows(
            p,
            [
                ("n", _("Courses started")),
                ("median", _("Median (days)")),
                ("p90", _("90th percentile (days)")),
            ],
            p.waiting,
        ),
        "courses_rows": [
            (_("Courses in the period"), [p.courses[k] for k, _l in p.columns], "courses"),
            (_("Started in the period"), [p.started[k] for k, _l in p.columns], "started"),
            (_("Ended in the period"), [p.ended[k] for k, _l in p.columns], "ended"),
            (_("Conversations missed"), [p.no_show[k] for k, _l in p.columns], "no_show"),
        ],
        "readmission_rows": model_rows(p, readmission_measures(), p.readmissions),
        "comparison_rows": [
            (row.label, [row.cells[k] for k, _l in p.columns], row.key) for row in p.comparison
        ],
    }
    if p.outcome:
        view["outcome_rows"] = model_rows(p, outcome_measures(), p.outcome)
    return view
