from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from brobygger.audit.models import AccessLogEntry, AuditEvent
from brobygger.lib.paging import PAGE_SIZE
from brobygger.onboarding.models import ItemKind, OnboardingItem, Responsible
from brobygger.onboarding.selectors import OnboardingStatus, onboarding_status
from brobygger.testing import BaseTestCase, count_queries

from .helpers import make_application, make_hire, make_posting


class ChecklistTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.posting = make_posting(
            self.unit, period_start=timezone.localdate() - datetime.timedelta(days=10)
        )
        self.hire, _token = make_hire(self.coordinator, make_application(self.posting))
        self.new_peer = self.hire.peer
        self.items = {item.kind: item for item in OnboardingItem.objects.filter(peer=self.new_peer)}
        self.peer_url = reverse("onboarding:peer", args=[self.new_peer.pk])

    def tick_url(self, kind: str) -> str:
        return reverse("onboarding:tick", args=[self.items[kind].pk])


class CoordinatorChecklistTests(ChecklistTestCase):
    def test_coordinator_sees_the_checklist_with_overdue_steps_flagged(self) -> None:
        self.login(self.coordinator)
        response = self.client.get(self.peer_url)
        self.assertEqual(response.status_code, 200)
        self.assertNotIn(
            "Hanne", response.content.decode().split("<title>")[1].split("</title>")[0]
        )
        # Contract start 10 days ago: the contract, IT training and introduction are overdue.
        self.assertContains(response, "Forsinket", count=3)
        self.assertContains(response, "is-overdue", count=3)
        self.assertContains(response, "Kontrakt underskrevet")
        self.assertTrue(
            AccessLogEntry.objects.filter(
                user=self.coordinator, object_type="people.peerworker", object_id=self.new_peer.pk
            ).exists()
        )

    def test_coordinator_ticks_any_step_and_can_open_it_again(self) -> None:
        self.login(self.coordinator)
        url = self.tick_url(ItemKind.CONTRACT)
        response = self.client.post(url, {"done": "1", "back": self.peer_url})
        self.assertRedirects(response, self.peer_url, fetch_redirect_response=False)
        item = OnboardingItem.objects.get(pk=self.items[ItemKind.CONTRACT].pk)
        self.assertEqual((item.done_on, item.done_by), (timezone.localdate(), self.coordinator))
        self.assertTrue(AuditEvent.objects.filter(verb="onboarding.item_done").exists())
        self.client.post(url, {"done": "0"})
        item.refresh_from_db()
        self.assertIsNone(item.done_on)
        self.assertTrue(AuditEvent.objects.filter(verb="onboarding.item_reopened").exists())

    def test_ticking_with_htmx_answers_the_row(self) -> None:
        self.login(self.coordinator)
        response = self.client.post(
            self.tick_url(ItemKind.SUPERVISION), {"done": "1"}, headers={"HX-Request": "true"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, f'id="item-{self.items[ItemKind.SUPERVISION].pk}"')
        self.assertContains(response, "Udført")
        self.assertNotContains(response, "<html")
        # The count above the list follows, out of band.
        self.assertContains(response, 'id="onboarding-progress" hx-swap-oob="true"')
        self.assertContains(response, "1 af 5 trin udført.")

    def test_unsafe_back_address_is_ignored(self) -> None:
        self.login(self.coordinator)
        response = self.client.post(
            self.tick_url(ItemKind.CONTRACT), {"done": "1", "back": "https://evil.example/"}
        )
        self.assertRedirects(response, self.peer_url, fetch_redirect_response=False)

    def test_a_bare_word_as_back_address_gives_the_default_not_a_500(self) -> None:
        # redirect() takes a bare word for a view name: "forside" used to raise NoReverseMatch.
        self.login(self.coordinator)
        for hostile in ("forside", "//evil.example/", "/\\evil.example", "javascript:alert(1)"):
            response = self.client.post(
                self.tick_url(ItemKind.CONTRACT), {"done": "1", "back": hostile}
            )
            self.assertRedirects(response, self.peer_url, fetch_redirect_response=False)

    def test_coordinator_changes_due_date_and_responsible(self) -> None:
        self.login(self.coordinator)
        item = self.items[ItemKind.INTRODUCTION]
        url = reverse("onboarding:item_edit", args=[item.pk])
        self.assertEqual(self.client.get(url).status_code, 200)
        due = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
        missing_name = self.client.post(url, {"due_on": due, "responsible": "named"})
        self.assertEqual(missing_name.status_code, 422)
        self.assertContains(missing_name, "Skriv navnet på den ansvarlige", status_code=422)
        garbage = self.client.post(url, {"due_on": "i morgen", "responsible": "boss"})
        self.assertEqual(garbage.status_code, 422)
        response = self.client.post(
            url, {"due_on": due, "responsible": "named", "responsible_name": "Lise Holm"}
        )
        self.assertRedirects(response, self.peer_url, fetch_redirect_response=False)
        item.refresh_from_db()
        self.assertEqual(item.responsible, Responsible.NAMED)
        self.assertEqual(item.responsible_name, "Lise Holm")
        self.assertEqual(item.due_on.isoformat(), due)
        event = AuditEvent.objects.get(verb="onboarding.item_changed")
        self.assertEqual(event.data["fields"], ["due_on", "responsible", "responsible_name"])

    def test_other_coordinator_gets_404_everywhere(self) -> None:
        self.login(self.other_coordinator)
        item = self.items[ItemKind.CONTRACT]
        self.assertEqual(self.client.get(self.peer_url).status_code, 404)
        self.assertEqual(
            self.client.post(self.tick_url(ItemKind.CONTRACT), {"done": "1"}).status_code, 404
        )
        self.assertEqual(
            self.client.get(reverse("onboarding:item_edit", args=[item.pk])).status_code, 404
        )
        self.assertNotContains(self.client.get(reverse("onboarding:overview")), "Hanne")
        item.refresh_from_db()
        self.assertIsNone(item.done_on)

    def test_overview_writes_one_entry_and_an_empty_one_or_a_refusal_none(self) -> None:
        seq = AccessLogEntry.objects.order_by("-seq").values_list("seq", flat=True)
        url = reverse("onboarding:overview")
        for user, status, entries in (
            (self.coordinator, 200, 1),
            (self.other_coordinator, 200, 0),  # follows no new peer: an empty list
            (self.peer, 403, 0),
        ):
            with self.subTest(user=str(user)):
                self.login(user)
                before = seq.first() or 0
                self.assertEqual(self.client.get(url).status_code, status)
                new = list(AccessLogEntry.objects.filter(seq__gt=before))
                self.assertEqual(len(new), entries)
                self.assertTrue(all((e.action, e.persons) == ("search", set()) for e in new))

    def test_bad_ids_are_404(self) -> None:
        self.login(self.coordinator)
        self.assertEqual(self.client.get("/onboarding/peer/999999/").status_code, 404)
        self.assertEqual(self.client.post("/onboarding/punkt/999999/afkryds/").status_code, 404)

    def test_overview_lists_open_onboardings_with_counts(self) -> None:
        self.login(self.coordinator)
        response = self.client.get(reverse("onboarding:overview"))
        self.assertContains(response, f'id="peer-{self.new_peer.pk}"')
        row = response.context["rows"][0]
        self.assertEqual((row.items_done, row.items_total, row.items_overdue), (0, 5, 3))
        self.assertEqual(row.newest_invitation.state(), "pending")
        for item in self.items.values():
            self.client.post(reverse("onboarding:tick", args=[item.pk]), {"done": "1"})
        self.assertNotContains(
            self.client.get(reverse("onboarding:overview")), f'id="peer-{self.new_peer.pk}"'
        )
        self.assertContains(
            self.client.get(reverse("onboarding:overview") + "?alle=1"),
            f'id="peer-{self.new_peer.pk}"',
        )


class PeerChecklistTests(ChecklistTestCase):
    def test_new_peer_sees_own_checklist_on_home_and_ticks_own_step(self) -> None:
        self.login(self.new_peer)
        home = self.client.get(reverse("desk:home"))
        self.assertContains(home, 'id="onboarding"')
        it = self.items[ItemKind.IT_SECURITY]
        contract = self.items[ItemKind.CONTRACT]
        self.assertContains(home, f'id="tick-{it.pk}"')
        self.assertNotContains(home, f'id="tick-{contract.pk}"')
        self.assertNotContains(home, "/rediger/")
        self.assertContains(home, "Ansvarlig: Dig")
        response = self.client.post(
            self.tick_url(ItemKind.IT_SECURITY), {"done": "1", "back": "/hjem/"}
        )
        self.assertRedirects(response, "/hjem/", fetch_redirect_response=False)
        it.refresh_from_db()
        self.assertEqual(it.done_by, self.new_peer.user)
        mine = self.client.get(reverse("onboarding:mine"))
        self.assertContains(mine, f'id="untick-{it.pk}"')

    def test_peer_cannot_tick_steps_that_are_not_theirs(self) -> None:
        self.login(self.new_peer)
        response = self.client.post(self.tick_url(ItemKind.CONTRACT), {"done": "1"})
        self.assertEqual(response.status_code, 403)
        self.assertIsNone(OnboardingItem.objects.get(pk=self.items[ItemKind.CONTRACT].pk).done_on)

    def test_other_peer_gets_404_for_someone_elses_step(self) -> None:
        self.login(self.other_peer)
        response = self.client.post(self.tick_url(ItemKind.IT_SECURITY), {"done": "1"})
        self.assertEqual(response.status_code, 404)
        self.assertNotContains(self.client.get(reverse("desk:home")), 'id="onboarding"')
        self.assertContains(self.client.get(reverse("onboarding:mine")), "ingen tjekliste")

    def test_home_section_disappears_when_every_step_is_done(self) -> None:
        for item in self.items.values():
            item.done_on, item.done_by = timezone.localdate(), self.coordinator
            item.save()
        self.login(self.new_peer)
        self.assertNotContains(self.client.get(reverse("desk:home")), 'id="onboarding"')

    def test_peer_home_query_count_does_not_grow_with_the_checklist(self) -> None:
        self.login(self.new_peer)
        with count_queries() as before:
            self.client.get(reverse("desk:home"))
        # More peers with checklists elsewhere do not change the new peer's home.
        for index in range(3):
            application = make_application(self.posting, email=f"p{index}@example.org")
            make_hire(self.coordinator, application, username=f"extra{index}")
        with count_queries() as after:
            self.client.get(reverse("desk:home"))
        self.assertEqual(len(after), len(before))


class RoleMatrixTests(ChecklistTestCase):
    def test_who_reaches_which_page(self) -> None:
        item = self.items[ItemKind.CONTRACT]
        pages = {
            reverse("onboarding:overview"): {"coordinator": 200, "peer": 403},
            self.peer_url: {"coordinator": 200, "peer": 403},
            reverse("onboarding:item_edit", args=[item.pk]): {"coordinator": 200, "peer": 403},
            reverse("onboarding:mine"): {"coordinator": 403, "peer": 200},
        }
        others = (self.clinician, self.evaluator, self.admin)
        for url, expected in pages.items():
            with self.subTest(url=url):
                self.login(self.coordinator)
                self.assertEqual(self.client.get(url).status_code, expected["coordinator"])
                self.login(self.new_peer)
                self.assertEqual(self.client.get(url).status_code, expected["peer"])
                for user in others:
                    self.login(user)
                    self.assertEqual(self.client.get(url).status_code, 403, str(user))
                self.client.logout()
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertIn("/log-ind/", response["Location"])
        tick = self.tick_url(ItemKind.CONTRACT)
        for user in others:
            self.login(user)
            self.assertEqual(self.client.post(tick, {"done": "1"}).status_code, 403)
        self.client.logout()
        self.assertEqual(self.client.post(tick, {"done": "1"}).status_code, 302)
        self.login(self.coordinator)
        self.assertEqual(self.client.get(tick).status_code, 405)
        item.refresh_from_db()
        self.assertIsNone(item.done_on)


class QueryBudgetTests(ChecklistTestCase):
    def test_onboarding_status_is_one_query(self) -> None:
        peers = [self.new_peer]
        for index in range(3):
            application = make_application(self.posting, email=f"q{index}@example.org")
            record, _token = make_hire(self.coordinator, application, username=f"q{index}")
            peers.append(record.peer)
        self.client.logout()
        self.login(self.coordinator)
        self.client.post(self.tick_url(ItemKind.SUPERVISION), {"done": "1"})
        ids = [peer.pk for peer in peers] + [self.peer.pk]
        with CaptureQueriesContext(connection) as queries:
            status = onboarding_status(ids)
        self.assertEqual(len(queries), 1)
        self.assertEqual(status[self.new_peer.pk], OnboardingStatus(done=1, total=5, overdue=3))
        self.assertEqual(status[peers[1].pk], (0, 5, 3))
        self.assertNotIn(self.peer.pk, status)  # no checklist: absent

    def test_pages_keep_their_query_count_with_more_data(self) -> None:
        self.login(self.coordinator)
        overview = reverse("onboarding:overview")
        with count_queries() as overview_before:
            self.client.get(overview)
        with count_queries() as page_before:
            self.client.get(self.peer_url)
        for index in range(4):
            application = make_application(self.posting, email=f"b{index}@example.org")
            record, _token = make_hire(self.coordinator, application, username=f"b{index}")
            self.assertEqual(OnboardingItem.objects.filter(peer=record.peer).count(), 5)
        first = OnboardingItem.objects.filter(peer=self.new_peer).first()
        assert first is not None
        self.client.post(reverse("onboarding:tick", args=[first.pk]), {"done": "1"})
        with count_queries() as overview_after:
            response = self.client.get(overview)
        self.assertEqual(len(response.context["rows"]), 5)
        with count_queries() as page_after:
            self.client.get(self.peer_url)
        self.assertEqual(len(overview_after), len(overview_before))
        self.assertEqual(len(page_after), len(page_before))


class OverviewPagingTests(ChecklistTestCase):
    def test_the_overview_pages_past_25_new_peers_with_the_same_queries(self) -> None:
        self.login(self.coordinator)
        url = reverse("onboarding:overview")
        make_hire(
            self.coordinator,
            make_application(self.posting, email="a@example.org"),
            username="anden",
        )
        with count_queries() as two:
            self.client.get(url)
        for index in range(PAGE_SIZE):
            application = make_application(self.posting, email=f"p{index}@example.org")
            make_hire(self.coordinator, application, username=f"p{index}")
        with count_queries() as many:
            first = self.client.get(url, {"alle": "1"})
        self.assertEqual(len(many), len(two))
        total = PAGE_SIZE + 2
        self.assertEqual(len(first.context["rows"]), PAGE_SIZE)
        self.assertContains(first, f"1\u2013{PAGE_SIZE} af {total}")
        self.assertContains(first, f"{total} nye peer-medarbejdere")
        self.assertContains(first, 'href="?alle=1&amp;page=2"')
        last = self.client.get(url, {"alle": "1", "page": "2"})
        self.assertEqual(len(last.context["rows"]), total - PAGE_SIZE)
        self.assertIsNotNone(last.context["rows"][0].newest_invitation)
        # Done onboardings are left out in the query, so the count is of open ones.
        for item in OnboardingItem.objects.filter(peer=self.new_peer):
            self.client.post(reverse("onboarding:tick", args=[item.pk]), {"done": "1"})
        self.assertContains(self.client.get(url), f"1\u2013{PAGE_SIZE} af {total - 1}")
