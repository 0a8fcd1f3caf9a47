"""The project's own questionnaires are installed by migrate and score as intended."""

from __future__ import annotations

import json

from django.test import TestCase

from brobygger.outcomes import loader
from brobygger.outcomes.models import Instrument, InstrumentVersion
from brobygger.outcomes.scoring import score


class ShippedInstrumentTests(TestCase):
    def test_migrate_installs_both_own_instruments(self):
        keys = set(Instrument.objects.values_list("key", flat=True))
        self.assertLessEqual({"oplevelse-af-peerstoette", "tjek-efter-samtale"}, keys)
        for key in ("oplevelse-af-peerstoette", "tjek-efter-samtale"):
            version = InstrumentVersion.objects.latest_of(key)
            assert version is not None
            with self.subTest(key):
                self.assertTrue(version.may_ship)
                self.assertFalse(version.validated)
                self.assertEqual(version.languages, ["da", "en"])
                self.assertIn("ikke valideret", version.instrument.name_da)
                self.assertIn("not validated", version.instrument.name_en)
                self.assertIn("Written by the Brobygger project; free to use", version.licence_note)
                self.assertTrue(all(item["text_da"] and item["text_en"] for item in version.items))

    def test_installing_again_changes_nothing(self):
        before = InstrumentVersion.objects.count()
        results = loader.install_shipped()
        self.assertEqual({r.action for r in results}, {"unchanged"})
        self.assertEqual(InstrumentVersion.objects.count(), before)

    def test_shipped_files_pass_the_checks_and_are_our_own(self):
        for name in loader.SHIPPED_FILES:
            path = loader.SHIPPED_DIR / name
            definition = loader.parse_file(path)
            self.assertEqual(f"{definition.key}.json", name)
            self.assertEqual(set(definition.content), set(loader.CONTENT_FIELDS))
            self.assertTrue(json.loads(path.read_text("utf-8"))["may_ship"])

    def test_experience_questionnaire_scores_as_a_mean_with_one_reverse_item(self):
        version = InstrumentVersion.objects.latest_of("oplevelse-af-peerstoette")
        assert version is not None
        items, scale, rule = version.specs()
        self.assertEqual([i.key for i in items if i.reverse], ["alene"])
        answers = {
            "lyttet": 5,
            "genkendelse": 4,
            "tryghed": 5,
            "haab": 3,
            "naeste-skridt": 4,
            "alene": 2,  # reversed: 1 + 5 - 2 = 4
        }
        self.assertEqual(score(answers, items, scale, rule).total, 4.17)  # 25 / 6
        del answers["haab"]
        result = score(answers, items, scale, rule)
        self.assertEqual((result.total, result.prorated), (4.4, True))  # 22 / 5
        del answers["lyttet"]
        self.assertIsNone(score(answers, items, scale, rule).total)

    def test_check_after_a_session_is_the_one_answer(self):
        version = InstrumentVersion.objects.latest_of("tjek-efter-samtale")
        assert version is not None
        items, scale, rule = version.specs()
        self.assertEqual(len(items), 1)
        self.assertEqual(score({"udbytte": 4}, items, scale, rule).total, 4.0)
        self.assertIsNone(score({}, items, scale, rule).total)
        self.assertEqual(
            version.labels("en"),
            [(1, "Nothing"), (2, "A little"), (3, "Something"), (4, "A lot"), (5, "A great deal")],
        )
