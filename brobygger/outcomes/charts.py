"""Geometry of the trend chart: plain numbers for a template to draw as SVG."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

WIDTH = 640
HEIGHT = 280
LEFT = 48
RIGHT = 16
TOP = 16
BOTTOM = 40


def score_range(version: Any) -> tuple[float, float]:
    """The lowest and highest total a version can give (the y axis runs over all of it)."""
    low, high = int(version.scale["min"]), int(version.scale["max"])
    rule = version.rule or {}
    lookup = rule.get("lookup")
    if lookup:
        values = [float(v) for v in lookup.values()]
        return min(values), max(values)
    if rule.get("method") == "mean":
        return float(low), float(high)
    n = len(version.items)
    return float(low * n), float(high * n)


@dataclass
class Point:
    x: float
    y: float
    total: float
    day: Any
    label_y: float


@dataclass
class Tick:
    y: float
    value: float


@dataclass
class Chart:
    name: str
    key: str
    width: int = WIDTH
    height: int = HEIGHT
    low: float = 0.0
    high: float = 1.0
    points: list[Point] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    line: str = ""
    left: int = LEFT
    right_x: int = WIDTH - RIGHT
    base_y: int = HEIGHT - BOTTOM
    date_y: int = HEIGHT - BOTTOM + 20


def _chart(name: str, key: str, scores: Sequence[Any]) -> Chart:
    low, high = score_range(scores[-1].version)
    span = (high - low) or 1.0
    inner_w = WIDTH - LEFT - RIGHT
    inner_h = HEIGHT - TOP - BOTTOM
    chart = Chart(name=name, key=key, low=low, high=high)
    for i in range(5):
        value = low + span * i / 4
        chart.ticks.append(Tick(y=round(TOP + inner_h - inner_h * i / 4, 1), value=value))
    n = len(scores)
    for i, score in enumerate(scores):
        x = LEFT + (inner_w * (i + 0.5) / n)
        y = TOP + inner_h - inner_h * (float(score.total) - low) / span
        chart.points.append(
            Point(
                x=round(x, 1),
                y=round(y, 1),
                total=score.total,
                day=score.administered_on,
                label_y=round(max(y - 10, TOP + 10), 1),
            )
        )
    chart.line = " ".join(f"{p.x},{p.y}" for p in chart.points)
    return chart


def trend_charts(scores: Sequence[Any]) -> list[Chart]:
    """One chart per instrument, over the scores with a total, oldest first."""
    by_key: dict[str, list[Any]] = {}
    for score in scores:
        if score.total is not None:
            by_key.setdefault(score.version.instrument.key, []).append(score)
    return [_chart(rows[-1].version.instrument.name(), key, rows) for key, rows in by_key.items()]
