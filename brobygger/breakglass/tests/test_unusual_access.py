"""The weekly report of unusual access: counts per user, working hours in Copenhagen with
Danish public holidays, the threshold flags, and a command whose e-mail names nobody."""

from __future__ import annotations

import datetime
from io import StringIO

import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from brobygger.audit.models import Purpose
from brobygger.audit.services import log_access
from brobygger.breakglass.selectors import unusual_access
from brobygger.breakglass.services import break_glass
from brobygger.lib.dates import local_datetime
from brobygger.people.models import Person
from brobygger.testing import BaseTestCase, count_queries, make_person, make_user

# Monday 21 December 2026; Friday the 25th is Christmas Day, a Danish public holiday.
MONDAY = datetime.date(2026, 12, 21)


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return local_datetime(datetime.date(2026, 12, day), datetime.time(hour, minute))


class UnusualAccessTests(BaseTestCase):
    dorthe: Person

    def look(self, user, moment, person, purpose=Purpose.COORDINATION) -> None:
        with time_machine.travel(moment, tick=False):
            log_access(user=user, action="view", purpose=purpose, person_id=person.pk)

    def build_week(self) -> None:
        coordinator = self.coordinator
        for moment in (
            at(21, 10),  # working hours
            at(21, 18),  # from 18: outside
            at(22, 17, 59),  # working hours
            at(23, 6, 30),  # before 7: outside
            at(25, 11),  # Christmas Day: outside
            at(26, 12),  # Saturday: outside
        ):
            self.look(coordinator, moment, self.alice)
        self.look(coordinator, at(28, 22), self.alice)  # the next week
        peer = self.peer.user
        with time_machine.travel(at(22, 9), tick=False):
            break_glass(actor=peer, person=self.carol, reason="covering", text="Dækker")
        for person in (self.carol, self.bob, self.carol, self.dorthe):
            self.look(peer, at(22, 10), person, Purpose.BREAK_GLASS)

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.dorthe = make_person("Dorthe", unit=cls.other_unit)

    def test_counts_per_user_in_local_working_hours_with_holidays(self):
        self.build_week()
        report = unusual_access(MONDAY + datetime.timedelta(days=3))
        self.assertEqual(report.monday, MONDAY)
        self.assertIn(datetime.date(2026, 12, 25), report.holidays)
        rows = {row.user.pk: row for row in report.rows}
        coordinator = rows[self.coordinator.pk]
        self.assertEqual(
            (coordinator.looks, coordinator.off_hours, coordinator.glass_persons), (6, 4, 0)
        )
        peer = rows[self.peer.user.pk]
        self.assertEqual((peer.looks, peer.glass_persons, peer.grants), (4, 3, 1))
        # Three persons through the glass reach the default threshold; four looks outside
        # working hours stay under it.
        self.assertEqual(peer.flags, ["glass"])
        self.assertEqual(coordinator.flags, [])
        self.assertEqual(report.rows[0], peer)  # flagged first
        with override_settings(UNUSUAL_OFF_HOURS_LOOKS=4):
            again = {row.user.pk: row for row in unusual_access(MONDAY).rows}
        self.assertEqual(again[self.coordinator.pk].flags, ["off_hours"])

    def test_the_page_is_for_administrators_with_a_fixed_number_of_queries(self):
        self.build_week()
        url = reverse("breakglass:unusual") + "?week=2026-12-23"
        for user in (self.coordinator, self.peer, self.evaluator):
            self.login(user)
            self.assertEqual(self.client.get(url).status_code, 403)
        self.login(self.admin)
        with count_queries() as few:
            page = self.client.get(url)
        self.assertEqual(page.status_code, 200)
        self.assertEqual(len(page.context["report"].flagged), 1)
        self.assertContains(page, self.peer.user.display_name)
        for n in range(4):
            user = make_user(f"extra{n}", "coordinator", units=(self.unit,))
            self.look(user, at(23, 23), self.alice)
        with count_queries() as many:
            self.assertEqual(len(self.client.get(url).context["report"].rows), 6)
        self.assertEqual(len(many.captured_queries), len(few.captured_queries))
        # A bad week is a message, not a 500.
        self.assertEqual(
            self.client.get(reverse("breakglass:unusual") + "?week=x").status_code, 200
        )
        self.assertEqual(
            self.client.get(reverse("breakglass:unusual") + "?week=9999-01-01").status_code, 200
        )

    def test_the_command_mails_counts_and_user_numbers_only(self):
        self.build_week()
        self.admin.email = "admin@region.example"
        self.admin.save(update_fields=["email"])
        out = StringIO()
        call_command("unusual_access_report", "--week", "2026-12-23", "--mail", stdout=out)
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, ["admin@region.example"])
        self.assertIn(f"Bruger nr. {self.peer.user.pk}: 3 personer via nødadgang", message.body)
        for secret in (
            self.peer.user.first_name,
            self.peer.user.last_name,
            self.carol.given_name,
            "Andersen",
        ):
            self.assertNotIn(secret, message.body)
            self.assertNotIn(secret, message.subject)
        self.assertIn("uge 52", out.getvalue())
