"""The peer list at a region's scale (issue 19): paged, filtered and ordered through the
query string, with the same queries for 2 peers as for a page and more."""

from django.urls import reverse

from brobygger.lib.paging import PAGE_SIZE
from brobygger.people.models import PeerKind, PeerWorker
from brobygger.testing import BaseTestCase, count_queries, make_peer


class PeerListTests(BaseTestCase):
    def visible(self) -> int:
        return PeerWorker.objects.visible_to(self.coordinator).count()

    def test_the_list_reads_the_same_queries_for_two_peers_and_more_than_a_page(self):
        self.login(self.coordinator)
        while self.visible() < 2:
            make_peer(f"few{self.visible()}", units=(self.unit,))
        with count_queries() as small:
            response = self.client.get(reverse("people:peer_list"))
        self.assertEqual(len(response.context["page"].object_list), self.visible())
        for i in range(PAGE_SIZE + 7):
            make_peer(f"many{i:02d}", units=(self.unit,))
        with count_queries() as large:
            response = self.client.get(reverse("people:peer_list"))
        self.assertEqual(len(response.context["page"].object_list), PAGE_SIZE)
        self.assertEqual(len(small), len(large))

    def test_the_count_and_the_next_page_keep_the_filters(self):
        for i in range(PAGE_SIZE + 5):
            make_peer(f"rel{i:02d}", kind=PeerKind.RELATIVE_PEER, units=(self.unit,))
        total = PeerWorker.objects.visible_to(self.coordinator).filter(kind="relative_peer")
        self.login(self.coordinator)
        url = reverse("people:peer_list")
        response = self.client.get(url, {"kind": "relative_peer", "sort": "contract_end"})
        self.assertContains(response, f"1\u2013{PAGE_SIZE} af {total.count()}")
        self.assertContains(response, 'href="?kind=relative_peer&amp;sort=contract_end&amp;page=2"')
        second = self.client.get(
            url, {"kind": "relative_peer", "sort": "contract_end", "page": "2"}
        )
        shown = second.context["page"].object_list
        self.assertEqual(len(shown), total.count() - PAGE_SIZE)
        self.assertTrue(all(p.kind == "relative_peer" for p in shown))

    def test_the_kind_filter_leaves_out_the_other_kinds(self):
        relative = make_peer("onlyrelative", kind=PeerKind.RELATIVE_PEER, units=(self.unit,))
        self.login(self.coordinator)
        response = self.client.get(reverse("people:peer_list"), {"kind": "relative_peer"})
        shown = response.context["page"].object_list
        self.assertIn(relative, shown)
        self.assertEqual({p.kind for p in shown}, {"relative_peer"})
        self.assertNotContains(response, self.peer.user.display_name)

    def test_the_caseload_order_puts_the_busiest_first(self):
        self.login(self.coordinator)
        response = self.client.get(reverse("people:peer_list"), {"sort": "caseload"})
        loads = [p.caseload for p in response.context["page"].object_list]
        self.assertEqual(loads, sorted(loads, reverse=True))

    def test_bad_page_numbers_and_filters_give_a_page_not_an_error(self):
        self.login(self.coordinator)
        url = reverse("people:peer_list")
        for params in ({"page": "abc"}, {"page": "9999"}, {"unit": "x", "sort": "nope"}):
            with self.subTest(params=params):
                self.assertEqual(self.client.get(url, params).status_code, 200)
