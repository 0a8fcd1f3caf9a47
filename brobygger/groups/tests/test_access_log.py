"""The group pages name, in their one access-log entry, every participant they show: the
roster and the waiting list, the attendance roster, the enrolment search. Refused: none."""

from django.urls import reverse

from brobygger.audit.models import AccessLogEntry
from brobygger.groups import services
from brobygger.testing import make_person

from .helpers import GroupTestCase


class GroupAccessLogTests(GroupTestCase):
    def fill(self) -> list:
        """Alice and three more: the group holds three, the fourth waits."""
        people = [self.alice] + [make_person(n, unit=self.unit) for n in ("Dora", "Erik", "Frida")]
        for person in people:
            services.enrol(actor=self.coordinator, group=self.group, person=person)
        return people

    def test_group_page_names_the_participants_and_the_waiting_list(self):
        people = self.fill()
        for user in (self.coordinator, self.peer):
            with self.subTest(user=str(user)):
                self.login(user)
                before = self.last_seq()
                response = self.client.get(reverse("groups:group_detail", args=[self.group.pk]))
                for person in people:
                    self.assertContains(response, person.full_name)
                entry = self.one_entry(before)
                self.assertEqual(entry.persons, {p.pk for p in people})

    def test_attendance_roster_names_the_participants(self):
        people = self.fill()
        self.login(self.peer)
        before = self.last_seq()
        response = self.client.get(reverse("groups:session_detail", args=[self.held.pk]))
        for person in people[:3]:
            self.assertContains(response, person.full_name)
        self.assertNotContains(response, people[3].full_name)  # waiting: not on the roster
        self.assertEqual(self.one_entry(before).persons, {p.pk for p in people[:3]})

    def test_enrolment_search_names_the_persons_found(self):
        self.login(self.coordinator)
        before = self.last_seq()
        response = self.client.post(
            reverse("groups:enrol", args=[self.group.pk]), {"action": "search", "q": "Andersen"}
        )
        self.assertContains(response, "Alice Andersen")
        self.assertContains(response, "Bob Andersen")
        self.assertNotContains(response, "Carol")
        entry = self.one_entry(before)
        self.assertEqual((entry.action, entry.persons), ("search", {self.alice.pk, self.bob.pk}))

    def test_enrolment_search_without_a_hit_is_one_search_entry_naming_nobody(self):
        self.login(self.coordinator)
        before = self.last_seq()
        response = self.client.post(
            reverse("groups:enrol", args=[self.group.pk]), {"action": "search", "q": "ingen"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["results"], [])
        entry = self.one_entry(before)
        self.assertEqual((entry.action, entry.persons), ("search", set()))

    def test_leaving_a_group_one_is_not_in_writes_nothing(self):
        self.login(self.coordinator)
        before = self.last_seq()
        response = self.client.post(reverse("groups:leave", args=[self.group.pk, self.bob.pk]))
        self.assertEqual(response.status_code, 404)
        self.assertEqual(AccessLogEntry.objects.filter(seq__gt=before).count(), 0)

    def test_leaving_is_one_change_entry_naming_the_person(self):
        services.enrol(actor=self.coordinator, group=self.group, person=self.alice)
        self.login(self.coordinator)
        before = self.last_seq()
        response = self.client.post(reverse("groups:leave", args=[self.group.pk, self.alice.pk]))
        self.assertEqual(response.status_code, 302)
        entry = self.one_entry(before)
        self.assertEqual((entry.action, entry.persons), ("change", {self.alice.pk}))
