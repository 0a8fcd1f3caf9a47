"""The programme dashboard: who may see it, what it counts, and that it stays cheap."""

from __future__ import annotations

import re
from decimal import Decimal

from django.urls import reverse

from brobygger.audit.models import AccessLogEntry
from brobygger.reports.published import decimal
from brobygger.testing import BaseTestCase, count_queries, make_peer, make_user
from brobygger.timesheets.hours import KINDS
from brobygger.timesheets.services import add_entry

from .helpers import at_today, build_programme, days_ago

URL = reverse("reports:dashboard")


def cell(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{re.escape(testid)}"[^>]*>([^<]*)<', html)
    assert match, f"no {testid} in the page"
    return match.group(1).strip()


class DashboardAccessTests(BaseTestCase):
    def test_anonymous_is_sent_to_login(self) -> None:
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("accounts:login"), response["Location"])

    def test_role_matrix(self) -> None:
        expected = {
            self.coordinator: 200,
            self.evaluator: 200,
            self.peer: 403,
            self.relative_peer: 403,
            self.clinician: 403,
            self.admin: 403,
        }
        for user, status in expected.items():
            with self.subTest(user=str(user)):
                self.login(user)
                self.assertEqual(self.client.get(URL).status_code, status)
                self.client.logout()

    def test_post_is_not_allowed(self) -> None:
        self.login(self.coordinator)
        self.assertEqual(self.client.post(URL).status_code, 405)

    def test_peer_hours_write_one_entry_and_aggregates_none(self) -> None:
        """The coordinator's page names their peers with their hours: one entry, naming no
        patient. The evaluator's page, the funder files and a refusal name nobody."""
        seq = AccessLogEntry.objects.order_by("-seq").values_list("seq", flat=True)
        csv = reverse("reports:funder_csv")
        for user, url, status, entries in (
            (self.coordinator, URL, 200, 1),
            (self.evaluator, URL, 200, 0),
            (self.coordinator, csv, 200, 0),
            (self.peer, URL, 403, 0),
        ):
            with self.subTest(user=str(user), url=url):
                self.login(user)
                before = seq.first() or 0
                response = self.client.get(url)
                self.assertEqual(response.status_code, status)
                new = list(AccessLogEntry.objects.filter(seq__gt=before))
                self.assertEqual(len(new), entries)
                if entries:
                    self.assertTrue(response.context["p"].peer_rows)
                    self.assertEqual((new[0].action, new[0].persons), ("search", set()))


@at_today()
class DashboardFigureTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        build_programme(
            unit=cls.unit, peer=cls.peer, relative_peer=cls.relative_peer, actor=cls.coordinator
        )

    def test_coordinator_sees_exact_figures_of_their_units(self) -> None:
        self.login(self.coordinator)
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        p = response.context["p"]
        # Alice and Bob (cast) + three referred patients + one relative; group members have
        # no course. Carol is in the other unit.
        self.assertEqual(p.persons.total, "6")
        self.assertEqual(p.referrals.total, "3")
        self.assertEqual(p.conversations.total, "6")  # three on the ward, three by phone
        # Minutes: the noted 50 for each ward talk, the booked 30 for each phone call.
        self.assertEqual(p.minutes_total, str(3 * 50 + 3 * 30))
        # Columns: individual, group, relative, bridge, all.
        self.assertEqual(cell(html, "outcome-n-0"), "2")  # individual model: two pairs
        self.assertEqual(cell(html, "outcome-n-3"), "1")  # bridge
        self.assertEqual(cell(html, "outcome-n-4"), "3")  # all models
        self.assertEqual(cell(html, "outcome-answered-4"), "6")  # answered in the period
        self.assertEqual(p.groups["rate"], "\u2013")  # 1 of 2: too few for a share
        self.assertEqual(p.groups["present"], "1")
        readmissions = {row.key: row.cells for row in p.readmissions}
        self.assertEqual(readmissions["all"]["within_30"], "1")  # 10 days after discharge
        self.assertEqual(readmissions["all"]["readmitted_30"], "1")
        self.assertEqual(readmissions["all"]["at_risk_30"], "3")
        self.assertEqual(readmissions["all"]["bed_days"], "5")
        self.assertIn('data-testid="readmission-definition"', html)

    def test_hours_count_everything_on_the_timesheet(self) -> None:
        self.login(self.coordinator)
        before = self.client.get(URL).context["p"]
        kinds = dict(zip(KINDS, (value for _label, value in before.hour_kinds), strict=True))
        # Direct work holds the noted or booked minutes of the held talks (the same as the
        # minutes figure above) and the group sessions run.
        self.assertGreaterEqual(parse_decimal(kinds["direct"]), Decimal((3 * 50 + 3 * 30) / 60))
        self.assertEqual(kinds["indirect"], decimal(0))
        for category, minutes in (("preparation", 90), ("travel", 30)):
            add_entry(
                actor=self.peer.user,
                peer=self.peer,
                date=days_ago(3),
                minutes=minutes,
                category=category,
                description="Forberedelse af gruppeforløb",
            )
        after = self.client.get(URL).context["p"]
        kinds = dict(zip(KINDS, (value for _label, value in after.hour_kinds), strict=True))
        self.assertEqual(kinds["indirect"], decimal(1.5))
        self.assertEqual(kinds["transport"], decimal(0.5))
        self.assertEqual(
            parse_decimal(after.hours["total"]) - parse_decimal(before.hours["total"]),
            Decimal("2.0"),
        )
        html = self.client.get(URL).content.decode()
        self.assertIn("Timer: Indirekte arbejde", html)
        self.assertIn("Timer: Transport", html)

    def test_names_of_peers_only_for_the_coordinator(self) -> None:
        self.login(self.coordinator)
        self.assertContains(self.client.get(URL), self.peer.name)
        self.client.logout()
        self.login(self.evaluator)
        self.assertNotContains(self.client.get(URL), self.peer.name)

    def test_evaluator_sees_no_person_and_small_counts_suppressed(self) -> None:
        self.login(self.evaluator)
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        for person in (self.alice, self.bob, self.carol):
            self.assertNotIn(person.given_name, html)
            self.assertNotIn(person.family_name, html)
        self.assertNotIn(self.alice.cpr or "-", html)
        self.assertNotIn("0101901234", html)
        self.assertNotIn("20304050", html)
        self.assertNotIn("Samtale om udskrivelsen", html)  # a note's words
        p = response.context["p"]
        self.assertEqual(p.referrals.total, "<5")
        self.assertEqual(p.groups["present"], "<5")
        self.assertIn("<5", p.persons.cells[1])  # relatives

    def test_filter_by_support_model(self) -> None:
        self.login(self.coordinator)
        response = self.client.get(URL, {"model": "bridge"})
        p = response.context["p"]
        self.assertEqual([k for k, _l in p.models], ["bridge"])
        self.assertEqual(p.persons.total, "1")
        self.assertIsNone(p.groups)  # groups belong to the group model

    def test_period_before_the_activity_counts_nothing(self) -> None:
        self.login(self.coordinator)
        response = self.client.get(URL, {"fra": "2020-01-01", "til": "2020-12-31"})
        p = response.context["p"]
        self.assertEqual(p.persons.total, "0")
        self.assertEqual(p.conversations.total, "0")

    def test_other_coordinator_sees_only_their_unit(self) -> None:
        self.login(self.other_coordinator)
        p = self.client.get(URL).context["p"]
        self.assertEqual(p.persons.total, "0")  # Carol has no course
        self.assertEqual(p.referrals.total, "0")
        self.assertEqual(p.hours["peers"], "0")

    def test_coordinator_cannot_choose_a_unit_outside_theirs(self) -> None:
        self.login(self.coordinator)
        response = self.client.get(URL, {"enhed": self.other_unit.pk})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "error-summary", status_code=400)
        self.assertNotIn("p", response.context)

    def test_evaluator_may_choose_any_unit(self) -> None:
        self.login(self.evaluator)
        response = self.client.get(URL, {"enhed": self.other_unit.pk})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["p"].persons.total, "0")


class DashboardFilterValidationTests(BaseTestCase):
    def test_bad_filters_give_a_clear_danish_message_and_no_500(self) -> None:
        # The coordinator chooses any range of days; the evaluator one calendar year.
        cases = [
            (self.coordinator, {"fra": "i går"}, "ÅÅÅÅ-MM-DD"),
            (self.coordinator, {"fra": "2026-02-30"}, "ÅÅÅÅ-MM-DD"),
            (self.coordinator, {"til": "99999-01-01"}, "ÅÅÅÅ-MM-DD"),
            (self.coordinator, {"fra": "2026-05-01", "til": "2026-04-01"}, "på eller efter"),
            (self.coordinator, {"fra": "2010-01-01", "til": "2026-01-01"}, "fem år"),
            (self.coordinator, {"fra": "1900-01-01", "til": "1900-02-01"}, "år 2000"),
            (self.evaluator, {"fra": "i går"}, "ÅÅÅÅ-MM-DD"),
            (self.evaluator, {"fra": "2026-05-01", "til": "2026-04-01"}, "ikke et helt kalenderår"),
            (self.evaluator, {"aar": "1999"}, "årene på listen"),
            (self.evaluator, {"enhed": "abc"}, "enhederne på listen"),
            (self.evaluator, {"enhed": "999999"}, "enhederne på listen"),
            (self.evaluator, {"model": "nonsense"}, "støttemodellerne på listen"),
        ]  # fmt: skip
        for user, params, words in cases:
            with self.subTest(user=str(user), params=params):
                self.login(user)
                response = self.client.get(URL, params)
                self.assertEqual(response.status_code, 400)
                self.assertContains(response, "error-summary", status_code=400)
                self.assertContains(response, words, status_code=400)

    def test_danish_message_for_a_bad_date(self) -> None:
        self.login(self.evaluator)
        response = self.client.get(URL, {"fra": "31-12-2025"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "ÅÅÅÅ-MM-DD", status_code=400)

    def test_only_a_start_date_runs_to_today(self) -> None:
        self.login(self.coordinator)
        response = self.client.get(URL, {"fra": days_ago(30).isoformat()})
        self.assertEqual(response.status_code, 200)
        scope = response.context["scope"]
        self.assertEqual(scope.date_to, days_ago(0))


class DashboardQueryBudgetTests(BaseTestCase):
    """The page reads a constant number of queries whatever the amount of data."""

    def _count(self, user: object, url: str = URL) -> int:
        self.login(user)
        self.client.get(url)  # warm caches (content types, sessions)
        with count_queries() as queries:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.client.logout()
        return len(queries)

    def test_same_number_of_queries_with_three_times_the_data(self) -> None:
        actor = self.coordinator
        build_programme(
            unit=self.unit, peer=self.peer, relative_peer=self.relative_peer, actor=actor
        )
        csv = reverse("reports:funder_csv")
        one = {u: self._count(u) for u in (self.coordinator, self.evaluator)}
        one_csv = self._count(self.evaluator, csv)
        extra_peer = make_peer("extrapeer", units=(self.unit,))
        extra_relative = make_peer("extrarel", kind="relative_peer", units=(self.unit,))
        build_programme(
            unit=self.unit,
            peer=extra_peer,
            relative_peer=extra_relative,
            actor=actor,
            prefix="Q",
            copies=2,
        )
        make_user("evaluator2", "evaluator")
        three = {u: self._count(u) for u in (self.coordinator, self.evaluator)}
        self.assertEqual(one, three)
        self.assertEqual(one_csv, self._count(self.evaluator, csv))
        # 19 before the hours counted every timesheet source (six queries, see hours.py);
        # one more for the coordinator's access-log entry (the peers' hours); one more for
        # the unread count in the header (notifications).
        self.assertLessEqual(max(three.values()), 28)


def parse_decimal(text: str) -> Decimal:
    """A figure as the page shows it (Danish decimal comma, thousands dots) as a number."""
    return Decimal(text.replace(".", "").replace(",", "."))
