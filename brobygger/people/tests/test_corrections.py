"""Correction keeps history (GDPR art. 16): the old value of a name, contact or CPR
number is kept and shown on the person page, masked where it is a CPR number."""

from django.urls import reverse

from brobygger.audit.models import AuditEvent
from brobygger.people.models import PersonCorrection
from brobygger.testing import BaseTestCase


class CorrectionTests(BaseTestCase):
    def edit(self, **changes: str):
        data = {
            "kind": "patient",
            "given_name": "Alice",
            "family_name": "Andersen",
            "cpr": "0101901234",
            "phone": "20304050",
            "language": "da",
            "contact_channel": "phone",
            "unit": str(self.unit.pk),
        }
        data.update(changes)
        return self.client.post(reverse("people:person_edit", args=[self.alice.pk]), data)

    def test_a_corrected_name_phone_and_cpr_keep_the_old_values_with_who_and_when(self):
        self.login(self.coordinator)
        response = self.edit(family_name="Andersen-Holm", phone="61626364", cpr="0101901239")
        self.assertEqual(response.status_code, 302)
        rows = {c.field: c for c in PersonCorrection.objects.filter(person=self.alice)}
        self.assertLessEqual({"family_name", "phone", "cpr"}, set(rows))
        self.assertEqual(
            (rows["phone"].old_value, rows["phone"].new_value), ("20304050", "61626364")
        )
        self.assertEqual(rows["family_name"].old_value, "Andersen")
        self.assertEqual(rows["cpr"].old_value, "0101901234")
        self.assertEqual(rows["phone"].changed_by, self.coordinator)
        event = AuditEvent.objects.filter(verb="person.changed", person_id=self.alice.pk).last()
        assert event is not None
        self.assertIn("phone", event.data["fields"])

    def test_the_person_page_shows_the_history_with_the_cpr_number_masked(self):
        self.login(self.coordinator)
        self.edit(phone="61626364", cpr="0101901239")
        page = self.client.get(reverse("people:person_detail", args=[self.alice.pk]))
        self.assertContains(page, "Rettelser")
        self.assertContains(page, "20304050")
        self.assertContains(page, "010190-XXXX")
        self.assertNotContains(page, "0101901234")
        self.assertNotContains(page, "0101901239")

    def test_the_peer_does_not_see_the_history(self):
        self.login(self.coordinator)
        self.edit(phone="61626364")
        self.login(self.peer)
        page = self.client.get(reverse("people:person_detail", args=[self.alice.pk]))
        self.assertNotContains(page, "Rettelser")
        self.assertNotContains(page, "20304050")

    def test_an_unchanged_save_keeps_no_history(self):
        self.login(self.coordinator)
        self.edit()
        self.assertFalse(PersonCorrection.objects.exists())
