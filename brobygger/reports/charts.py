"""Geometry of the report charts: plain numbers for templates to draw as SVG.

Every chart is drawn next to a table of the same numbers; a hidden (suppressed) value
draws no bar, only its text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

ROW = 30
BAR = 18
TOP = 8
VALUE_ROOM = 70


def short(label: str, width: int) -> str:
    """A label cut to fit `width` pixels at the charts' 12 px font (the table has it whole)."""
    room = max(int(width / 7), 4)
    return label if len(label) <= room else label[: room - 1].rstrip() + "…"


@dataclass
class Bar:
    label: str
    text: str
    y: float
    text_y: float
    x: float
    width: float
    value_x: float
    # The contract band (from, to) behind a bar, when given.
    band_x: float | None = None
    band_width: float = 0.0


@dataclass
class BarChart:
    key: str
    title: str
    width: int
    height: int
    label_width: int
    bars: list[Bar] = field(default_factory=list)
    axis_y: float = 0.0


def bar_chart(
    key: str,
    title: str,
    rows: Sequence[tuple[str, float | None, str]],
    *,
    width: int = 640,
    label_width: int = 220,
    max_value: float | None = None,
    bands: Sequence[tuple[float, float]] | None = None,
) -> BarChart:
    """Horizontal bars: (label, value or None when hidden, the value as shown), each
    optionally over a light band (from, to) such as a contract's hours."""
    values = [v for _label, v, _text in rows if v is not None]
    values += [high for _low, high in bands or []]
    top = max_value if max_value is not None else max(values, default=0.0)
    top = top or 1.0
    plot = width - label_width - VALUE_ROOM
    chart = BarChart(
        key=key,
        title=title,
        width=width,
        height=TOP * 2 + ROW * max(len(rows), 1),
        label_width=label_width,
    )
    for i, (label, value, text) in enumerate(rows):
        y = TOP + i * ROW
        length = round(plot * max(value, 0.0) / top, 1) if value is not None else 0.0
        band_x, band_width = None, 0.0
        if bands is not None:
            low, high = bands[i]
            band_x = label_width + round(plot * low / top, 1)
            band_width = round(plot * (high - low) / top, 1)
        chart.bars.append(
            Bar(
                band_x=band_x,
                band_width=band_width,
                label=short(label, label_width - 10),
                text=text,
                y=y + (ROW - BAR) / 2,
                text_y=y + ROW / 2 + 4,
                x=label_width,
                width=length,
                value_x=label_width + length + 6,
            )
        )
    chart.axis_y = chart.height - TOP
    return chart


@dataclass
class Interval:
    label: str
    text: str
    y: float
    text_y: float
    x: float | None
    low_x: float | None
    high_x: float | None


@dataclass
class IntervalChart:
    key: str
    title: str
    width: int
    height: int
    label_width: int
    zero_x: float
    plot_right: float
    rows: list[Interval] = field(default_factory=list)
    ticks: list[tuple[float, float]] = field(default_factory=list)
    tick_y: float = 0.0


def interval_chart(
    key: str,
    title: str,
    rows: Sequence[tuple[str, float | None, float | None, float | None, str]],
    *,
    width: int = 640,
    label_width: int = 220,
) -> IntervalChart:
    """Mean changes with their confidence intervals around a zero line:
    (label, mean, low, high, the text shown); rows without a mean draw only the text."""
    plot_left = label_width + 10
    plot_right = width - 150
    extent = max(
        [abs(v) for _l, m, lo, hi, _t in rows for v in (m, lo, hi) if v is not None] or [1.0]
    )
    extent = extent or 1.0
    half = (plot_right - plot_left) / 2
    zero = plot_left + half

    def x_of(value: float) -> float:
        return round(zero + half * value / extent, 1)

    chart = IntervalChart(
        key=key,
        title=title,
        width=width,
        height=TOP * 2 + ROW * (max(len(rows), 1) + 1),
        label_width=label_width,
        zero_x=zero,
        plot_right=plot_right,
    )
    for i, (label, mean, low, high, text) in enumerate(rows):
        y = TOP + i * ROW
        chart.rows.append(
            Interval(
                label=short(label, label_width - 10),
                text=text,
                y=y + ROW / 2,
                text_y=y + ROW / 2 + 4,
                x=x_of(mean) if mean is not None else None,
                low_x=x_of(low) if low is not None else None,
                high_x=x_of(high) if high is not None else None,
            )
        )
    tick_y = TOP + len(rows) * ROW + ROW / 2 + 4
    for value in (-extent, 0.0, extent):
        chart.ticks.append((x_of(value), value))
    chart.tick_y = tick_y
    chart.height = int(tick_y + TOP)
    return chart
