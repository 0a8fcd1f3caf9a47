"""Tests of the pure scoring module (no Django needed): hand-computed cases and properties."""

from __future__ import annotations

import ast
import math
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brobygger.outcomes.scoring import (
    TOO_MANY_MISSING,
    ItemSpec,
    RuleSpec,
    ScaleSpec,
    rule_problems,
    score,
    specs_from_json,
    validate_rule,
)

# Nothing here depends on the date: `make test-clock` leaves it out (pyproject.toml).
pytestmark = pytest.mark.timeless

QPR_SCALE = ScaleSpec(0, 4)
QPR_ITEMS = [ItemSpec(f"q{i}") for i in range(1, 16)]
QPR_RULE = RuleSpec(method="sum", max_missing=2, prorate=True)

FAST = settings(max_examples=200, deadline=None)


def test_scoring_module_imports_no_django():
    tree = ast.parse(Path(__file__).parents[1].joinpath("scoring.py").read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert "django" not in imported
    assert "brobygger" not in imported


# Hand-computed examples.


def test_qpr_complete_response_is_the_plain_sum():
    answers = {f"q{i}": v for i, v in enumerate([4, 3, 2, 1, 0, 4, 3, 2, 1, 0, 4, 4, 4, 4, 4], 1)}
    result = score(answers, QPR_ITEMS, QPR_SCALE, QPR_RULE)
    assert result.total == 40.0
    assert (result.answered, result.missing, result.prorated, result.reason) == (15, 0, False, None)


def test_qpr_extremes_are_0_and_60():
    assert score({f"q{i}": 0 for i in range(1, 16)}, QPR_ITEMS, QPR_SCALE, QPR_RULE).total == 0
    assert score({f"q{i}": 4 for i in range(1, 16)}, QPR_ITEMS, QPR_SCALE, QPR_RULE).total == 60


def test_qpr_two_missing_items_are_prorated_to_one_decimal():
    # 13 answered items summing to 29: 29 * 15 / 13 = 33.4615... -> 33.5
    values = [3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]
    answers: dict[str, int | None] = {f"q{i}": v for i, v in enumerate(values, 1)}
    answers["q14"] = None  # None and an absent key both count as missing
    result = score(answers, QPR_ITEMS, QPR_SCALE, QPR_RULE)
    assert result.total == 33.5
    assert (result.answered, result.missing, result.prorated) == (13, 2, True)


def test_qpr_three_missing_items_give_no_score():
    answers = {f"q{i}": 2 for i in range(1, 13)}
    result = score(answers, QPR_ITEMS, QPR_SCALE, QPR_RULE)
    assert result.total is None
    assert result.reason == TOO_MANY_MISSING
    assert (result.answered, result.missing) == (12, 3)


def test_reverse_item_counts_from_the_other_end():
    items = [ItemSpec("a"), ItemSpec("b", reverse=True), ItemSpec("c")]
    scale = ScaleSpec(1, 5)
    # a=5, b=2 reversed to 1+5-2=4, c=3 -> 12
    assert score({"a": 5, "b": 2, "c": 3}, items, scale, RuleSpec()).total == 12
    # mean: 12 / 3 = 4.0
    assert score({"a": 5, "b": 2, "c": 3}, items, scale, RuleSpec(method="mean")).total == 4.0


def test_mean_with_a_missing_item_is_the_mean_of_the_answered_ones():
    items = [ItemSpec(k) for k in "abcdef"]
    rule = RuleSpec(method="mean", max_missing=1, prorate=True)
    result = score({"a": 5, "b": 4, "c": 4, "d": 3, "e": 5}, items, ScaleSpec(1, 5), rule)
    assert result.total == 4.2
    assert result.prorated


def test_mean_is_rounded_to_two_decimals():
    items = [ItemSpec(k) for k in "abc"]
    assert score({"a": 1, "b": 1, "c": 2}, items, ScaleSpec(1, 5), RuleSpec("mean")).total == 1.33


def test_lookup_converts_the_raw_sum():
    items = [ItemSpec(k) for k in "abc"]
    scale = ScaleSpec(1, 3)
    lookup = {raw: raw * 10.5 for raw in range(3, 10)}
    rule = RuleSpec(lookup=lookup)
    assert score({"a": 1, "b": 2, "c": 3}, items, scale, rule).total == 63.0


def test_lookup_after_prorating_uses_the_raw_sum_rounded_half_up():
    items = [ItemSpec(k) for k in "abcd"]
    lookup = {raw: float(raw * 100) for raw in range(4, 21)}
    rule = RuleSpec(max_missing=1, prorate=True, lookup=lookup)
    # 3 + 3 + 4 = 10 over 3 items -> 13.3 -> 13 -> 1300
    assert score({"a": 3, "b": 3, "c": 4}, items, ScaleSpec(1, 5), rule).total == 1300.0
    # 2 + 2 + 3 = 7 over 3 items -> 9.3 -> 9
    assert score({"a": 2, "b": 2, "c": 3}, items, ScaleSpec(1, 5), rule).total == 900.0
    # half up: 1 + 2 over 2 items of 3 would be 4.5 -> 5 (checked on a 3-item scale)
    items3 = [ItemSpec(k) for k in "abc"]
    rule3 = RuleSpec(max_missing=1, prorate=True, lookup={r: float(r) for r in range(3, 16)})
    assert score({"a": 1, "b": 2}, items3, ScaleSpec(1, 5), rule3).total == 5.0


def test_subscales_are_scored_from_rule_and_item_tags():
    items = [
        ItemSpec("a", subscale="hope"),
        ItemSpec("b", subscale="hope", reverse=True),
        ItemSpec("c"),
        ItemSpec("d"),
    ]
    rule = RuleSpec(subscales={"ties": ["c", "d"]})
    result = score({"a": 4, "b": 1, "c": 2, "d": 3}, items, ScaleSpec(1, 4), rule)
    # b reversed: 1+4-1 = 4
    assert result.subscales == {"ties": 5.0, "hope": 8.0}
    assert result.total == 13.0


def test_subscale_without_allowed_missing_has_no_score_when_an_item_is_missing():
    items = [ItemSpec("a", subscale="x"), ItemSpec("b", subscale="x"), ItemSpec("c")]
    rule = RuleSpec(max_missing=1, prorate=True)
    result = score({"a": 2, "c": 3}, items, ScaleSpec(1, 4), rule)
    assert result.subscales == {"x": None}
    assert result.total == 7.5  # (2 + 3) * 3 / 2


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"q1": 5}, "outside 0..4"),
        ({"q1": -1}, "outside 0..4"),
        ({"q1": True}, "not a whole number"),
        ({"q1": 2.5}, "not a whole number"),
        ({"q99": 1}, "Unknown item"),
    ],
)
def test_bad_answers_raise_value_error(answers, message):
    with pytest.raises(ValueError, match=message):
        score(answers, QPR_ITEMS, QPR_SCALE, QPR_RULE)


# Rule validation.


def codes(items, scale, rule):
    return sorted(p.code for p in rule_problems(items, scale, rule))


def test_sound_rules_have_no_problems():
    assert codes(QPR_ITEMS, QPR_SCALE, QPR_RULE) == []
    validate_rule(QPR_ITEMS, QPR_SCALE, QPR_RULE)


def test_lookup_must_cover_every_possible_raw_sum():
    items = [ItemSpec(k) for k in "abc"]
    lookup = {raw: 1.0 for raw in range(3, 9)}  # 9 is missing
    with pytest.raises(ValueError, match="no entry for the raw sum"):
        validate_rule(items, ScaleSpec(1, 3), RuleSpec(lookup=lookup))
    problem = rule_problems(items, ScaleSpec(1, 3), RuleSpec(lookup=lookup))[0]
    assert problem.params["sums"] == "9"
    outside = {raw: 1.0 for raw in range(0, 12)}
    assert codes(items, ScaleSpec(1, 3), RuleSpec(lookup=outside)) == ["lookup_outside"]


def test_lookup_range_is_printed_compactly():
    items = [ItemSpec(k) for k in "abc"]
    problems = rule_problems(items, ScaleSpec(1, 5), RuleSpec(lookup={5: 1.0, 6: 1.0, 9: 1.0}))
    assert problems[0].params["sums"] == "3-4, 7-8, 10-15"


@pytest.mark.parametrize(
    ("items", "scale", "rule", "expected"),
    [
        ([], ScaleSpec(0, 4), RuleSpec(), ["no_items"]),
        ([ItemSpec("a"), ItemSpec("a")], ScaleSpec(0, 4), RuleSpec(), ["duplicate_item"]),
        ([ItemSpec("a")], ScaleSpec(4, 4), RuleSpec(), ["scale_order"]),
        ([ItemSpec("a")], ScaleSpec(0, 4), RuleSpec(method="median"), ["unknown_method"]),
        ([ItemSpec("a")], ScaleSpec(0, 4), RuleSpec(max_missing=-1), ["negative"]),
        (
            [ItemSpec("a"), ItemSpec("b")],
            ScaleSpec(0, 4),
            RuleSpec(max_missing=2, prorate=True),
            ["max_missing_too_high"],
        ),
        (
            [ItemSpec("a"), ItemSpec("b")],
            ScaleSpec(0, 4),
            RuleSpec(max_missing=1),
            ["prorate_needed"],
        ),
        (
            [ItemSpec("a")],
            ScaleSpec(0, 1),
            RuleSpec(method="mean", lookup={0: 0, 1: 1}),
            ["lookup_needs_sum"],
        ),
        ([ItemSpec("a")], ScaleSpec(0, 1), RuleSpec(lookup={0: 0, 1: math.nan}), ["lookup_value"]),
        ([ItemSpec("a")], ScaleSpec(0, 4), RuleSpec(subscales={"x": []}), ["subscale_empty"]),
        (
            [ItemSpec("a")],
            ScaleSpec(0, 4),
            RuleSpec(subscales={"x": ["a", "z"]}),
            ["subscale_unknown_item"],
        ),
        (
            [ItemSpec("a"), ItemSpec("b")],
            ScaleSpec(0, 4),
            RuleSpec(subscales={"x": ["a", "a"]}),
            ["subscale_duplicate_item"],
        ),
        (
            [ItemSpec("a", subscale="x"), ItemSpec("b")],
            ScaleSpec(0, 4),
            RuleSpec(subscale_max_missing=1),
            ["subscale_max_missing_too_high"],
        ),
    ],
)
def test_unsound_rules_are_named(items, scale, rule, expected):
    assert codes(items, scale, rule) == expected
    with pytest.raises(ValueError):
        validate_rule(items, scale, rule)


def test_every_problem_has_english_words():
    problems = rule_problems(
        [ItemSpec("a"), ItemSpec("a")], ScaleSpec(3, 1), RuleSpec(method="x", max_missing=-1)
    )
    assert problems
    assert all(p.message for p in problems)


def test_specs_from_stored_json():
    items, scale, rule = specs_from_json(
        [{"key": "a", "reverse": True, "subscale": None}, {"key": "b", "subscale": "s"}],
        {"min": 0, "max": 4, "labels_da": []},
        {"method": "sum", "lookup": {"0": 1, "8": 2}, "subscales": {}},
    )
    assert items == [ItemSpec("a", True, None), ItemSpec("b", False, "s")]
    assert scale == ScaleSpec(0, 4)
    assert rule.lookup == {0: 1, 8: 2}
    assert (rule.max_missing, rule.prorate, rule.subscale_max_missing) == (0, False, 0)


# Properties.


@st.composite
def instruments(draw, *, max_missing: int | None = None):
    low = draw(st.integers(-3, 3))
    high = low + draw(st.integers(1, 10))
    n = draw(st.integers(1, 20))
    items = [ItemSpec(f"i{k}", reverse=draw(st.booleans())) for k in range(n)]
    allowed = draw(st.integers(0, n - 1)) if max_missing is None else min(max_missing, n - 1)
    method = draw(st.sampled_from(["sum", "mean"]))
    rule = RuleSpec(method=method, max_missing=allowed, prorate=allowed > 0)
    return items, ScaleSpec(low, high), rule


@st.composite
def complete_responses(draw):
    items, scale, rule = draw(instruments())
    answers = {item.key: draw(st.integers(scale.min, scale.max)) for item in items}
    return items, scale, rule, answers


@st.composite
def partial_responses(draw):
    items, scale, rule = draw(instruments())
    answers: dict[str, int | None] = {
        item.key: draw(st.none() | st.integers(scale.min, scale.max)) for item in items
    }
    return items, scale, rule, answers


def reversed_values(items, scale, answers):
    return [
        scale.min + scale.max - answers[i.key] if i.reverse else answers[i.key]
        for i in items
        if answers.get(i.key) is not None
    ]


@FAST
@given(complete_responses())
def test_complete_sum_is_the_sum_of_reversed_values(case):
    items, scale, rule, answers = case
    sum_rule = RuleSpec(method="sum", max_missing=rule.max_missing, prorate=rule.prorate)
    result = score(answers, items, scale, sum_rule)
    assert result.total == sum(reversed_values(items, scale, answers))
    assert (result.answered, result.missing, result.prorated) == (len(items), 0, False)


@FAST
@given(partial_responses())
def test_a_score_stays_within_the_scale(case):
    items, scale, rule, answers = case
    result = score(answers, items, scale, rule)
    if result.total is None:
        return
    n = len(items)
    if rule.method == "sum":
        assert scale.min * n <= result.total <= scale.max * n
    else:
        assert scale.min <= result.total <= scale.max


@FAST
@given(partial_responses())
def test_too_many_missing_gives_no_score_and_otherwise_a_score(case):
    items, scale, rule, answers = case
    result = score(answers, items, scale, rule)
    assert result.answered + result.missing == len(items)
    assert result.missing == sum(1 for v in answers.values() if v is None)
    if result.missing > rule.max_missing:
        assert result.total is None
        assert result.reason == TOO_MANY_MISSING
    else:
        assert result.total is not None
        assert result.reason is None
        assert result.prorated == (result.missing > 0)


@FAST
@given(partial_responses())
def test_prorated_sum_matches_the_formula(case):
    items, scale, rule, answers = case
    sum_rule = RuleSpec(method="sum", max_missing=rule.max_missing, prorate=rule.prorate)
    result = score(answers, items, scale, sum_rule)
    if result.total is None or not result.prorated:
        return
    values = reversed_values(items, scale, answers)
    assert result.total == round(sum(values) * len(items) / len(values), 1)


@FAST
@given(partial_responses(), st.randoms(use_true_random=False))
def test_score_does_not_depend_on_item_order(case, rnd: random.Random):
    items, scale, rule, answers = case
    shuffled = list(items)
    rnd.shuffle(shuffled)
    shuffled_answers = dict(rnd.sample(list(answers.items()), len(answers)))
    assert score(answers, items, scale, rule) == score(shuffled_answers, shuffled, scale, rule)


@FAST
@given(complete_responses())
def test_reversing_every_answer_mirrors_the_score(case):
    items, scale, rule, answers = case
    mirrored = {k: scale.min + scale.max - v for k, v in answers.items()}
    a = score(answers, items, scale, rule).total
    b = score(mirrored, items, scale, rule).total
    assert a is not None and b is not None
    n = len(items) if rule.method == "sum" else 1
    assert math.isclose(a + b, (scale.min + scale.max) * n, abs_tol=0.011)
