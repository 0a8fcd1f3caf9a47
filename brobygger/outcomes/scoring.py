"""Scoring of questionnaire answers: plain dataclasses in, plain results out.

Pure Python (no Django), so the rules can be tested by hand and by Hypothesis and
reused anywhere. Problems found in a rule are returned as :class:`Problem` (a code,
where, and the numbers); the Django layer words them for people. See
docs/instruments.md for the file format that produces these specs.

Rules, in short:

* A reverse-scored item counts as ``min + max - value``.
* ``sum``: the sum of the (reversed) values. ``mean``: their mean, rounded to 2 decimals.
* Up to ``max_missing`` items may be unanswered; the score is then prorated to all
  items (a sum becomes ``sum * n_items / n_answered``, rounded to 1 decimal; a mean
  is the mean of the answered items). More missing items: no score.
* ``lookup`` converts the raw sum (prorated sums rounded half up to a whole number
  first) to the reported score; it must cover every possible raw sum.
* Subscales are scored with the same method over their items, allowing
  ``subscale_max_missing`` unanswered items each; the lookup applies to the total only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

METHODS = ("sum", "mean")

TOO_MANY_MISSING = "too_many_missing"


@dataclass(frozen=True)
class ScaleSpec:
    """The whole-number response scale, both ends included (QPR-15: 0 to 4)."""

    min: int
    max: int

    @property
    def points(self) -> int:
        return self.max - self.min + 1


@dataclass(frozen=True)
class ItemSpec:
    key: str
    reverse: bool = False
    subscale: str | None = None


@dataclass(frozen=True)
class RuleSpec:
    method: str = "sum"
    max_missing: int = 0
    prorate: bool = False
    lookup: Mapping[int, float] | None = None
    subscales: Mapping[str, Sequence[str]] = field(default_factory=dict)
    subscale_max_missing: int = 0


@dataclass(frozen=True)
class ScoreResult:
    total: float | None
    subscales: dict[str, float | None]
    answered: int
    missing: int
    prorated: bool
    reason: str | None


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a rule. `where` is a path such as ``scoring.lookup``."""

    where: str
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return MESSAGES[self.code].format(**self.params)


# English wording for callers without a translation layer (the loader translates by code).
MESSAGES: dict[str, str] = {
    "no_items": "the instrument has no items",
    "duplicate_item": "item key {key!r} is used more than once",
    "scale_order": "min ({min}) must be below max ({max})",
    "unknown_method": "method {method!r} is not one of sum, mean",
    "negative": "{name} must be 0 or more, not {value}",
    "max_missing_too_high": (
        "max_missing ({value}) must leave at least one answered item ({items} items)"
    ),
    "prorate_needed": "max_missing above 0 needs prorate: true",
    "lookup_needs_sum": "a lookup table converts a raw sum, so the method must be sum",
    "lookup_missing": "the lookup table has no entry for the raw sum(s) {sums}",
    "lookup_outside": "the lookup table has entries outside {low}..{high}: {sums}",
    "lookup_value": "the lookup value for {sum} must be a finite number",
    "subscale_empty": "subscale {name!r} has no items",
    "subscale_unknown_item": "subscale {name!r} names item {key!r}, which does not exist",
    "subscale_duplicate_item": "subscale {name!r} names item {key!r} more than once",
    "subscale_max_missing_too_high": (
        "subscale_max_missing ({value}) must leave at least one answered item in "
        "subscale {name!r} ({items} items)"
    ),
}


def _ranges(numbers: Sequence[int]) -> str:
    """``[1, 2, 3, 7]`` -> ``"1-3, 7"``: short enough to print for a 60-entry table."""
    parts: list[str] = []
    ordered = sorted(numbers)
    start = prev = ordered[0]
    for n in [*ordered[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(parts)


def subscale_items(items: Sequence[ItemSpec], rule: RuleSpec) -> dict[str, list[str]]:
    """Each subscale's item keys: those the rule names plus items tagged with it."""
    result: dict[str, list[str]] = {name: list(keys) for name, keys in rule.subscales.items()}
    for item in items:
        if item.subscale:
            keys = result.setdefault(item.subscale, [])
            if item.key not in keys:
                keys.append(item.key)
    return result


def rule_problems(items: Sequence[ItemSpec], scale: ScaleSpec, rule: RuleSpec) -> list[Problem]:
    """Everything wrong with scoring `items` on `scale` by `rule`; empty when it is sound."""
    problems: list[Problem] = []
    n = len(items)
    if n == 0:
        problems.append(Problem("items", "no_items"))
    seen: set[str] = set()
    for item in items:
        if item.key in seen:
            problems.append(Problem("items", "duplicate_item", {"key": item.key}))
        seen.add(item.key)
    scale_ok = scale.min < scale.max
    if not scale_ok:
        problems.append(Problem("scale", "scale_order", {"min": scale.min, "max": scale.max}))
    if rule.method not in METHODS:
        problems.append(Problem("scoring.method", "unknown_method", {"method": rule.method}))
    if rule.max_missing < 0:
        problems.append(
            Problem(
                "scoring.max_missing",
                "negative",
                {"name": "max_missing", "value": rule.max_missing},
            )
        )
    elif n and rule.max_missing >= n:
        problems.append(
            Problem(
                "scoring.max_missing",
                "max_missing_too_high",
                {"value": rule.max_missing, "items": n},
            )
        )
    if rule.max_missing > 0 and not rule.prorate:
        problems.append(Problem("scoring.prorate", "prorate_needed"))
    if rule.subscale_max_missing < 0:
        problems.append(
            Problem(
                "scoring.subscale_max_missing",
                "negative",
                {"name": "subscale_max_missing", "value": rule.subscale_max_missing},
            )
        )
    if rule.lookup is not None:
        if rule.method != "sum":
            problems.append(Problem("scoring.lookup", "lookup_needs_sum"))
        elif n and scale_ok:
            low, high = n * scale.min, n * scale.max
            raw_sums = set(rule.lookup)
            missing = sorted(set(range(low, high + 1)) - raw_sums)
            outside = sorted(k for k in raw_sums if not low <= k <= high)
            if missing:
                problems.append(
                    Problem("scoring.lookup", "lookup_missing", {"sums": _ranges(missing)})
                )
            if outside:
                problems.append(
                    Problem(
                        "scoring.lookup",
                        "lookup_outside",
                        {"low": low, "high": high, "sums": _ranges(outside)},
                    )
                )
        for raw, value in rule.lookup.items():
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
            ):
                problems.append(Problem(f"scoring.lookup.{raw}", "lookup_value", {"sum": raw}))
    for name, keys in rule.subscales.items():
        where = f"scoring.subscales.{name}"
        if not keys:
            problems.append(Problem(where, "subscale_empty", {"name": name}))
        listed: set[str] = set()
        for key in keys:
            if key not in seen:
                problems.append(Problem(where, "subscale_unknown_item", {"name": name, "key": key}))
            if key in listed:
                problems.append(
                    Problem(where, "subscale_duplicate_item", {"name": name, "key": key})
                )
            listed.add(key)
    if rule.subscale_max_missing > 0:
        for name, keys in subscale_items(items, rule).items():
            if keys and rule.subscale_max_missing >= len(keys):
                problems.append(
                    Problem(
                        "scoring.subscale_max_missing",
                        "subscale_max_missing_too_high",
                        {"value": rule.subscale_max_missing, "name": name, "items": len(keys)},
                    )
                )
    return problems


def validate_rule(items: Sequence[ItemSpec], scale: ScaleSpec, rule: RuleSpec) -> None:
    """Raise ValueError naming every problem with the rule."""
    problems = rule_problems(items, scale, rule)
    if problems:
        raise ValueError("; ".join(f"{p.where}: {p.message}" for p in problems))


def _round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


def _combine(
    values: list[int], n_items: int, max_missing: int, method: str
) -> tuple[float | None, bool]:
    """The raw score of one set of items and whether it was prorated (None: too many missing)."""
    answered = len(values)
    if n_items - answered > max_missing or answered == 0:
        return None, False
    prorated = answered < n_items
    if method == "mean":
        return round(math.fsum(values) / answered, 2), prorated
    total = math.fsum(values)
    if prorated:
        return round(total * n_items / answered, 1), True
    return total, False


def score(
    answers: Mapping[str, int | None],
    items: Sequence[ItemSpec],
    scale: ScaleSpec,
    rule: RuleSpec,
) -> ScoreResult:
    """Score one response. Unanswered items are absent or None.

    Raises ValueError for an unsound rule, an unknown item key or a value off the scale.
    """
    validate_rule(items, scale, rule)
    known = {item.key for item in items}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise ValueError(f"Unknown item(s): {', '.join(unknown)}")
    values: dict[str, int] = {}
    for item in items:
        value = answers.get(item.key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"Item {item.key}: {value!r} is not a whole number")
        if not scale.min <= value <= scale.max:
            raise ValueError(f"Item {item.key}: {value} is outside {scale.min}..{scale.max}")
        values[item.key] = scale.min + scale.max - value if item.reverse else value
    n_items = len(items)
    answered = len(values)
    missing = n_items - answered

    total, prorated = _combine(list(values.values()), n_items, rule.max_missing, rule.method)
    if total is not None and rule.lookup is not None:
        total = float(rule.lookup[_round_half_up(total)])

    subscales: dict[str, float | None] = {}
    for name, keys in subscale_items(items, rule).items():
        sub_values = [values[key] for key in keys if key in values]
        subscales[name], _sub_prorated = _combine(
            sub_values, len(keys), rule.subscale_max_missing, rule.method
        )

    return ScoreResult(
        total=None if total is None else float(total),
        subscales=subscales,
        answered=answered,
        missing=missing,
        prorated=prorated,
        reason=TOO_MANY_MISSING if total is None else None,
    )


def specs_from_json(
    items: Sequence[Mapping[str, Any]], scale: Mapping[str, Any], rule: Mapping[str, Any]
) -> tuple[list[ItemSpec], ScaleSpec, RuleSpec]:
    """Specs from the stored (already validated) JSON of an instrument version."""
    lookup = rule.get("lookup")
    return (
        [
            ItemSpec(
                key=str(item["key"]),
                reverse=bool(item.get("reverse", False)),
                subscale=item.get("subscale") or None,
            )
            for item in items
        ],
        ScaleSpec(min=int(scale["min"]), max=int(scale["max"])),
        RuleSpec(
            method=str(rule.get("method", "sum")),
            max_missing=int(rule.get("max_missing", 0)),
            prorate=bool(rule.get("prorate", False)),
            lookup=None if lookup is None else {int(k): v for k, v in lookup.items()},
            subscales={str(k): list(v) for k, v in (rule.get("subscales") or {}).items()},
            subscale_max_missing=int(rule.get("subscale_max_missing", 0)),
        ),
    )
