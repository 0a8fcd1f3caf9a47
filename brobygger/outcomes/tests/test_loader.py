"""Loading instrument files: checks, all-or-nothing, idempotence, versions."""

from __future__ import annotations

import copy
import json
import tempfile
from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import CommandError, call_command
from django.test import TestCase
from django.utils import translation

from brobygger.audit.models import AuditEvent
from brobygger.outcomes import loader, scoring
from brobygger.outcomes.loader import InstrumentFileError, load_files, parse_text
from brobygger.outcomes.models import Instrument, InstrumentVersion


def recovery_scale(**changes: Any) -> dict[str, Any]:
    """A QPR-15-shaped file with placeholder texts (the real items are never committed)."""
    data: dict[str, Any] = {
        "format": 1,
        "key": "qpr15",
        "name_da": "QPR-15",
        "name_en": "QPR-15",
        "languages": ["da"],
        "recall_da": "De sidste 7 dage",
        "licence_note": "Loaded by the region from its own copy.",
        "copyright": "© the authors",
        "may_ship": False,
        "validated": True,
        "scale": {"min": 0, "max": 4, "labels_da": ["a", "b", "c", "d", "e"]},
        "items": [
            {"key": f"q{i}", "text_da": f"<item {i} text from your licensed copy>"}
            for i in range(1, 16)
        ],
        "scoring": {"method": "sum", "max_missing": 2, "prorate": True},
    }
    data.update(changes)
    return data


class LoaderTestCase(TestCase):
    def setUp(self) -> None:
        # The messages are checked in their English source wording.
        translation.activate("en")
        self.addCleanup(translation.deactivate)
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.dir = Path(tmp.name)

    def write(self, name: str, data: Any) -> Path:
        path = self.dir / name
        path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2), "utf-8")
        return path

    def errors_of(self, data: Any, name: str = "scale.json") -> list[str]:
        with self.assertRaises(InstrumentFileError) as caught:
            load_files([self.write(name, data)])
        return caught.exception.errors


class GoodFileTests(LoaderTestCase):
    def test_a_good_file_becomes_version_1(self):
        [loaded] = load_files([self.write("qpr.json", recovery_scale())])
        self.assertEqual((loaded.key, loaded.version, loaded.action), ("qpr15", 1, "created"))
        version = InstrumentVersion.objects.get(instrument__key="qpr15")
        self.assertEqual(version.version, 1)
        self.assertEqual(len(version.items), 15)
        self.assertEqual(
            version.items[0],
            {
                "key": "q1",
                "text_da": "<item 1 text from your licensed copy>",
                "text_en": "",
                "reverse": False,
                "subscale": None,
            },
        )
        self.assertEqual(
            version.rule,
            {
                "method": "sum",
                "max_missing": 2,
                "prorate": True,
                "lookup": None,
                "subscales": {},
                "subscale_max_missing": 0,
            },
        )
        self.assertEqual(version.scale["labels_en"], [])
        self.assertEqual(version.languages, ["da"])
        self.assertFalse(version.may_ship)
        self.assertFalse(version.locked)
        self.assertEqual(version.recall("en"), "De sidste 7 dage")  # falls back to Danish
        self.assertEqual(version.labels("da")[0], (0, "a"))

    def test_loading_is_audited_without_item_texts(self):
        load_files([self.write("qpr.json", recovery_scale())])
        event = AuditEvent.objects.get(verb="instrument.loaded")
        self.assertEqual(event.data, {"key": "qpr15", "version": 1, "file": "qpr.json"})

    def test_lookup_table_and_subscales_are_kept(self):
        data = recovery_scale(
            items=[
                {"key": "a", "text_da": "A", "subscale": "s1"},
                {"key": "b", "text_da": "B", "reverse": True},
                {"key": "c", "text_da": "C"},
            ],
            scoring={
                "method": "sum",
                "lookup": {str(raw): raw / 2 for raw in range(0, 13)},
                "subscales": {"s2": ["b", "c"]},
            },
        )
        load_files([self.write("x.json", data)])
        version = InstrumentVersion.objects.get(instrument__key="qpr15")
        items, _scale, rule = version.specs()
        self.assertEqual(rule.lookup, {raw: raw / 2 for raw in range(0, 13)})
        self.assertTrue(items[1].reverse)
        self.assertEqual(items[0].subscale, "s1")

    def test_the_command_reports_what_it_did(self):
        path = self.write("qpr.json", recovery_scale())
        out = StringIO()
        call_command("load_instrument", str(path), stdout=out)
        self.assertIn("qpr15", out.getvalue())
        out = StringIO()
        call_command("load_instrument", str(path), stdout=out)
        self.assertIn("qpr15", out.getvalue())
        self.assertEqual(InstrumentVersion.objects.filter(instrument__key="qpr15").count(), 1)

    def test_the_command_can_only_check(self):
        path = self.write("qpr.json", recovery_scale())
        out = StringIO()
        call_command("load_instrument", "--check", str(path), stdout=out)
        self.assertIn("15", out.getvalue())
        self.assertFalse(Instrument.objects.filter(key="qpr15").exists())


class DocumentedExampleTests(LoaderTestCase):
    def test_the_qpr15_example_in_the_docs_loads_and_scores_as_documented(self):
        docs = Path(__file__).resolve().parents[3] / "docs" / "instruments.md"
        text = docs.read_text("utf-8").split("```json\n", 1)[1].split("```", 1)[0]
        definition = parse_text(text, "qpr15.json")
        self.assertEqual(len(definition.content["items"]), 15)
        self.assertTrue(all("licensed copy>" in i["text_da"] for i in definition.content["items"]))
        items, scale, rule = scoring.specs_from_json(
            definition.content["items"], definition.content["scale"], definition.content["rule"]
        )
        values = [4, 4, 4, 4, 4, 4, 4, 3, 3, 2, 2, 2, 0, 0, 0]
        full = {f"q{i}": v for i, v in enumerate(values, 1)}
        self.assertEqual(scoring.score(full, items, scale, rule).total, 40)
        values = [3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]
        partial = {f"q{i}": v for i, v in enumerate(values, 1)}
        self.assertEqual(scoring.score(partial, items, scale, rule).total, 33.5)
        twelve = {f"q{i}": 2 for i in range(1, 13)}
        self.assertIsNone(scoring.score(twelve, items, scale, rule).total)


class BadFileTests(LoaderTestCase):
    def test_every_problem_is_named_with_file_and_item(self):
        data = recovery_scale()
        data["items"][2]["text_da"] = ""
        data["items"][4]["reversed"] = True  # a typo for "reverse"
        data["items"][6]["key"] = "q1"
        data["scale"]["labels_da"] = ["a", "b"]
        del data["validated"]
        errors = self.errors_of(data, "qpr-bad.json")
        text = "\n".join(errors)
        self.assertTrue(all(e.startswith(f"{self.dir}/qpr-bad.json: ") for e in errors), text)
        self.assertIn("items[2] (q3): “text_da” is empty", text)
        self.assertIn("items[4] (q5): unknown field “reversed”", text)
        self.assertIn("items[6] (q1): item key “q1” is already used by items[0]", text)
        self.assertIn("scale: “labels_da” has 2 labels, but the scale 0-4 has 5 points", text)
        self.assertIn("required field “validated” is missing", text)
        self.assertEqual(len(errors), 5, text)

    def test_rule_problems_are_reported_alongside_item_problems(self):
        data = recovery_scale(scoring={"method": "sum", "max_missing": 2})
        data["items"][3]["revers"] = True
        errors = "\n".join(self.errors_of(data))
        self.assertIn("items[3] (q4): unknown field “revers”", errors)
        self.assertIn("scoring.prorate: max_missing above 0 needs prorate: true", errors)

    def test_json_syntax_error_names_the_line(self):
        text = json.dumps(recovery_scale(), indent=2).replace('"key": "q3"', '"key": "q3",')
        [error] = self.errors_of(text)
        self.assertRegex(error, r"scale\.json line \d+ column \d+: not valid JSON")
        line = int(error.split(" line ")[1].split()[0])
        self.assertIn('"q3",', text.splitlines()[line - 2] + text.splitlines()[line - 1])

    def test_a_field_given_twice_is_an_error(self):
        text = json.dumps(recovery_scale()).replace('"key": "qpr15"', '"key": "qpr15", "key": "x"')
        [error] = self.errors_of(text)
        self.assertIn("“key” appears twice", error)

    def test_rule_problems_are_reported(self):
        cases: list[tuple[dict[str, Any], str]] = [
            ({"method": "median"}, "scoring.method: “method” must be one of: sum, mean"),
            ({"method": "sum", "max_missing": 2}, "scoring.prorate: max_missing above 0"),
            (
                {"method": "sum", "max_missing": 15, "prorate": True},
                "scoring.max_missing: max_missing (15) must leave at least one answered item",
            ),
            (
                {"method": "sum", "lookup": {str(r): r for r in range(0, 59)}},
                "scoring.lookup: the lookup table has no entry for the raw sum(s) 59-60",
            ),
            ({"method": "sum", "lookup": {"ten": 1}}, "“ten” is not a whole-number raw sum"),
            (
                {"method": "sum", "subscales": {"hope": ["q1", "q99"]}},
                "scoring.subscales.hope: subscale “hope” names item “q99”, which does not exist",
            ),
            ({"method": "sum", "weights": {}}, "scoring: unknown field “weights”"),
        ]
        for rule, expected in cases:
            with self.subTest(expected):
                errors = self.errors_of(recovery_scale(scoring=rule))
                self.assertIn(expected, "\n".join(errors))

    def test_other_field_problems_are_reported(self):
        cases: list[tuple[dict[str, Any], str]] = [
            ({"key": "QPR 15"}, "key: must be 1-50 lowercase letters"),
            ({"format": 2}, "format: this Brobygger reads format 1, not 2"),
            ({"languages": ["da", "sv"]}, "languages: “sv” is not supported"),
            ({"may_ship": "yes"}, "may_ship: must be true or false"),
            ({"licence_note": ""}, "licence_note: an instrument that may not be shipped needs"),
            ({"may_ship": True}, "languages: an instrument that may be shipped must be in both"),
            ({"scale": {"min": 4, "max": 0}}, "scale: min (4) must be below max (0)"),
            ({"scale": {"min": 0, "max": 4.5}}, "scale: “max” must be a whole number"),
            ({"items": []}, "items: must be a non-empty list of items"),
            ({"recall_en": "Last week"}, "recall_en: is given, but “en” is not in languages"),
            ({"colour": "blue"}, "unknown field “colour”"),
        ]
        for changes, expected in cases:
            with self.subTest(expected):
                data = recovery_scale(**changes)
                self.assertIn(expected, "\n".join(self.errors_of(data)))

    def test_text_in_a_language_not_listed_is_an_error(self):
        data = recovery_scale()
        data["items"][0]["text_en"] = "<item 1 in English>"
        self.assertIn(
            "items[0] (q1): “text_en” is given, but “en” is not in languages",
            "\n".join(self.errors_of(data)),
        )

    def test_nothing_is_loaded_when_any_file_is_wrong(self):
        good = self.write("good.json", recovery_scale())
        bad = self.write("bad.json", recovery_scale(key="other", items="none"))
        with self.assertRaises(InstrumentFileError) as caught:
            load_files([good, bad])
        self.assertEqual(len(caught.exception.errors), 1)
        self.assertIn("bad.json: items:", caught.exception.errors[0])
        self.assertFalse(Instrument.objects.filter(key__in=["qpr15", "other"]).exists())

    def test_the_same_key_in_two_files_is_an_error(self):
        one = self.write("one.json", recovery_scale())
        two = self.write("two.json", recovery_scale())
        with self.assertRaises(InstrumentFileError) as caught:
            load_files([one, two])
        self.assertIn("two.json: key: instrument “qpr15” is also in", caught.exception.errors[0])

    def test_missing_file_and_wrong_suffix(self):
        with self.assertRaises(InstrumentFileError) as caught:
            load_files([self.dir / "absent.json", self.write("scale.txt", "{}")])
        self.assertEqual(
            caught.exception.errors,
            [
                f"{self.dir}/absent.json: no such file",
                f"{self.dir}/scale.txt: the file name must end in .json, .yaml or .yml",
            ],
        )

    def test_yaml_needs_pyyaml_or_is_read(self):
        text = "format: 1\nkey: [unclosed\n"
        with self.assertRaises(InstrumentFileError) as caught:
            parse_text(text, "scale.yaml", yaml_syntax=True)
        if loader.yaml is None:
            self.assertIn("PyYAML", caught.exception.errors[0])
        else:
            self.assertIn("scale.yaml line", caught.exception.errors[0])

    def test_the_command_prints_errors_and_fails(self):
        path = self.write("bad.json", recovery_scale(scale=None))
        err = StringIO()
        with self.assertRaisesMessage(CommandError, "nothing was loaded"):
            call_command("load_instrument", str(path), stderr=err, stdout=StringIO())
        self.assertIn("bad.json: scale: must be an object", err.getvalue())
        self.assertFalse(Instrument.objects.filter(key="qpr15").exists())


class VersionTests(LoaderTestCase):
    def load(self, data: dict[str, Any]) -> loader.Loaded:
        [loaded] = load_files([self.write("qpr.json", data)])
        return loaded

    def test_loading_the_same_content_again_changes_nothing(self):
        self.load(recovery_scale())
        events = AuditEvent.objects.count()
        loaded = self.load(recovery_scale())
        self.assertEqual((loaded.version, loaded.action), (1, "unchanged"))
        self.assertEqual(InstrumentVersion.objects.filter(instrument__key="qpr15").count(), 1)
        self.assertEqual(AuditEvent.objects.count(), events)

    def test_changed_content_makes_a_new_version_and_keeps_the_old(self):
        self.load(recovery_scale())
        changed = recovery_scale()
        changed["items"][0]["text_da"] = "<item 1, corrected>"
        loaded = self.load(changed)
        self.assertEqual((loaded.version, loaded.action), (2, "new_version"))
        v1, v2 = InstrumentVersion.objects.filter(instrument__key="qpr15").order_by("version")
        self.assertEqual(v1.items[0]["text_da"], "<item 1 text from your licensed copy>")
        self.assertEqual(v2.items[0]["text_da"], "<item 1, corrected>")
        self.assertEqual(Instrument.objects.get(key="qpr15").latest_version(), v2)

    def test_a_locked_version_never_changes(self):
        from brobygger.outcomes.services import lock_version

        self.load(recovery_scale())
        v1 = InstrumentVersion.objects.get(instrument__key="qpr15")
        lock_version(actor=None, version=v1)
        before = copy.deepcopy({name: getattr(v1, name) for name in loader.CONTENT_FIELDS})
        self.load(recovery_scale(scoring={"method": "sum", "max_missing": 1, "prorate": True}))
        v1.refresh_from_db()
        self.assertTrue(v1.locked)
        self.assertEqual({name: getattr(v1, name) for name in loader.CONTENT_FIELDS}, before)
        v2 = InstrumentVersion.objects.latest_of("qpr15")
        assert v2 is not None
        self.assertEqual((v2.version, v2.rule["max_missing"], v2.locked), (2, 1, False))

    def test_a_version_refuses_to_be_saved_with_changes(self):
        self.load(recovery_scale())
        v1 = InstrumentVersion.objects.get(instrument__key="qpr15")
        v1.items = []
        with self.assertRaises(PermissionError):
            v1.save()
        with self.assertRaises(PermissionError):
            v1.save(update_fields=["items"])
        v1.refresh_from_db()
        v1.locked = True
        v1.save(update_fields=["locked"])
        self.assertEqual(len(InstrumentVersion.objects.get(pk=v1.pk).items), 15)

    def test_a_new_name_alone_renames_without_a_new_version(self):
        self.load(recovery_scale())
        loaded = self.load(recovery_scale(name_en="Recovery process questionnaire"))
        self.assertEqual(
            (loaded.version, loaded.action, loaded.names_changed), (1, "unchanged", True)
        )
        self.assertEqual(
            Instrument.objects.get(key="qpr15").name("en"), "Recovery process questionnaire"
        )

    def test_versions_are_unique_per_instrument_in_the_database(self):
        from django.db import IntegrityError, transaction

        self.load(recovery_scale())
        v1 = InstrumentVersion.objects.get(instrument__key="qpr15")
        with self.assertRaises(IntegrityError), transaction.atomic():
            InstrumentVersion.objects.create(
                instrument=v1.instrument,
                version=1,
                items=[],
                scale={},
                rule={},
                licence_note="x",
            )

    def test_a_version_that_may_not_be_shipped_needs_a_licence_note_in_the_database(self):
        from django.db import IntegrityError, transaction

        self.load(recovery_scale())
        v1 = InstrumentVersion.objects.get(instrument__key="qpr15")
        with self.assertRaises(IntegrityError), transaction.atomic():
            InstrumentVersion.objects.filter(pk=v1.pk).update(licence_note="")
