"""Who reaches which workforce page, the overview's flags, and its query budget."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone

from brobygger.audit.models import AccessLogEntry
from brobygger.lib.paging import PAGE_SIZE
from brobygger.onboarding import services as onboarding_services
from brobygger.people import services as people_services
from brobygger.testing import count_queries, make_peer
from brobygger.workforce import services

from .helpers import WorkforceTestCase, make_group, make_record, make_session


class RoleMatrixTests(WorkforceTestCase):
    def test_role_matrix(self):
        peer, record, group, session = self.peer.pk, self.record.pk, self.group.pk, self.held.pk
        lists = [
            reverse("workforce:overview"),
            reverse("workforce:education_overview"),
            reverse("workforce:group_list"),
            reverse("workforce:group_create"),
        ]
        objects = [
            reverse("workforce:peer_education", args=[peer]),
            reverse("workforce:education_create", args=[peer]),
            reverse("workforce:education_edit", args=[record]),
            reverse("workforce:peer_supervision", args=[peer]),
            reverse("workforce:group_detail", args=[group]),
            reverse("workforce:group_edit", args=[group]),
            reverse("workforce:session_create", args=[group]),
            reverse("workforce:session_detail", args=[session]),
            reverse("workforce:session_edit", args=[session]),
        ]
        own = reverse("workforce:my_supervision")
        cases: list[tuple[Any, str, int]] = []
        for url in lists:
            cases += [(self.coordinator, url, 200), (self.other_coordinator, url, 200)]
        for url in objects:
            cases += [(self.coordinator, url, 200), (self.other_coordinator, url, 404)]
        for url in [*lists, *objects]:
            for outsider in (
                self.peer,
                self.relative_peer,
                self.clinician,
                self.evaluator,
                self.admin,
            ):
                cases.append((outsider, url, 403))
        cases += [
            (self.peer, own, 200),
            (self.other_peer, own, 200),
            (self.relative_peer, own, 200),
            (self.coordinator, own, 403),
            (self.clinician, own, 403),
            (self.evaluator, own, 403),
            (self.admin, own, 403),
            # A peer of another unit is not this coordinator's to see.
            (self.coordinator, reverse("workforce:peer_education", args=[self.far_peer.pk]), 404),
            (self.coordinator, reverse("workforce:peer_supervision", args=[999999]), 404),
        ]
        for user, url, status in cases:
            with self.subTest(user=str(user), url=url):
                self.login(user)
                self.assertEqual(self.client.get(url).status_code, status)

    def test_anonymous_visitors_are_sent_to_the_login(self):
        for url in (reverse("workforce:overview"), reverse("workforce:my_supervision")):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertIn(reverse("accounts:login"), response["Location"])

    def test_outsiders_cannot_change_anything(self):
        posts = [
            (reverse("workforce:education_delete", args=[self.record.pk]), {}),
            (reverse("workforce:group_close", args=[self.group.pk]), {}),
            (reverse("workforce:session_delete", args=[self.coming.pk]), {}),
            (
                reverse("workforce:session_detail", args=[self.held.pk]),
                {f"p{self.peer.pk}": "absent"},
            ),
            (reverse("workforce:education_create", args=[self.peer.pk]), {"title": "x"}),
        ]
        for user, status in (
            (self.other_coordinator, 404),
            (self.peer, 403),
            (self.clinician, 403),
        ):
            for url, data in posts:
                with self.subTest(user=str(user), url=url):
                    self.login(user)
                    self.assertEqual(self.client.post(url, data).status_code, status)
        self.record.refresh_from_db()
        self.group.refresh_from_db()
        self.assertIsNone(self.group.closed_at)
        self.assertTrue(self.held.attendance.filter(peer=self.peer, status="present").exists())
        self.assertEqual(self.group.sessions.count(), 2)

    def test_bad_ids_are_404_not_500(self):
        self.login(self.coordinator)
        for url in (
            reverse("workforce:education_edit", args=[999999]),
            reverse("workforce:group_detail", args=[999999]),
            reverse("workforce:session_detail", args=[999999]),
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
        response = self.client.get(reverse("workforce:overview"), {"unit": "abc", "kind": "x"})
        self.assertEqual(response.status_code, 200)


class OverviewTests(WorkforceTestCase):
    def test_rows_flags_and_counts(self):
        today = timezone.localdate()
        people_services.update_peer_worker(
            actor=None,
            peer=self.other_peer,
            contract_end=today + datetime.timedelta(days=30),
        )
        # Steps due from the contract start (1 January 2026): all overdue by now.
        onboarding_services.create_checklist(actor=self.coordinator, peer=self.other_peer)
        make_record(
            self.relative_peer,
            starts_on=today + datetime.timedelta(days=40),
            ends_on=today + datetime.timedelta(days=120),
            status="planned",
        )
        self.login(self.coordinator)
        response = self.client.get(reverse("workforce:overview"))
        rows = {row.peer.pk: row for row in response.context["rows"]}
        self.assertEqual(set(rows), {self.peer.pk, self.other_peer.pk, self.relative_peer.pk})
        self.assertEqual(rows[self.peer.pk].flags, [])
        # Other peer: contract ends in 30 days, no education, absent from the only session.
        self.assertEqual(
            rows[self.other_peer.pk].flags, ["contract", "education", "overdue", "onboarding"]
        )
        onboarding = rows[self.other_peer.pk].onboarding
        self.assertEqual((onboarding.done, onboarding.overdue), (0, onboarding.total))
        self.assertIsNone(rows[self.peer.pk].onboarding)
        self.assertEqual(rows[self.peer.pk].month.state, "draft")
        self.assertEqual(rows[self.other_peer.pk].contract_days_left, 30)
        self.assertEqual(rows[self.relative_peer.pk].flags, ["education", "no_group"])
        self.assertEqual(
            rows[self.relative_peer.pk].education_next.starts_on,
            today + datetime.timedelta(days=40),
        )
        counts = response.context["counts"]
        self.assertEqual(
            {k: counts[k] for k in ("peers", "contract", "education", "unplanned", "overdue")},
            {"peers": 3, "contract": 1, "education": 2, "unplanned": 1, "overdue": 1},
        )
        self.assertEqual((counts["no_group"], counts["onboarding"]), (1, 1))
        self.assertContains(response, reverse("people:peer_detail", args=[self.peer.pk]))
        self.assertContains(response, reverse("workforce:peer_education", args=[self.peer.pk]))
        self.assertContains(response, reverse("workforce:peer_supervision", args=[self.peer.pk]))
        self.assertNotContains(response, "Farpeer")

    def test_filters_by_unit_kind_and_flags(self):
        self.login(self.coordinator)
        url = reverse("workforce:overview")
        flagged = self.client.get(url, {"flags": "on"}).context["rows"]
        self.assertEqual({r.peer for r in flagged}, {self.other_peer, self.relative_peer})
        relatives = self.client.get(url, {"kind": "relative_peer"}).context["rows"]
        self.assertEqual([r.peer for r in relatives], [self.relative_peer])
        other_unit = self.client.get(url, {"unit": str(self.other_unit.pk)})
        # Not one of this coordinator's units: the choice is refused, all rows shown.
        self.assertEqual(len(other_unit.context["rows"]), 3)
        self.assertIn("unit", other_unit.context["form"].errors)

    def test_the_overview_is_logged_without_names(self):
        self.login(self.coordinator)
        before = AccessLogEntry.objects.count()
        self.client.get(reverse("workforce:overview"))
        entry = AccessLogEntry.objects.latest("seq")
        self.assertEqual(AccessLogEntry.objects.count(), before + 1)
        self.assertEqual((entry.action, entry.purpose), ("search", "coordination"))

    def test_each_coordinator_page_writes_one_entry_and_a_refusal_none(self):
        group = make_group([self.peer], unit=self.unit)
        session = make_session(group, timezone.now() - datetime.timedelta(days=4))
        urls = [
            reverse("workforce:overview"),
            reverse("workforce:education_overview"),
            reverse("workforce:peer_education", args=[self.peer.pk]),
            reverse("workforce:peer_supervision", args=[self.peer.pk]),
            reverse("workforce:group_detail", args=[group.pk]),
            reverse("workforce:session_detail", args=[session.pk]),
        ]
        seq = AccessLogEntry.objects.order_by("-seq").values_list("seq", flat=True)
        for user, status, entries in ((self.coordinator, 200, 1), (self.peer, 403, 0)):
            self.login(user)
            for url in urls:
                with self.subTest(user=str(user), url=url):
                    before = seq.first() or 0
                    self.assertEqual(self.client.get(url).status_code, status)
                    new = list(AccessLogEntry.objects.filter(seq__gt=before))
                    self.assertEqual(len(new), entries)
                    # Peers are staff, not persons of the programme: no person named.
                    self.assertTrue(all(entry.persons == set() for entry in new))
        self.login(self.other_coordinator)
        before = seq.first() or 0
        for url in urls[2:]:
            self.assertEqual(self.client.get(url).status_code, 404, url)
        self.assertFalse(AccessLogEntry.objects.filter(seq__gt=before).exists())

    def test_no_names_in_the_title(self):
        self.login(self.coordinator)
        for url in (
            reverse("workforce:peer_education", args=[self.peer.pk]),
            reverse("workforce:peer_supervision", args=[self.peer.pk]),
        ):
            html = self.client.get(url).content.decode()
            title = html.split("<title>")[1].split("</title>")[0]
            self.assertNotIn("Peer Peer", title)


class QueryBudgetTests(WorkforceTestCase):
    def add_peers(self, count: int, start: int) -> None:
        today = timezone.localdate()
        group = make_group([], name=f"Gruppe {start}", target_days=21)
        session = make_session(group, timezone.now() - datetime.timedelta(days=5))
        for n in range(start, start + count):
            peer = make_peer(f"extra{n}", units=(self.unit, self.other_unit))
            group.members.add(peer)
            make_record(
                peer,
                starts_on=today + datetime.timedelta(days=10),
                ends_on=today + datetime.timedelta(days=50),
                status="planned",
                cost=Decimal(1000),
            )
            services.record_attendance(actor=None, session=session, statuses={peer.pk: "present"})

    def queries(self, url: str) -> int:
        with count_queries() as context:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(context.captured_queries)

    def test_main_pages_use_a_constant_number_of_queries(self):
        self.login(self.coordinator)
        urls = [
            reverse("workforce:overview"),
            reverse("workforce:overview") + "?flags=on&kind=patient_peer",
            reverse("workforce:education_overview"),
            reverse("workforce:group_list"),
            reverse("workforce:group_detail", args=[self.group.pk]),
        ]
        self.add_peers(3, 0)
        small = {url: self.queries(url) for url in urls}
        self.add_peers(PAGE_SIZE + 5, 10)  # more than a page
        self.group.members.add(
            *self.group.members.model.objects.filter(user__username__startswith="extra")
        )
        large = {url: self.queries(url) for url in urls}
        self.assertEqual(small, large)
        overview = self.client.get(urls[0]).context
        self.assertEqual(len(overview["rows"]), PAGE_SIZE)
        self.assertEqual(overview["counts"]["peers"], overview["page"].paginator.count)
        self.assertGreater(overview["counts"]["peers"], PAGE_SIZE)
        # Own reads 8, the month summary of the timesheets up to 8 more when months are drafts.
        self.assertLessEqual(small[urls[0]], 26)
