"""Through HTTP with the cast: who sees what, refusals with the form kept, query budgets."""

import datetime
from typing import Any

import time_machine
from django.urls import reverse

from brobygger.audit.models import AccessLogEntry
from brobygger.lib.dates import local_datetime
from brobygger.lib.paging import PAGE_SIZE
from brobygger.testing import count_queries, make_peer
from brobygger.timesheets.models import IndirectEntry, Timesheet, TimesheetState

from .helpers import TimesheetTestCase, at, next_month, this_month

D = datetime.date


NOON = datetime.time(12)


class RoleMatrixTests(TimesheetTestCase):
    def test_role_matrix(self):
        entry = self.entry(D(2026, 4, 8), 30)
        self.confirmed(2026, 4)
        peer_pages = [
            reverse("timesheets:my_month"),
            reverse("timesheets:my_month_of", args=[2026, 4]),
        ]
        coordinator_pages = [
            reverse("timesheets:overview"),
            reverse("timesheets:overview_of", args=[2026, 4]),
            reverse("timesheets:payroll", args=[2026, 4]),
        ]
        peer_month = reverse("timesheets:peer_month", args=[2026, 4, self.peer.pk])
        edit = reverse("timesheets:entry_edit", args=[entry.pk])
        cases: list[tuple[Any, str, int]] = []
        for url in peer_pages:
            cases += [
                (self.peer, url, 200),
                (self.relative_peer, url, 200),
                (self.coordinator, url, 403),
                (self.clinician, url, 403),
                (self.evaluator, url, 403),
                (self.admin, url, 403),
            ]
        for url in coordinator_pages:
            cases += [
                (self.coordinator, url, 200),
                (self.other_coordinator, url, 200),  # their own units' peers
                (self.peer, url, 403),
                (self.clinician, url, 403),
                (self.evaluator, url, 403),
                (self.admin, url, 403),
            ]
        cases += [
            (self.coordinator, peer_month, 200),
            (self.other_coordinator, peer_month, 404),  # the peer works in another unit
            (self.peer, peer_month, 403),
            (self.evaluator, peer_month, 403),
            (self.clinician, peer_month, 403),
            (self.peer, edit, 200),
            (self.other_peer, edit, 404),  # someone else's entry
            (self.coordinator, edit, 403),
            (self.evaluator, edit, 403),
        ]
        for user, url, status in cases:
            with self.subTest(user=str(user), url=url):
                self.login(user)
                self.assertEqual(self.client.get(url).status_code, status)

    def test_anonymous_is_sent_to_login(self):
        for url in (
            reverse("timesheets:my_month"),
            reverse("timesheets:overview"),
            reverse("timesheets:payroll", args=[2026, 4]),
            reverse("timesheets:peer_month", args=[2026, 4, self.peer.pk]),
        ):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertIn("/log-ind/", response["Location"])

    def test_outsiders_cannot_change_anything(self):
        entry = self.entry(D(2026, 4, 8), 30)
        sheet = self.confirmed(2026, 4)
        approve = reverse("timesheets:approve", args=[2026, 4, self.peer.pk])
        cases: list[tuple[Any, str, dict[str, Any], int]] = [
            (self.other_coordinator, approve, {}, 404),
            (self.peer, approve, {}, 403),
            (self.other_peer, reverse("timesheets:entry_delete", args=[entry.pk]), {}, 404),
            (self.coordinator, reverse("timesheets:confirm", args=[2026, 4]), {}, 403),
            (
                self.other_coordinator,
                reverse("timesheets:send_back", args=[2026, 4, self.peer.pk]),
                {"reason": "Nej"},
                404,
            ),
        ]
        for user, url, data, status in cases:
            with self.subTest(user=str(user), url=url):
                self.login(user)
                self.assertEqual(self.client.post(url, data).status_code, status)
        sheet.refresh_from_db()
        self.assertEqual(sheet.state, TimesheetState.CONFIRMED)
        self.assertTrue(IndirectEntry.objects.filter(pk=entry.pk).exists())

    def test_bad_months_and_ids_are_404(self):
        self.login(self.peer)
        future = next_month()
        for url in (
            "/mine-timer/2026/13/",
            "/mine-timer/2026/0/",
            "/mine-timer/1999/5/",
            f"/mine-timer/{future[0]}/{future[1]}/",
            "/mine-timer/indirekte/999999/",
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
        self.login(self.coordinator)
        self.assertEqual(
            self.client.get(reverse("timesheets:peer_month", args=[2026, 4, 999999])).status_code,
            404,
        )
        # Approving a month nobody has touched: there is nothing to approve.
        url = reverse("timesheets:approve", args=[2026, 2, self.peer.pk])
        self.assertEqual(self.client.post(url).status_code, 404)

    def test_month_picker_goes_to_the_chosen_month_and_ignores_nonsense(self):
        self.login(self.peer)
        response = self.client.get(reverse("timesheets:my_month"), {"month": "3", "year": "2026"})
        self.assertRedirects(response, reverse("timesheets:my_month_of", args=[2026, 3]))
        response = self.client.get(reverse("timesheets:my_month"), {"month": "x", "year": "2026"})
        self.assertEqual(response.status_code, 200)


class PeerPageTests(TimesheetTestCase):
    def test_peer_sees_sources_days_and_own_entries_only(self):
        self.held(at(D(2026, 4, 7), 10), 45)
        self.entry(D(2026, 4, 8), 30, description="Forberedte gruppen")
        self.entry(D(2026, 4, 8), 20, peer=self.other_peer, description="Andens arbejde")
        self.login(self.peer)
        response = self.client.get(reverse("timesheets:my_month_of", args=[2026, 4]))
        self.assertContains(response, "Forberedte gruppen")
        self.assertNotContains(response, "Andens arbejde")
        self.assertContains(response, 'data-day="2026-04-07"')
        self.assertContains(response, 'data-day="2026-04-08"')
        self.assertNotContains(response, "Dorte")  # no names of persons on the hours page
        self.assertEqual(response.context["figures"].total, 75)

    def test_add_change_and_delete_an_entry(self):
        self.login(self.peer)
        url = reverse("timesheets:entry_create", args=[2026, 4])
        data = {
            "date": "2026-04-08",
            "minutes": "30",
            "category": "travel",
            "description": "Kørsel",
        }
        response = self.client.post(url, data)
        self.assertRedirects(response, reverse("timesheets:my_month_of", args=[2026, 4]))
        entry = IndirectEntry.objects.get()
        edit = reverse("timesheets:entry_edit", args=[entry.pk])
        response = self.client.post(edit, {**data, "minutes": "45"})
        self.assertEqual(response.status_code, 302)
        entry.refresh_from_db()
        self.assertEqual(entry.minutes, 45)
        self.client.post(reverse("timesheets:entry_delete", args=[entry.pk]))
        self.assertFalse(IndirectEntry.objects.exists())

    def test_bad_entry_shows_the_form_again_with_everything_typed(self):
        self.login(self.peer)
        url = reverse("timesheets:entry_create", args=[2026, 4])
        response = self.client.post(
            url,
            {
                "date": "2026-04-08",
                "minutes": "abc",
                "category": "travel",
                "description": "Kørsel til mødet",
            },
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, 'value="Kørsel til mødet"', status_code=422)
        self.assertFalse(IndirectEntry.objects.exists())

    def test_a_named_person_asks_for_the_tick_box_and_keeps_the_text(self):
        self.login(self.peer)
        url = reverse("timesheets:entry_create", args=[2026, 4])
        data = {
            "date": "2026-04-08",
            "minutes": "30",
            "category": "other",
            "description": "Ringede til Dorte",
        }
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, 'name="general_words"', status_code=422)
        self.assertContains(response, 'value="Ringede til Dorte"', status_code=422)
        response = self.client.post(url, {**data, "general_words": "on"})
        self.assertEqual(response.status_code, 302)

    def test_locked_month_refuses_with_a_message_and_keeps_the_form(self):
        entry = self.entry(D(2026, 4, 8), 30)
        self.approved(2026, 4)
        self.login(self.peer)
        url = reverse("timesheets:entry_create", args=[2026, 4])
        data = {
            "date": "2026-04-09",
            "minutes": "25",
            "category": "meetings",
            "description": "Personalemøde",
        }
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "er godkendt og låst", status_code=422)
        self.assertContains(response, 'value="Personalemøde"', status_code=422)
        self.assertContains(response, 'value="25"', status_code=422)
        edit = reverse("timesheets:entry_edit", args=[entry.pk])
        response = self.client.post(edit, {**data, "date": "2026-04-08"})
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "er godkendt og låst", status_code=422)
        response = self.client.post(
            reverse("timesheets:entry_delete", args=[entry.pk]), follow=True
        )
        self.assertContains(response, "er godkendt og låst")
        self.assertEqual(IndirectEntry.objects.count(), 1)
        entry.refresh_from_db()
        self.assertEqual(entry.minutes, 30)

    def test_confirm_and_take_back(self):
        self.login(self.peer)
        self.client.post(reverse("timesheets:confirm", args=[2026, 4]))
        sheet = Timesheet.objects.get(peer=self.peer, year=2026, month=4)
        self.assertEqual(sheet.state, TimesheetState.CONFIRMED)
        self.client.post(reverse("timesheets:withdraw", args=[2026, 4]))
        sheet.refresh_from_db()
        self.assertEqual(sheet.state, TimesheetState.DRAFT)

    def test_confirming_too_early_says_so(self):
        year, month = this_month()
        self.login(self.peer)
        # The 10th, whatever day the suite runs on: a month can be confirmed from its last day.
        with time_machine.travel(local_datetime(datetime.date(year, month, 10), NOON), tick=False):
            response = self.client.post(
                reverse("timesheets:confirm", args=[year, month]), follow=True
            )
        self.assertContains(response, "kan bekræftes fra")
        self.assertFalse(Timesheet.objects.filter(state=TimesheetState.CONFIRMED).exists())


class CoordinatorPageTests(TimesheetTestCase):
    def test_overview_lists_own_units_peers_with_state_and_flags(self):
        self.held(at(D(2026, 4, 7), 10), 45)
        self.approved(2026, 4)
        outsider = make_peer("outsider", units=(self.other_unit,))
        self.login(self.coordinator)
        response = self.client.get(reverse("timesheets:overview_of", args=[2026, 4]))
        lines = {line["peer_id"]: line for line in response.context["lines"]}
        self.assertIn(self.peer.pk, lines)
        self.assertNotIn(outsider.pk, lines)
        self.assertEqual(lines[self.peer.pk]["figures"].state, TimesheetState.APPROVED)
        self.assertTrue(lines[self.peer.pk]["figures"].under)  # 45 minutes of 30+ hours
        self.assertEqual(response.context["counts"]["approved"], 1)
        self.assertTrue(
            AccessLogEntry.objects.filter(
                user=self.coordinator, action="search", purpose="administration"
            ).exists()
        )

    def test_overview_and_payroll_write_one_entry_each_naming_no_patient(self):
        self.held(at(D(2026, 4, 7), 10), 45)
        seq = AccessLogEntry.objects.order_by("-seq").values_list("seq", flat=True)
        for name, action, user, status in (
            ("timesheets:overview_of", "search", self.coordinator, 200),
            ("timesheets:payroll", "export", self.coordinator, 200),
            ("timesheets:overview_of", "", self.peer, 403),
            ("timesheets:payroll", "", self.peer, 403),
        ):
            with self.subTest(name=name, user=str(user)):
                self.login(user)
                before = seq.first() or 0
                response = self.client.get(reverse(name, args=[2026, 4]))
                self.assertEqual(response.status_code, status)
                entries = list(AccessLogEntry.objects.filter(seq__gt=before))
                if not action:
                    self.assertEqual(entries, [])
                    continue
                [entry] = entries
                self.assertEqual((entry.action, entry.persons), (action, set()))

    def test_approve_locks_and_the_look_is_logged(self):
        self.confirmed(2026, 4)
        self.login(self.coordinator)
        url = reverse("timesheets:peer_month", args=[2026, 4, self.peer.pk])
        self.assertContains(self.client.get(url), 'data-testid="approve"')
        self.assertTrue(
            AccessLogEntry.objects.filter(
                user=self.coordinator,
                action="view",
                object_type="people.peerworker",
                object_id=self.peer.pk,
            ).exists()
        )
        self.client.post(reverse("timesheets:approve", args=[2026, 4, self.peer.pk]))
        sheet = Timesheet.objects.get(peer=self.peer, year=2026, month=4)
        self.assertEqual(sheet.state, TimesheetState.APPROVED)
        self.assertEqual(sheet.approved_by, self.coordinator)

    def test_send_back_without_a_reason_shows_the_form_again(self):
        self.confirmed(2026, 4)
        self.login(self.coordinator)
        url = reverse("timesheets:send_back", args=[2026, 4, self.peer.pk])
        response = self.client.post(url, {"reason": ""})
        self.assertEqual(response.status_code, 422)
        response = self.client.post(url, {"reason": "Tjek transporttiden"})
        self.assertEqual(response.status_code, 302)
        self.login(self.peer)
        page = self.client.get(reverse("timesheets:my_month_of", args=[2026, 4]))
        self.assertContains(page, "Tjek transporttiden")

    def test_reopen_and_approve_again(self):
        self.approved(2026, 4)
        self.login(self.coordinator)
        url = reverse("timesheets:reopen", args=[2026, 4, self.peer.pk])
        response = self.client.post(url, {"reason": "Der manglede supervision"})
        self.assertEqual(response.status_code, 302)
        sheet = Timesheet.objects.get(peer=self.peer, year=2026, month=4)
        self.assertEqual(sheet.state, TimesheetState.DRAFT)


class QueryBudgetTests(TimesheetTestCase):
    def overview_queries(self) -> int:
        self.login(self.coordinator)
        url = reverse("timesheets:overview_of", args=[2026, 4])
        self.client.get(url)  # warm the session and caches
        with count_queries() as queries:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(queries)

    def test_overview_is_constant_in_the_number_of_peers(self):
        self.held(at(D(2026, 4, 7), 10), 45)
        self.approved(2026, 4)
        few = self.overview_queries()
        for i in range(6):
            peer = make_peer(f"extra{i}", units=(self.unit,))
            self.entry(D(2026, 4, 8), 30, peer=peer)
            if i % 2:
                self.approved(2026, 4, peer)
        self.assertEqual(self.overview_queries(), few)

    def test_overview_pages_past_25_peers_with_the_same_queries(self):
        self.held(at(D(2026, 4, 7), 10), 45)
        make_peer("second", units=(self.unit,))
        two = self.overview_queries()
        for i in range(PAGE_SIZE + 6):
            peer = make_peer(f"more{i:02d}", units=(self.unit,))
            self.entry(D(2026, 4, 8), 30, peer=peer)
            if i % 3 == 0:
                self.approved(2026, 4, peer)
        self.assertEqual(self.overview_queries(), two)
        url = reverse("timesheets:overview_of", args=[2026, 4])
        first = self.client.get(url).context
        self.assertEqual(len(first["lines"]), PAGE_SIZE)
        self.assertEqual(sum(first["counts"].values()), first["page"].paginator.count)
        approved = self.client.get(url, {"enhed": str(self.unit.pk), "status": "approved"})
        states = {line["figures"].state for line in approved.context["lines"]}
        self.assertEqual(states, {"approved"})
        self.assertEqual(
            approved.context["page"].paginator.count, approved.context["counts"]["approved"]
        )
        second = self.client.get(url, {"page": "2"}).context["lines"]
        self.assertEqual(len(second), first["page"].paginator.count - PAGE_SIZE)
        self.assertEqual(self.client.get(url, {"status": "nonsense"}).status_code, 200)

    def test_peer_month_page_is_constant_in_the_amount_of_work(self):
        self.login(self.peer)
        url = reverse("timesheets:my_month_of", args=[2026, 4])
        self.entry(D(2026, 4, 8), 30)
        self.client.get(url)
        with count_queries() as before:
            self.client.get(url)
        for day in (7, 9, 14, 15, 16):
            self.held(at(D(2026, 4, day), 10), 45)
            self.entry(D(2026, 4, day), 20)
        with count_queries() as after:
            self.client.get(url)
        self.assertEqual(len(after), len(before))
