"""The public page answers what applicants and patients ask (issue 19): hours and pay,
the peer education, and what a conversation with a peer is and is not."""

from __future__ import annotations

import itertools
import re

from django.conf import settings
from django.test import TestCase, override_settings
from django.urls import reverse


class HomePageTests(TestCase):
    def page(self, language: str = "da") -> str:
        self.client.cookies.load({settings.LANGUAGE_COOKIE_NAME: language})
        response = self.client.get(reverse("public:home"))
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_the_page_has_the_sections_in_danish(self):
        page = self.page()
        for words in (
            '<h2 id="samtalen">Hvad en samtale med en peer er \N{EN DASH} og ikke er</h2>',
            "Ikke behandling og ikke terapi.",
            "Tavshedspligt \N{EN DASH} og dens grænser",
            "alvorligt bekymret for dit liv",
            "Peer-medarbejderen har selv været igennem",
            '<h2 id="job">Job som peer-medarbejder</h2>',
            "<dt>Timer</dt><dd>Typisk 8\N{EN DASH}15 timer om ugen efter aftale.</dd>",
            "På timebasis",
            "Efter overenskomsten for peer-medarbejdere (FOA).",
            "Peer-uddannelsen",
            "betaler arbejdsgiveren den",
        ):
            self.assertIn(words, page)

    def test_the_page_has_the_sections_in_english(self):
        page = self.page("en")
        for words in (
            "What a conversation with a peer is \N{EN DASH} and is not",
            "Not treatment and not therapy.",
            "Confidentiality \N{EN DASH} and its limits",
            "<dt>Hours</dt><dd>Typically 8\N{EN DASH}15 hours a week, as agreed.</dd>",
            "By the collective agreement for peer workers (FOA).",
            "the employer pays for it",
        ):
            self.assertIn(words, page)

    @override_settings(PEER_JOB_HOURS_MIN=12, PEER_JOB_HOURS_MAX=30, PEER_JOB_PAY_AGREEMENT="HK")
    def test_the_job_figures_come_from_the_settings(self):
        page = self.page()
        self.assertIn("Typisk 12\N{EN DASH}30 timer om ugen", page)
        self.assertIn("peer-medarbejdere (HK)", page)
        self.assertNotIn("8\N{EN DASH}15", page)

    def test_every_heading_level_follows_the_one_before(self):
        levels = [int(n) for n in re.findall(r"<h([1-6])[ >]", self.page())]
        self.assertEqual(levels[0], 1)
        for before, after in itertools.pairwise(levels):
            self.assertLessEqual(after - before, 1, levels)
