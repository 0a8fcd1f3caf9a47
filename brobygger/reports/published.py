"""The figures as shown: counts suppressed where the reader must not see small cells,
means and shares only over enough people, numbers written the reader's way.

Evaluators and every funder report see counts under 5 as "<5", with complementary cells
hidden (an en dash) so that no small count can be worked out from the totals
(brobygger.lib.suppress). Each count is published once and reused, so that two places
on the same page never give away what one of them hides. Means, medians and shares
based on fewer than 5 are not shown for anyone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from brobygger.conversations.models import Audience
from brobygger.lib.suppress import SuppressedTable, suppress, suppress_list, suppress_table
from brobygger.timesheets import months
from brobygger.timesheets.hours import KINDS as HOUR_KINDS

from . import hours as hours_module
from . import stats
from .activity import KINDS
from .figures import Figures
from .reach import ALL

DASH = "\u2013"


def shown_number(text: str) -> int | None:
    """The count behind a published text, or None when it is hidden."""
    return int(text) if text.isdigit() else None


# Below this, two sums of the same figures in another order differ (the database adds
# floats up in the order its plan gives): noise, not data.
SUMMATION_NOISE_PLACES = 9


def decimal(value: float | None, places: int = 1) -> str:
    """A figure to `places` decimals, half away from zero, as statistics are published: a
    mean of 3.05 is "3,1" whether its sum came out as 3.0500000000000003 or
    3.0499999999999998, so the same data publish the same figure whatever the order of
    the addition (Python's round() on the float gave "3,0" for one and "3,1" for the other)."""
    if value is None:
        return DASH
    cleaned = Decimal(repr(round(value, SUMMATION_NOISE_PLACES)))
    rounded = cleaned.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return str(number_format(rounded, places))


def hours_text(minutes: int) -> str:
    """Minutes as hours with two decimals, exactly as the timesheets show them."""
    return str(number_format(months.hours(minutes), 2))


def percent(value: float | None) -> str:
    return DASH if value is None else f"{decimal(value, 0)} %"


class Publisher:
    """Counts as text: suppressed for evaluators and funders, plain for coordinators."""

    def __init__(self, *, suppress: bool) -> None:
        self.suppress = suppress

    def table(
        self, counts: Sequence[Sequence[int]], rows: Sequence[str], columns: Sequence[str]
    ) -> SuppressedTable:
        if self.suppress:
            return suppress_table(counts, row_labels=rows, column_labels=columns)
        row_totals = [sum(r) for r in counts]
        column_totals = [sum(r[j] for r in counts) for j in range(len(columns))]
        return SuppressedTable(
            row_labels=list(rows),
            column_labels=list(columns),
            cells=[[str(n) for n in r] for r in counts],
            row_totals=[str(n) for n in row_totals],
            column_totals=[str(n) for n in column_totals],
            total=str(sum(row_totals)),
            hidden=frozenset(),
        )

    def one(self, count: int) -> str:
        """A lone count with no total beside it."""
        return suppress(count) if self.suppress else str(count)

    def series(self, counts: Mapping[str, int], keys: Sequence[str]) -> dict[str, str]:
        """One count per support model and their total (key ALL), suppressed together."""
        values = [int(counts.get(k, 0)) for k in keys]
        if self.suppress:
            cells, total = suppress_list(values)
        else:
            cells, total = [str(v) for v in values], str(sum(values))
        return dict(zip(keys, cells, strict=True)) | {ALL: total}


def ratio(part: str, whole: str) -> str:
    """A share in percent, shown only when both counts are shown and the whole is 5 or
    more."""
    p, w = shown_number(part), shown_number(whole)
    if p is None or w is None or w < stats.MIN_N:
        return DASH
    return percent(stats.share(p, w))


def outcome_measures() -> list[tuple[str, str]]:
    return [
        ("answered", _("Questionnaires answered in the period")),
        ("baseline", _("Courses with a first score")),
        ("n", _("Courses with a later score (n)")),
        ("follow_up", _("Follow-up rate")),
        ("first", _("Mean first score")),
        ("latest", _("Mean latest score")),
        ("change", _("Mean change")),
        # xgettext:no-python-format
        ("ci", _("95 % confidence interval")),
    ]


def readmission_measures() -> list[tuple[str, str]]:
    return [
        ("admissions", _("Admissions beginning in the period")),
        ("within_30", _("Readmissions within 30 days")),
        ("within_90", _("Readmissions within 90 days")),
        ("bed_days", _("Bed days in the period")),
        ("at_risk_30", _("Courses discharged at least 30 days ago")),
        ("readmitted_30", _("of which readmitted within 30 days")),
        ("share_30", _("Share readmitted within 30 days")),
        ("at_risk_90", _("Courses discharged at least 90 days ago")),
        ("readmitted_90", _("of which readmitted within 90 days")),
        ("share_90", _("Share readmitted within 90 days")),
    ]


@dataclass
class ModelRow:
    key: str
    label: str
    cells: dict[str, str] = field(default_factory=dict)


@dataclass
class Published:
    models: list[tuple[str, str]]
    columns: list[tuple[str, str]]  # the models and "all"
    persons: SuppressedTable
    courses: dict[str, str]
    started: dict[str, str]
    ended: dict[str, str]
    referrals: SuppressedTable
    waiting: list[ModelRow]
    conversations: SuppressedTable
    minutes: list[list[str]]
    minutes_by_kind: list[str]
    minutes_by_model: dict[str, str]
    minutes_total: str
    no_show: dict[str, str]
    groups: dict[str, str] | None
    topics: list[dict[str, Any]]
    topics_per_course: dict[str, str]
    instrument: str
    outcome: list[ModelRow]
    changes: dict[str, stats.MeanChange]
    readmissions: list[ModelRow]
    hours: dict[str, str]
    # (kind label, hours) in the timesheet's order: direct, indirect, transport, ...
    hour_kinds: list[tuple[str, str]]
    peer_rows: list[dict[str, Any]]
    comparison: list[ModelRow]


def publish(figures: Figures, *, suppress: bool, with_peer_names: bool) -> Published:
    pub = Publisher(suppress=suppress)
    scope = figures.scope
    models = scope.model_choices()
    keys = [k for k, _label in models]
    columns = [*models, (ALL, _("All"))]
    labels = [label for _k, label in models]
    rec = figures.recipients

    persons = pub.table(
        [[rec[k].patients for k in keys], [rec[k].relatives for k in keys]],
        [_("Patients"), _("Relatives")],
        labels,
    )
    courses = pub.series({k: rec[k].courses for k in keys}, keys)
    started = pub.series({k: rec[k].started for k in keys}, keys)
    ended = pub.series({k: rec[k].ended for k in keys}, keys)

    ref = figures.referrals
    referrals = pub.table(
        ref.matrix(), [label for _k, label in ref.sources], [label for _k, label in ref.statuses]
    )

    waiting_n = pub.series({k: figures.waiting[k].n for k in keys if k in figures.waiting}, keys)
    waiting = []
    for key, label in columns:
        w = figures.waiting.get(key, stats.Waiting(0, None, None))
        enough = w.n >= stats.MIN_N
        waiting.append(
            ModelRow(
                key,
                label,
                {
                    "n": waiting_n[key],
                    "median": decimal(w.median, 0) if enough else DASH,
                    "p90": decimal(w.p90, 0) if enough else DASH,
                },
            )
        )

    conv = figures.conversations
    kind_labels = [str(label) for _k, label in KINDS]
    conversations = pub.table(
        [[conv.held.get((kind, m), 0) for m in keys] for kind, _l in KINDS], kind_labels, labels
    )

    def minutes_text(count_text: str, minutes: int) -> str:
        return str(minutes) if shown_number(count_text) is not None else DASH

    minutes = [
        [
            minutes_text(conversations.cells[i][j], conv.minutes.get((kind, m), 0))
            for j, m in enumerate(keys)
        ]
        for i, (kind, _l) in enumerate(KINDS)
    ]
    minutes_by_kind = [
        minutes_text(
            conversations.row_totals[i],
            sum(v for (k, _m), v in conv.minutes.items() if k == kind),
        )
        for i, (kind, _l) in enumerate(KINDS)
    ]
    minutes_by_model = {
        m: minutes_text(conversations.column_totals[j], conv.minutes_total(m))
        for j, m in enumerate(keys)
    } | {ALL: minutes_text(conversations.total, conv.minutes_total())}
    no_show = pub.series(conv.no_show, keys)

    groups = None
    if figures.groups is not None:
        g = figures.groups
        present = pub.series(
            {"present": g.present, "other": g.recorded - g.present}, ["present", "other"]
        )
        groups = {
            "sessions": pub.one(g.sessions),
            "groups": pub.one(g.groups),
            "participants": pub.one(g.participants),
            "present": present["present"],
            "recorded": present[ALL],
            "rate": ratio(present["present"], present[ALL]),
        }

    topics = []
    for row in figures.guide.topics:
        covered = pub.one(row.covered)
        needs = pub.one(row.needs_staff)
        number = shown_number(covered)
        coverage = row.coverage if number is not None and row.eligible >= stats.MIN_N else None
        topics.append(
            {
                "title": row.title,
                "relatives": row.audience == Audience.RELATIVE,
                "covered": covered,
                "needs_staff": needs,
                "coverage": coverage,
                "coverage_text": percent(coverage),
            }
        )
    topics_per_course = {}
    for key, _label in columns:
        n = rec[key].courses if key in rec else 0
        covered_total = (
            sum(figures.guide.covered_by_model.values())
            if key == ALL
            else figures.guide.covered_by_model.get(key, 0)
        )
        topics_per_course[key] = decimal(covered_total / n) if n >= stats.MIN_N else DASH

    outcome: list[ModelRow] = []
    changes: dict[str, stats.MeanChange] = {}
    instrument = ""
    if figures.outcomes is not None:
        instrument = figures.outcomes.instrument
        by = figures.outcomes.by_model
        baseline = pub.series({k: by[k].with_baseline for k in keys}, keys)
        paired = pub.series({k: by[k].change.n for k in keys}, keys)
        answered = pub.series({k: by[k].answered for k in keys}, keys)
        for key, label in columns:
            o = by[key]
            change = o.change
            show = change.shown
            changes[key] = change
            outcome.append(
                ModelRow(
                    key,
                    label,
                    {
                        "answered": answered[key],
                        "baseline": baseline[key],
                        "n": paired[key],
                        "follow_up": ratio(paired[key], baseline[key]),
                        "first": decimal(o.mean_first) if show else DASH,
                        "latest": decimal(o.mean_latest) if show else DASH,
                        "change": decimal(change.mean) if show else DASH,
                        "ci": (
                            f"{decimal(change.low)} {_('to')} {decimal(change.high)}"
                            if show and change.low is not None
                            else DASH
                        ),
                    },
                )
            )

    readmissions = _readmissions(pub, figures, keys, columns)
    hours, peer_rows = _hours(pub, figures.hours, with_peer_names=with_peer_names)
    hour_kinds = [(label, decimal(value)) for label, value in figures.hours.by_kind]

    published = Published(
        models=models,
        columns=columns,
        persons=persons,
        courses=courses,
        started=started,
        ended=ended,
        referrals=referrals,
        waiting=waiting,
        conversations=conversations,
        minutes=minutes,
        minutes_by_kind=minutes_by_kind,
        minutes_by_model=minutes_by_model,
        minutes_total=minutes_by_model[ALL],
        no_show=no_show,
        groups=groups,
        topics=topics,
        topics_per_course=topics_per_course,
        instrument=instrument,
        outcome=outcome,
        changes=changes,
        readmissions=readmissions,
        hours=hours,
        hour_kinds=hour_kinds,
        peer_rows=peer_rows,
        comparison=[],
    )
    published.comparison = _comparison(published, keys)
    return published


def _readmissions(
    pub: Publisher, figures: Figures, keys: list[str], columns: list[tuple[str, str]]
) -> list[ModelRow]:
    readm = figures.readmissions
    rec = figures.recipients
    empty = stats.Readmissions()

    def series(name: str, source: str = "readm") -> dict[str, str]:
        if source == "rec":
            return pub.series({k: getattr(rec[k], name) for k in keys}, keys)
        return pub.series({k: getattr(readm.get(k, empty), name) for k in keys}, keys)

    published = {
        "admissions": series("admissions"),
        "within_30": series("within_30"),
        "within_90": series("within_90"),
        "bed_days": series("bed_days"),
        "at_risk_30": series("at_risk_30", "rec"),
        "readmitted_30": series("readmitted_30"),
        "at_risk_90": series("at_risk_90", "rec"),
        "readmitted_90": series("readmitted_90"),
    }
    rows = []
    for key, label in columns:
        cells = {name: values[key] for name, values in published.items()}
        cells["share_30"] = ratio(cells["readmitted_30"], cells["at_risk_30"])
        cells["share_90"] = ratio(cells["readmitted_90"], cells["at_risk_90"])
        rows.append(ModelRow(key, label, cells))
    return rows


def _hours(
    pub: Publisher, data: hours_module.Hours, *, with_peer_names: bool
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    bands = [hours_module.UNDER, hours_module.WITHIN, hours_module.OVER]
    counts = pub.series({b: data.count(b) for b in bands}, bands)
    summary = {
        "peers": counts[ALL],
        "under": counts[hours_module.UNDER],
        "within": counts[hours_module.WITHIN],
        "over": counts[hours_module.OVER],
        "total": decimal(data.total),
        "contract_min": decimal(data.contract_min),
        "contract_max": decimal(data.contract_max),
    }
    rows = []
    if with_peer_names:
        for peer in data.peers:
            rows.append(
                {
                    "name": peer.name,
                    "hours": decimal(peer.hours),
                    "per_week": decimal(peer.per_week),
                    "per_week_value": peer.per_week or 0.0,
                    "band_text": f"{decimal(peer.hours_min)}{DASH}{decimal(peer.hours_max)}",
                    "kinds": [hours_text(peer.minutes[k]) for k in HOUR_KINDS],
                    "total_text": hours_text(sum(peer.minutes.values())),
                    "contract_text": (
                        f"{hours_text(peer.contract_min_minutes)}{DASH}"
                        f"{hours_text(peer.contract_max_minutes)}"
                    ),
                    "band": peer.band,
                    "hours_min": peer.hours_min,
                    "hours_max": peer.hours_max,
                }
            )
    return summary, rows


def _comparison(p: Published, keys: list[str]) -> list[ModelRow]:
    """The support models side by side: the same published numbers as the blocks."""
    all_keys = [*keys, ALL]
    person_cells = dict(zip(keys, p.persons.column_totals, strict=True)) | {ALL: p.persons.total}
    waiting = {row.key: row.cells for row in p.waiting}
    outcome = {row.key: row.cells for row in p.outcome}
    readm = {row.key: row.cells for row in p.readmissions}
    conversations = dict(zip(keys, p.conversations.column_totals, strict=True)) | {
        ALL: p.conversations.total
    }
    rows = [
        ModelRow("persons", _("Persons supported"), person_cells),
        ModelRow("courses", _("Courses"), {k: p.courses[k] for k in all_keys}),
        ModelRow("conversations", _("Conversations held"), conversations),
        ModelRow("minutes", _("Minutes of conversation"), p.minutes_by_model),
        ModelRow("waiting", _("Median wait in days"), {k: waiting[k]["median"] for k in all_keys}),
        ModelRow("topics", _("Guide topics covered per course"), p.topics_per_course),
    ]
    if p.outcome:
        rows += [
            ModelRow("n", _("Paired questionnaires (n)"), {k: outcome[k]["n"] for k in all_keys}),
            ModelRow("change", _("Mean change"), {k: outcome[k]["change"] for k in all_keys}),
            # xgettext:no-python-format
            ModelRow("ci", _("95 % confidence interval"), {k: outcome[k]["ci"] for k in all_keys}),
        ]
    rows += [
        ModelRow(
            "readmitted_30",
            _("Readmitted within 30 days"),
            {k: readm[k]["share_30"] for k in all_keys},
        ),
        ModelRow(
            "readmitted_90",
            _("Readmitted within 90 days"),
            {k: readm[k]["share_90"] for k in all_keys},
        ),
        ModelRow("bed_days", _("Bed days"), {k: readm[k]["bed_days"] for k in all_keys}),
    ]
    return rows
