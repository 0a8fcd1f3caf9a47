"""The workforce lists that grow with the region are paged (issue 19, lib/paging): the
supervision groups and the peers without completed peer education."""

from __future__ import annotations

from django.urls import reverse

from brobygger.lib.paging import PAGE_SIZE
from brobygger.testing import count_queries, make_peer
from brobygger.workforce.models import SupervisionGroup

from .helpers import WorkforceTestCase, make_group


class SupervisionGroupPagingTests(WorkforceTestCase):
    def get(self, **params: str):
        with count_queries() as queries:
            response = self.client.get(reverse("workforce:group_list"), params)
        self.assertEqual(response.status_code, 200)
        return response, len(queries)

    def test_the_groups_page_past_25_with_the_same_queries_and_keep_the_filter(self):
        self.login(self.coordinator)
        make_group([self.peer], name="Anden gruppe", unit=self.unit)
        _response, two = self.get()
        for i in range(PAGE_SIZE + 3):
            make_group([self.peer, self.other_peer], name=f"Gruppe {i:02d}", unit=self.unit)
        first, many = self.get()
        self.assertEqual(many, two)
        total = SupervisionGroup.objects.visible_to(self.coordinator).open().count()
        self.assertGreater(total, PAGE_SIZE)
        self.assertEqual(len(first.context["groups"]), PAGE_SIZE)
        self.assertContains(first, f"1\u2013{PAGE_SIZE} af {total}")
        closed, _n = self.get(lukkede="1")
        self.assertContains(closed, 'href="?lukkede=1&amp;page=2"')
        last, _n = self.get(page="2")
        self.assertEqual(len(last.context["groups"]), total - PAGE_SIZE)
        self.assertEqual(self.get(page="abc")[0].context["page"].number, 1)


class EducationOverviewPagingTests(WorkforceTestCase):
    def get(self, **params: str):
        with count_queries() as queries:
            response = self.client.get(reverse("workforce:education_overview"), params)
        self.assertEqual(response.status_code, 200)
        return response, len(queries)

    def test_the_peers_without_education_page_past_25_with_the_same_queries(self):
        self.login(self.coordinator)
        _response, two = self.get()
        lacking = len(self.get()[0].context["lacking"])
        for i in range(PAGE_SIZE + 2):
            make_peer(f"uuddannet{i:02d}", units=(self.unit,))
        first, many = self.get()
        self.assertEqual(many, two)
        total = lacking + PAGE_SIZE + 2
        self.assertEqual(len(first.context["lacking"]), PAGE_SIZE)
        self.assertContains(first, f"1\u2013{PAGE_SIZE} af {total}")
        self.assertContains(first, f"{total} peer-medarbejdere uden")
        self.assertContains(first, 'href="?page=2"')
        last, _n = self.get(page="2")
        self.assertEqual(len(last.context["lacking"]), total - PAGE_SIZE)
        self.assertNotContains(last, "Farpeer")
