"""Peer education: the register, the status it keeps in step, the pages."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse

from brobygger.audit.models import AuditEvent
from brobygger.people.models import EducationStatus
from brobygger.testing import TODAY, BaseTestCase
from brobygger.workforce import selectors, services
from brobygger.workforce.models import EducationRecord

from .helpers import WorkforceTestCase, make_record

D = datetime.date
DAY = datetime.timedelta(days=1)
# A planned course some weeks ahead of the frozen clock, whatever instant it is frozen at.
P_START = TODAY + 68 * DAY
P_END = P_START + 116 * DAY


class EducationStatusTests(BaseTestCase):
    def status(self) -> str:
        self.other_peer.refresh_from_db()
        return self.other_peer.education_status

    def test_the_peers_status_follows_the_records(self):
        peer = self.other_peer
        self.assertEqual(self.status(), EducationStatus.NONE)
        planned = make_record(peer, starts_on=P_START, ends_on=P_END, status="planned")
        self.assertEqual(self.status(), EducationStatus.PLANNED)
        first = make_record(
            peer, status="ongoing", starts_on=D(2026, 9, 1), ends_on=D(2026, 12, 18)
        )
        self.assertEqual(self.status(), EducationStatus.PLANNED)
        services.update_education_record(actor=self.coordinator, record=first, status="completed")
        self.assertEqual(self.status(), EducationStatus.COMPLETED)
        services.update_education_record(actor=self.coordinator, record=first, status="dropped")
        self.assertEqual(self.status(), EducationStatus.PLANNED)
        planned_pk = planned.pk
        services.delete_education_record(actor=self.coordinator, record=planned)
        self.assertEqual(self.status(), EducationStatus.NONE)
        changes = AuditEvent.objects.filter(verb="peer.changed", object_id=peer.pk)
        self.assertEqual(changes.count(), 4)
        self.assertTrue(
            AuditEvent.objects.filter(verb="education.deleted", object_id=planned_pk).exists()
        )

    def test_without_records_the_profiles_status_stands(self):
        self.assertIsNone(services.derived_education_status(self.peer))

    def test_dates_and_status_are_checked_with_clear_messages(self):
        today = D(2026, 11, 25)
        cases: list[tuple[dict[str, Any], str]] = [
            ({"starts_on": D(2026, 3, 2), "ends_on": D(2026, 3, 1)}, "ends_on"),
            ({"starts_on": D(2026, 12, 1), "ends_on": D(2027, 1, 1)}, "status"),  # completed
            (
                {"starts_on": D(2026, 12, 1), "ends_on": D(2027, 1, 1), "status": "ongoing"},
                "status",
            ),
            ({"hours": Decimal(-1)}, "hours"),
            ({"cost": Decimal(2_000_000)}, "cost"),
        ]
        for fields, field in cases:
            with self.subTest(fields=fields), self.assertRaises(ValidationError) as caught:
                services.create_education_record(
                    actor=None,
                    peer=self.peer,
                    today=today,
                    **(
                        {
                            "provider": "Center for Recovery",
                            "title": "Peer-uddannelse",
                            "starts_on": D(2026, 2, 2),
                            "ends_on": D(2026, 5, 29),
                            "status": "completed",
                            "hours": Decimal(72),
                            "cost": Decimal(0),
                            "paid_by_employer": True,
                            "note": "",
                        }
                        | fields
                    ),
                )
            self.assertIn(field, caught.exception.error_dict)
        self.assertFalse(EducationRecord.objects.exists())


class EducationPageTests(WorkforceTestCase):
    def form_data(self, **changes: str) -> dict[str, str]:
        return {
            "title": "Peer-uddannelse, modul 1-3",
            "provider": "Center for Recovery",
            "starts_on": P_START.isoformat(),
            "ends_on": P_END.isoformat(),
            "status": "planned",
            "hours": "72",
            "cost": "26000",
            "paid_by_employer": "on",
            "note": "",
        } | changes

    def test_coordinator_adds_edits_and_removes_a_course(self):
        self.login(self.coordinator)
        url = reverse("workforce:education_create", args=[self.other_peer.pk])
        response = self.client.post(url, self.form_data())
        self.assertRedirects(
            response, reverse("workforce:peer_education", args=[self.other_peer.pk])
        )
        record = EducationRecord.objects.get(peer=self.other_peer)
        self.assertEqual((record.cost, record.paid_by_employer), (Decimal(26000), True))
        self.other_peer.refresh_from_db()
        self.assertEqual(self.other_peer.education_status, EducationStatus.PLANNED)
        page = self.client.get(reverse("workforce:peer_education", args=[self.other_peer.pk]))
        self.assertContains(page, "Center for Recovery")

        edit = reverse("workforce:education_edit", args=[record.pk])
        self.client.post(edit, self.form_data(cost="27500.50", paid_by_employer=""))
        record.refresh_from_db()
        self.assertEqual((record.cost, record.paid_by_employer), (Decimal("27500.50"), False))

        delete = reverse("workforce:education_delete", args=[record.pk])
        self.assertEqual(self.client.get(delete).status_code, 405)
        self.client.post(delete)
        self.assertFalse(EducationRecord.objects.filter(pk=record.pk).exists())

    def test_bad_input_keeps_what_was_typed(self):
        self.login(self.coordinator)
        url = reverse("workforce:education_create", args=[self.other_peer.pk])
        response = self.client.post(
            url,
            self.form_data(
                ends_on=(P_START - 31 * DAY).isoformat(), cost="mange penge", provider="SIND-kurset"
            ),
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "SIND-kurset", status_code=422)
        self.assertContains(response, "error-summary", status_code=422)
        errors = response.context["form"].errors
        self.assertIn("ends_on", errors)
        self.assertIn("cost", errors)
        response = self.client.post(url, self.form_data(status="completed"))
        self.assertEqual(response.status_code, 422)
        self.assertIn("status", response.context["form"].errors)
        self.assertFalse(EducationRecord.objects.filter(peer=self.other_peer).exists())

    def test_the_education_page_lists_who_lacks_it_and_the_cost_per_year(self):
        make_record(
            self.other_peer,
            starts_on=P_START,
            ends_on=P_END,
            status="planned",
            cost=Decimal(26000),
        )
        make_record(self.other_peer, starts_on=D(2026, 3, 2), status="dropped", cost=Decimal(5000))
        make_record(self.relative_peer, paid_by_employer=False, cost=Decimal(9000))
        self.login(self.coordinator)
        response = self.client.get(reverse("workforce:education_overview"))
        lacking = {row["peer"].pk: row["next"] for row in response.context["lacking"]}
        self.assertEqual(set(lacking), {self.other_peer.pk})
        self.assertEqual(lacking[self.other_peer.pk].starts_on, P_START)
        years = {y["year"]: y for y in response.context["years"]}
        # 2026: the peer's 24,500 and the dropped 5,000; not the relative peer's own money.
        self.assertEqual(years[2026]["paid"], Decimal(29500))
        self.assertEqual(years[2026]["courses"], 3)
        planned = years[P_START.year]
        self.assertEqual((planned["paid"], planned["planned"]), (Decimal(26000),) * 2)
        self.assertNotContains(response, "Farpeer")

    def test_lacking_peers_without_a_plan_have_no_next_course(self):
        rows = selectors.lacking_education(
            selectors.active_peers(selectors.PeerWorker.objects.filter(pk=self.other_peer.pk))
        ).object_list
        self.assertEqual([(r["peer"], r["next"]) for r in rows], [(self.other_peer, None)])
