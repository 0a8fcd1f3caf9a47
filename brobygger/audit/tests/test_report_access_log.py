"""The access report's own look-ups: the search names every person it lists."""

from django.urls import reverse

from brobygger.testing import BaseTestCase


class ReportAccessLogTests(BaseTestCase):
    def test_report_search_names_every_person_it_lists(self):
        self.login(self.admin)
        before = self.last_seq()
        response = self.client.post(reverse("audit:access_report_search"), {"q": "Andersen"})
        for person in (self.alice, self.bob, self.carol):
            self.assertContains(response, person.full_name)
        entry = self.one_entry(before)
        self.assertEqual(
            (entry.action, entry.purpose, entry.persons),
            ("search", "access_report", {self.alice.pk, self.bob.pk, self.carol.pk}),
        )

    def test_report_search_without_a_hit_is_one_search_entry_naming_nobody(self):
        self.login(self.admin)
        before = self.last_seq()
        response = self.client.post(reverse("audit:access_report_search"), {"q": "ingen"})
        self.assertEqual(response.context["results"], [])
        entry = self.one_entry(before)
        self.assertEqual((entry.action, entry.persons), ("search", set()))
        self.assertNotEqual(entry.criterion_hash, "")
