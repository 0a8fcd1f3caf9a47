"""The coordinator's planning page counts what takes a peer's week: conversations, group
sessions, supervision of the peer's groups and peer education, against the contract."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from brobygger.desk.selectors import peers_load
from brobygger.lib.dates import local_datetime, week_start
from brobygger.scheduling import services as scheduling
from brobygger.testing import BaseTestCase, count_queries, make_course, make_person
from brobygger.workforce import services as workforce


class PlanningLoadTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        # Next week, Monday to Friday.
        self.monday = week_start(timezone.localdate()) + datetime.timedelta(days=7)
        self.friday = self.monday + datetime.timedelta(days=4)

    def week_hours(self, peer) -> Decimal:
        this_monday = self.monday - datetime.timedelta(days=7)
        row = peers_load([peer], this_monday, weeks=2)[0]
        return row["weeks"][1]["hours"]

    def educate(self, hours: int, status: str = "planned") -> None:
        workforce.create_education_record(
            actor=self.coordinator,
            peer=self.peer,
            provider="Peer-uddannelsen",
            title="Grundforløb",
            starts_on=self.monday,
            ends_on=self.friday,
            status=status,
            hours=Decimal(hours),
            cost=Decimal(0),
            paid_by_employer=True,
            note="",
        )

    def supervise(self) -> None:
        group = workforce.create_group(
            actor=self.coordinator,
            members=[self.peer, self.other_peer],
            name="Supervision med SIND",
            provider_kind="user_org",
            provider_name="SIND",
            unit=self.unit,
            target_days=28,
        )
        workforce.add_session(
            actor=self.coordinator,
            group=group,
            starts_at=local_datetime(self.monday + datetime.timedelta(days=1), datetime.time(13)),
            minutes=90,
            place="Mødelokale 2",
        )

    def book(self) -> None:
        course = make_course(make_person("Lone", unit=self.unit), self.peer)
        scheduling.book(
            actor=self.coordinator,
            course=course,
            starts_at=local_datetime(self.monday + datetime.timedelta(days=2), datetime.time(10)),
            minutes=45,
            mode="phone",
        )

    def test_education_and_supervision_take_their_hours_of_the_week(self):
        self.book()
        self.assertEqual(self.week_hours(self.peer), Decimal("0.75"))
        self.supervise()
        self.assertEqual(self.week_hours(self.peer), Decimal("2.25"))
        self.educate(10)
        self.assertEqual(self.week_hours(self.peer), Decimal("12.25"))

    def test_a_week_of_education_over_the_contract_is_flagged(self):
        self.educate(20)  # the cast's peer has 8-15 hours a week
        self.login(self.coordinator)
        url = reverse("scheduling:planning")
        response = self.client.get(url, {"uge": self.monday.isoformat()})
        row = next(r for r in response.context["load"] if r["peer"].pk == self.peer.pk)
        self.assertEqual(row["weeks"][0]["hours"], Decimal(20))
        self.assertTrue(row["weeks"][0]["over"])
        self.assertContains(response, "supervision og peer-uddannelse")

    def test_a_supervision_session_counts_once_for_each_member(self):
        self.supervise()
        this_monday = self.monday - datetime.timedelta(days=7)
        rows = peers_load([self.peer, self.other_peer], this_monday, weeks=2)
        self.assertEqual([r["weeks"][1]["hours"] for r in rows], [Decimal("1.5")] * 2)
        self.assertEqual(self.week_hours(self.peer), Decimal("1.5"))  # asked for alone

    def test_dropped_education_takes_no_time(self):
        self.educate(10, status="dropped")
        self.assertEqual(self.week_hours(self.peer), Decimal(0))

    def test_the_page_asks_the_same_queries_however_much_is_planned(self):
        self.login(self.coordinator)
        url = reverse("scheduling:planning")
        with count_queries() as few:
            self.client.get(url)
        self.book()
        self.supervise()
        self.educate(10)
        with count_queries() as many:
            self.client.get(url)
        self.assertEqual(len(few), len(many))
