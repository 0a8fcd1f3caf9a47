"""The access report's own look-ups: the search names every person it lists."""

from django.urls import reverse

from brobygger.audit.models import AccessLogEntry
from brobygger.testing import BaseTestCase


class ReportAccessLogTests(BaseTestCase):
    def last_seq(self) -> int:
        return AccessLogEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0

    def one_entry(self, before: int) -> AccessLogEntry:
        entries = list(AccessLogEntry.objects.filter(seq__gt=before).order_by("seq"))
        self.assertEqual(len(entries), 1, [(e.action, e.persons) for e in entries])
        return entries[0]

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
