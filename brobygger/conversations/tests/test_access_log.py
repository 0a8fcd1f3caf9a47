"""Note pages and printouts write one access-log entry naming the person; a refusal none."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone

from brobygger.audit.models import AccessLogEntry
from brobygger.conversations import services
from brobygger.conversations.models import Topic
from brobygger.lifecycle import services as lifecycle
from brobygger.people.models import ConsentKind
from brobygger.people.services import record_consent
from brobygger.scheduling import services as scheduling
from brobygger.testing import TODAY, BaseTestCase


class ConversationAccessLogTests(BaseTestCase):
    def setUp(self) -> None:
        record_consent(actor=None, person=self.alice, kind=ConsentKind.STORE_NOTES, source="verbal")
        self.appointment = scheduling.record_past(
            actor=self.peer.user,
            course=self.alice_course,
            starts_at=timezone.now() - datetime.timedelta(hours=2),
            minutes=45,
            mode="in_person",
            status="held",
            place_kind="ward",
        )
        self.topic = Topic.objects.get(key="kriseplan")
        self.seq = self.last_seq()

    def entries_since_last_look(self) -> list[AccessLogEntry]:
        entries = self.new_entries(self.seq)
        self.seq = self.last_seq()
        return entries

    def write_note(self, text: str) -> None:
        services.record_conversation(
            actor=self.peer.user,
            appointment=self.appointment,
            minutes=45,
            topics=[self.topic],
            chime=[],
            purpose=text,
        )

    def note_form(self, **overrides: Any) -> dict[str, Any]:
        return {"minutes": "40", "topics": [self.topic.pk], "purpose": "Hjemkomsten", **overrides}

    def test_the_note_page_is_one_view_and_saving_it_one_change(self):
        url = reverse("conversations:record", args=[self.appointment.pk])
        self.login(self.peer)
        self.entries_since_last_look()
        self.assertContains(self.client.get(url), self.alice.full_name)
        [view] = self.entries_since_last_look()
        self.assertEqual(
            (view.action, view.persons, view.user), ("view", {self.alice.pk}, self.peer.user)
        )
        self.assertEqual(self.client.post(url, self.note_form()).status_code, 302)
        [change] = self.entries_since_last_look()
        self.assertEqual((change.action, change.persons), ("change", {self.alice.pk}))
        # Bad input: the page comes back with what was typed, a view of the person again.
        self.assertEqual(self.client.post(url, self.note_form(minutes="mange")).status_code, 422)
        [again] = self.entries_since_last_look()
        self.assertEqual((again.action, again.persons), ("view", {self.alice.pk}))

    def test_refused_note_requests_write_nothing(self):
        url = reverse("conversations:record", args=[self.appointment.pk])
        self.login(self.other_peer)  # Alice is not on their caseload
        self.entries_since_last_look()
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.post(url, self.note_form()).status_code, 404)
        printout = reverse("conversations:printout", args=[self.alice_course.pk])
        self.assertEqual(self.client.get(printout).status_code, 404)
        self.assertEqual(self.entries_since_last_look(), [])

    def test_the_printout_is_one_print_entry_naming_the_person(self):
        self.write_note("Gåturene hjælper")
        self.login(self.peer)
        self.entries_since_last_look()
        response = self.client.get(reverse("conversations:printout", args=[self.alice_course.pk]))
        self.assertContains(response, "Gåturene hjælper")
        [entry] = self.entries_since_last_look()
        self.assertEqual((entry.action, entry.persons), ("print", {self.alice.pk}))
        self.assertEqual(entry.object_type, "referrals.course")

    def test_the_guide_is_a_view_and_a_refused_change_writes_nothing(self):
        url = reverse("conversations:guide", args=[self.alice_course.pk])
        self.login(self.peer)
        self.entries_since_last_look()
        self.assertContains(self.client.get(url), self.alice.full_name)
        [view] = self.entries_since_last_look()
        self.assertEqual((view.action, view.persons), ("view", {self.alice.pk}))
        lifecycle.end_course(
            actor=None, course=self.alice_course, ended_on=TODAY, reason="completed"
        )
        self.entries_since_last_look()
        response = self.client.post(url, {f"status-{self.topic.pk}": "discussed"})
        self.assertEqual(response.status_code, 404)  # an ended course's guide is read-only
        self.assertEqual(self.entries_since_last_look(), [])

    def test_topics_are_programme_data_and_write_nothing(self):
        self.login(self.coordinator)
        self.entries_since_last_look()
        self.assertEqual(self.client.get(reverse("conversations:topic_list")).status_code, 200)
        self.assertEqual(self.entries_since_last_look(), [])
