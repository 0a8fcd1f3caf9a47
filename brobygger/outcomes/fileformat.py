"""The instrument file format (format 1): checking one parsed file, naming every problem.

Field by field in docs/instruments.md. A problem is reported as "file: where: what",
where is a field, an item (`items[3] (q4)`) or a path such as `scoring.lookup`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from . import scoring

FORMAT = 1
LANGUAGES = ("da", "en")

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
ITEM_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
INT_RE = re.compile(r"^-?[0-9]+$")

TOP_FIELDS = (
    "format",
    "key",
    "name_da",
    "name_en",
    "languages",
    "recall_da",
    "recall_en",
    "licence_note",
    "copyright",
    "may_ship",
    "validated",
    "scale",
    "items",
    "scoring",
)
REQUIRED_TOP = (
    "format",
    "key",
    "name_da",
    "name_en",
    "languages",
    "may_ship",
    "validated",
    "scale",
    "items",
    "scoring",
)
SCALE_FIELDS = ("min", "max", "labels_da", "labels_en")
ITEM_FIELDS = ("key", "text_da", "text_en", "reverse", "subscale")
RULE_FIELDS = ("method", "max_missing", "prorate", "lookup", "subscales", "subscale_max_missing")


class InstrumentFileError(Exception):
    """One or more files are wrong; `errors` says where and what, one line each."""

    def __init__(self, errors: Sequence[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = list(errors)


@dataclass(frozen=True)
class Definition:
    """A checked instrument file: names plus the content of one version."""

    source: str
    key: str
    name_da: str
    name_en: str
    content: dict[str, Any]


class _Collector:
    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.errors.append(
            f"{self.source}: {where}: {message}" if where else f"{self.source}: {message}"
        )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _unknown_fields(
    errors: _Collector, where: str, data: dict[str, Any], allowed: Sequence[str]
) -> None:
    for name in data:
        if name not in allowed:
            errors.add(
                where,
                _("unknown field “%(field)s” (allowed: %(allowed)s)")
                % {"field": name, "allowed": ", ".join(allowed)},
            )


def _text(
    errors: _Collector,
    where: str,
    data: dict[str, Any],
    name: str,
    *,
    required: bool,
    max_length: int | None = None,
) -> str:
    value = data.get(name)
    if value is None:
        if required:
            errors.add(where, _("“%(field)s” is missing") % {"field": name})
        return ""
    if not isinstance(value, str):
        errors.add(where, _("“%(field)s” must be text") % {"field": name})
        return ""
    value = value.strip()
    if required and not value:
        errors.add(where, _("“%(field)s” is empty") % {"field": name})
    if max_length is not None and len(value) > max_length:
        errors.add(
            where,
            _("“%(field)s” is longer than %(max)d characters") % {"field": name, "max": max_length},
        )
    return value


def _where_item(index: int, item: Any) -> str:
    key = item.get("key") if isinstance(item, dict) else None
    if isinstance(key, str) and key:
        return f"items[{index}] ({key})"
    return f"items[{index}]"


def _problem_message(problem: scoring.Problem) -> str:
    p = dict(problem.params)
    words = {
        "no_items": _("the instrument has no items"),
        "duplicate_item": _("item key “%(key)s” is used more than once"),
        "scale_order": _("min (%(min)s) must be below max (%(max)s)"),
        "unknown_method": _("method “%(method)s” is not one of: sum, mean"),
        "negative": _("%(name)s must be 0 or more, not %(value)s"),
        "max_missing_too_high": _(
            "max_missing (%(value)s) must leave at least one answered item (%(items)s items)"
        ),
        "prorate_needed": _(
            "max_missing above 0 needs prorate: true (a score from fewer items must be "
            "scaled to all items)"
        ),
        "lookup_needs_sum": _("a lookup table converts a raw sum, so the method must be sum"),
        "lookup_missing": _("the lookup table has no entry for the raw sum(s) %(sums)s"),
        "lookup_outside": _("the lookup table has entries outside %(low)s-%(high)s: %(sums)s"),
        "lookup_value": _("the lookup value for %(sum)s must be a number"),
        "subscale_empty": _("subscale “%(name)s” has no items"),
        "subscale_unknown_item": _(
            "subscale “%(name)s” names item “%(key)s”, which does not exist"
        ),
        "subscale_duplicate_item": _("subscale “%(name)s” names item “%(key)s” more than once"),
        "subscale_max_missing_too_high": _(
            "subscale_max_missing (%(value)s) must leave at least one answered item in "
            "subscale “%(name)s” (%(items)s items)"
        ),
    }
    template = words.get(problem.code)
    return template % p if template else problem.message


def _check_scale(errors: _Collector, data: Any, languages: list[str]) -> dict[str, Any] | None:
    if not isinstance(data, dict):
        errors.add("scale", _("must be an object with min, max and labels"))
        return None
    _unknown_fields(errors, "scale", data, SCALE_FIELDS)
    low, high = data.get("min"), data.get("max")
    ok = True
    for name, value in (("min", low), ("max", high)):
        if not _is_int(value):
            errors.add("scale", _("“%(field)s” must be a whole number") % {"field": name})
            ok = False
    if not ok:
        return None
    assert isinstance(low, int) and isinstance(high, int)
    if low >= high:
        errors.add(
            "scale", _("min (%(min)s) must be below max (%(max)s)") % {"min": low, "max": high}
        )
        return None
    points = high - low + 1
    result: dict[str, Any] = {"min": low, "max": high}
    for lang in LANGUAGES:
        name = f"labels_{lang}"
        labels = data.get(name)
        if not languages and labels is None:
            result[name] = []
            continue  # the languages are wrong; that is reported already
        if languages and lang not in languages:
            if labels:
                errors.add(
                    "scale",
                    _("“%(field)s” is given, but “%(lang)s” is not in languages")
                    % {"field": name, "lang": lang},
                )
            result[name] = []
            continue
        if labels is None:
            errors.add("scale", _("“%(field)s” is missing") % {"field": name})
        elif not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            errors.add("scale", _("“%(field)s” must be a list of texts") % {"field": name})
        elif len(labels) != points:
            errors.add(
                "scale",
                _(
                    "“%(field)s” has %(count)d labels, but the scale %(min)s-%(max)s has "
                    "%(points)d points"
                )
                % {"field": name, "count": len(labels), "min": low, "max": high, "points": points},
            )
        else:
            result[name] = [label.strip() for label in labels]
    return result


def _check_items(
    errors: _Collector, data: Any, languages: list[str]
) -> list[dict[str, Any]] | None:
    if not isinstance(data, list) or not data:
        errors.add("items", _("must be a non-empty list of items"))
        return None
    result: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    ok = True
    for index, item in enumerate(data):
        where = _where_item(index, item)
        if not isinstance(item, dict):
            errors.add(where, _("an item must be an object with key and text"))
            ok = False
            continue
        before = len(errors.errors)
        _unknown_fields(errors, where, item, ITEM_FIELDS)
        key = item.get("key")
        if not isinstance(key, str) or not ITEM_KEY_RE.match(key):
            errors.add(
                where,
                _(
                    "“key” must be 1-40 letters, digits, dots, hyphens or underscores, "
                    "starting with a letter or digit"
                ),
            )
        elif key in seen:
            errors.add(
                where,
                _("item key “%(key)s” is already used by items[%(index)d]")
                % {"key": key, "index": seen[key]},
            )
        else:
            seen[key] = index
        texts: dict[str, str] = {}
        for lang in LANGUAGES:
            name = f"text_{lang}"
            if lang in languages or not languages:
                # With wrong languages (reported already) only check what is there.
                required = bool(languages) or name in item
                texts[name] = _text(errors, where, item, name, required=required, max_length=1000)
            else:
                extra = item.get(name)
                if extra:
                    errors.add(
                        where,
                        _("“%(field)s” is given, but “%(lang)s” is not in languages")
                        % {"field": name, "lang": lang},
                    )
                texts[name] = ""
        reverse = item.get("reverse", False)
        if not isinstance(reverse, bool):
            errors.add(where, _("“reverse” must be true or false"))
        subscale = item.get("subscale")
        if subscale is not None and (not isinstance(subscale, str) or not subscale.strip()):
            errors.add(where, _("“subscale” must be a name or null"))
        if len(errors.errors) != before:
            ok = False
            continue
        result.append(
            {
                "key": key,
                **texts,
                "reverse": reverse,
                "subscale": subscale.strip() if isinstance(subscale, str) else None,
            }
        )
    return result if ok else None


def _check_rule(errors: _Collector, data: Any) -> dict[str, Any] | None:
    where = "scoring"
    if not isinstance(data, dict):
        errors.add(where, _("must be an object with at least a method"))
        return None
    before = len(errors.errors)
    _unknown_fields(errors, where, data, RULE_FIELDS)
    method = data.get("method")
    if method not in scoring.METHODS:
        errors.add(
            "scoring.method",
            _("“method” must be one of: %(methods)s") % {"methods": ", ".join(scoring.METHODS)},
        )
    counts: dict[str, int] = {}
    for name in ("max_missing", "subscale_max_missing"):
        value = data.get(name, 0)
        if not _is_int(value) or value < 0:
            errors.add(f"scoring.{name}", _("must be a whole number, 0 or more"))
        else:
            counts[name] = value
    prorate = data.get("prorate", False)
    if not isinstance(prorate, bool):
        errors.add("scoring.prorate", _("must be true or false"))
    lookup: dict[str, float] | None = None
    raw_lookup = data.get("lookup")
    if raw_lookup is not None:
        if not isinstance(raw_lookup, dict) or not raw_lookup:
            errors.add("scoring.lookup", _("must be an object from raw sum to score, or null"))
        else:
            parsed: dict[int, float] = {}
            for raw, value in raw_lookup.items():
                text = str(raw).strip()
                if isinstance(raw, bool) or not INT_RE.match(text):
                    errors.add(
                        "scoring.lookup",
                        _("“%(key)s” is not a whole-number raw sum") % {"key": raw},
                    )
                    continue
                if int(text) in parsed:
                    errors.add(
                        "scoring.lookup", _("raw sum %(key)s is given twice") % {"key": text}
                    )
                    continue
                if not _is_number(value):
                    errors.add(f"scoring.lookup.{text}", _("the converted score must be a number"))
                    continue
                parsed[int(text)] = value
            lookup = {str(k): parsed[k] for k in sorted(parsed)}
    subscales: dict[str, list[str]] = {}
    raw_subscales = data.get("subscales", {})
    if raw_subscales is None:
        raw_subscales = {}
    if not isinstance(raw_subscales, dict):
        errors.add("scoring.subscales", _("must be an object from subscale name to item keys"))
    else:
        for name, keys in raw_subscales.items():
            if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
                errors.add(f"scoring.subscales.{name}", _("must be a list of item keys"))
                continue
            subscales[str(name)] = list(keys)
    if len(errors.errors) != before:
        return None
    return {
        "method": method,
        "max_missing": counts["max_missing"],
        "prorate": prorate,
        "lookup": lookup,
        "subscales": subscales,
        "subscale_max_missing": counts["subscale_max_missing"],
    }


def check(data: Any, source: str) -> Definition:
    """Check one parsed file; raise InstrumentFileError listing every problem."""
    errors = _Collector(source)
    if not isinstance(data, dict):
        errors.add("", _("the file must hold one object (an instrument)"))
        raise InstrumentFileError(errors.errors)
    _unknown_fields(errors, "", data, TOP_FIELDS)
    for name in REQUIRED_TOP:
        if name not in data:
            errors.add("", _("required field “%(field)s” is missing") % {"field": name})
    if "format" in data and (not _is_int(data["format"]) or data["format"] != FORMAT):
        errors.add(
            "format",
            _("this Brobygger reads format %(expected)s, not %(given)s")
            % {"expected": FORMAT, "given": json.dumps(data["format"])},
        )
    key = data.get("key")
    if "key" in data and (not isinstance(key, str) or not KEY_RE.match(key)):
        errors.add(
            "key",
            _("must be 1-50 lowercase letters, digits, hyphens or underscores (a slug)"),
        )
    name_da = _text(errors, "", data, "name_da", required="name_da" in data, max_length=200)
    name_en = _text(errors, "", data, "name_en", required="name_en" in data, max_length=200)
    recall_da = _text(errors, "", data, "recall_da", required=False, max_length=200)
    recall_en = _text(errors, "", data, "recall_en", required=False, max_length=200)
    licence_note = _text(errors, "", data, "licence_note", required=False)
    copyright_line = _text(errors, "", data, "copyright", required=False, max_length=300)

    flags: dict[str, bool] = {}
    for name in ("may_ship", "validated"):
        if name in data:
            if isinstance(data[name], bool):
                flags[name] = data[name]
            else:
                errors.add(name, _("must be true or false"))

    languages: list[str] = []
    raw_languages = data.get("languages")
    if "languages" in data:
        if (
            not isinstance(raw_languages, list)
            or not raw_languages
            or not all(isinstance(x, str) for x in raw_languages)
        ):
            errors.add("languages", _('must be a non-empty list such as ["da", "en"]'))
        else:
            for lang in raw_languages:
                if lang not in LANGUAGES:
                    errors.add(
                        "languages",
                        _("“%(lang)s” is not supported (use: %(allowed)s)")
                        % {"lang": lang, "allowed": ", ".join(LANGUAGES)},
                    )
            if len(set(raw_languages)) != len(raw_languages):
                errors.add("languages", _("a language is listed twice"))
            languages = sorted({x for x in raw_languages if x in LANGUAGES})
    if flags.get("may_ship") and set(languages) != set(LANGUAGES):
        errors.add(
            "languages",
            _("an instrument that may be shipped must be in both Danish and English (da, en)"),
        )
    if flags.get("may_ship") is False and not licence_note:
        errors.add(
            "licence_note",
            _(
                "an instrument that may not be shipped needs a licence note (whose licence, "
                "what it allows)"
            ),
        )
    for lang, recall in (("da", recall_da), ("en", recall_en)):
        if recall and languages and lang not in languages:
            errors.add(
                f"recall_{lang}",
                _("is given, but “%(lang)s” is not in languages") % {"lang": lang},
            )

    scale = _check_scale(errors, data["scale"], languages) if "scale" in data else None
    items = _check_items(errors, data["items"], languages) if "items" in data else None
    rule = _check_rule(errors, data["scoring"]) if "scoring" in data else None

    # Check the rule even when some items are wrong: every problem is reported at once.
    rule_items = items
    if rule_items is None and isinstance(data.get("items"), list):
        rule_items = [
            {"key": item["key"], "reverse": False, "subscale": item.get("subscale")}
            for item in data["items"]
            if isinstance(item, dict)
            and isinstance(item.get("key"), str)
            and isinstance(item.get("subscale"), str | None)
        ]
    if scale is not None and rule_items and rule is not None:
        item_specs, scale_spec, rule_spec = scoring.specs_from_json(rule_items, scale, rule)
        for problem in scoring.rule_problems(item_specs, scale_spec, rule_spec):
            if problem.code in ("no_items", "duplicate_item", "scale_order"):
                continue  # already reported above, with the item's place
            errors.add(problem.where, _problem_message(problem))

    if errors.errors:
        raise InstrumentFileError(errors.errors)
    assert isinstance(key, str) and scale is not None and items is not None and rule is not None
    return Definition(
        source=source,
        key=key,
        name_da=name_da,
        name_en=name_en,
        content={
            "items": items,
            "scale": scale,
            "rule": rule,
            "recall_da": recall_da,
            "recall_en": recall_en,
            "languages": languages,
            "licence_note": licence_note,
            "copyright": copyright_line,
            "may_ship": flags["may_ship"],
            "validated": flags["validated"],
        },
    )
