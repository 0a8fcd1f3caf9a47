"""The employee number the payroll file needs: set by the coordinator on the peer's page,
checked for its form and uniqueness, and audited (issue 19)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from brobygger.audit.models import AuditEvent
from brobygger.testing import BaseTestCase


class EmployeeNumberTests(BaseTestCase):
    def edit(self, number: str) -> Any:
        self.login(self.coordinator)
        return self.client.post(
            reverse("people:peer_edit", args=[self.peer.pk]),
            {
                "employee_number": number,
                "kind": "patient_peer",
                "languages": ["da"],
                "units": [self.unit.pk],
                "hours_min": "10",
                "hours_max": "12",
                "contract_start": "2026-01-01",
                "education_status": "completed",
            },
        )

    def test_coordinator_sets_the_employee_number_and_it_is_audited(self) -> None:
        response = self.edit(" 4711-A ")
        self.assertEqual(response.status_code, 302)
        self.peer.user.refresh_from_db()
        self.assertEqual(self.peer.user.employee_number, "4711-A")
        event = AuditEvent.objects.filter(verb="user.employee_number_set").get()
        self.assertEqual(event.data, {"from": "", "to": "4711-A"})
        page = self.client.get(reverse("people:peer_edit", args=[self.peer.pk]))
        self.assertContains(page, 'value="4711-A"')

    def test_a_malformed_number_is_explained_and_nothing_typed_is_lost(self) -> None:
        response = self.edit("47 11;=1")
        self.assertContains(response, "Brug 1 til 20 bogstaver", status_code=422)
        self.assertContains(response, 'value="47 11;=1"', status_code=422)
        self.peer.user.refresh_from_db()
        self.assertEqual(self.peer.user.employee_number, "")

    def test_a_number_another_user_has_is_refused(self) -> None:
        self.other_peer.user.employee_number = "4711"
        self.other_peer.user.save(update_fields=["employee_number"])
        response = self.edit("4711")
        self.assertContains(response, "har allerede medarbejdernummer 4711", status_code=422)
        self.peer.user.refresh_from_db()
        self.assertEqual(self.peer.user.employee_number, "")
