import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from brobygger.audit.models import AccessLogEntry
from brobygger.conversations import selectors, services
from brobygger.conversations.models import ConversationRecord, CourseTopic, Topic, TopicStatus
from brobygger.people.models import ConsentKind
from brobygger.people.services import create_person, record_consent
from brobygger.scheduling import services as scheduling
from brobygger.scheduling.models import Appointment
from brobygger.testing import BaseTestCase, make_course, make_person


class ConversationTests(BaseTestCase):
    def setUp(self):
        record_consent(actor=None, person=self.alice, kind=ConsentKind.STORE_NOTES, source="verbal")
        start = timezone.now() - datetime.timedelta(hours=2)
        self.appointment = scheduling.record_past(
            actor=self.peer.user,
            course=self.alice_course,
            starts_at=start,
            minutes=45,
            mode="in_person",
            status="held",
            place_kind="ward",
        )
        self.topic = Topic.objects.get(key="kriseplan")

    def note(self, **overrides: Any) -> dict[str, Any]:
        data = {
            "minutes": "40",
            "topics": [self.topic.pk],
            "purpose": "Tale om hjemkomsten",
            "how_doing": "Mere ro end sidst",
            "meaningful": "Gåturene",
            "next_steps": "Ringe til sagsbehandleren",
            "agreements": "Ses torsdag",
            "chime": ["hope"],
        }
        data.update(overrides)
        return data

    def test_peer_writes_the_note_and_topics_are_covered(self):
        self.login(self.peer)
        url = reverse("conversations:record", args=[self.appointment.pk])
        self.assertContains(self.client.get(url), "Plan for svære dage")
        response = self.client.post(url, self.note())
        self.assertRedirects(
            response, reverse("referrals:course_detail", args=[self.alice_course.pk])
        )
        record = ConversationRecord.objects.get()
        self.assertEqual((record.minutes, record.chime), (40, ["hope"]))
        entry = CourseTopic.objects.get(course=self.alice_course, topic=self.topic)
        self.assertEqual(entry.status, TopicStatus.DISCUSSED)

    def test_booked_conversation_is_marked_held_when_noted(self):
        appointment = Appointment.objects.create(
            course=self.alice_course,
            peer=self.peer,
            person=self.alice,
            starts_at=timezone.now() - datetime.timedelta(days=3, hours=1),
            ends_at=timezone.now() - datetime.timedelta(days=3),
            mode="phone",
        )
        services.record_conversation(
            actor=self.peer.user,
            appointment=appointment,
            minutes=30,
            topics=[],
            chime=[],
            purpose="Hej",
        )
        appointment.refresh_from_db()
        self.assertEqual(appointment.status, "held")

    def test_edits_keep_history(self):
        record = services.record_conversation(
            actor=self.peer.user,
            appointment=self.appointment,
            minutes=45,
            topics=[],
            chime=[],
            purpose="Først",
        )
        services.update_record(
            actor=self.coordinator, record=record, minutes=50, topics=[], chime=[], purpose="Rettet"
        )
        record.refresh_from_db()
        self.assertEqual((record.version, record.purpose), (2, "Rettet"))
        self.assertEqual(record.versions.get().data["purpose"], "Først")
        self.login(self.peer)
        page = self.client.get(reverse("conversations:record", args=[self.appointment.pk]))
        self.assertContains(page, "Først")

    def test_no_note_text_without_consent_to_keep_notes(self):
        course = make_course(make_person("Nina", unit=self.unit), self.peer)
        appointment = scheduling.record_past(
            actor=self.peer.user,
            course=course,
            starts_at=timezone.now() - datetime.timedelta(hours=5),
            minutes=30,
            mode="phone",
        )
        with self.assertRaises(ValidationError):
            services.record_conversation(
                actor=self.peer.user,
                appointment=appointment,
                minutes=30,
                topics=[],
                chime=[],
                purpose="Tekst",
            )
        services.record_conversation(
            actor=self.peer.user, appointment=appointment, minutes=30, topics=[self.topic], chime=[]
        )

    def test_notes_are_hidden_from_outsiders(self):
        services.record_conversation(
            actor=self.peer.user,
            appointment=self.appointment,
            minutes=45,
            topics=[],
            chime=[],
            purpose="Hemmeligt",
        )
        cases = [
            (self.other_peer, 404),
            (self.relative_peer, 404),
            (self.clinician, 403),
            (self.evaluator, 403),
            (self.admin, 403),
            (self.other_coordinator, 404),
            (self.coordinator, 200),
            (self.peer, 200),
        ]
        for user, status in cases:
            for url in (
                reverse("conversations:record", args=[self.appointment.pk]),
                reverse("conversations:printout", args=[self.alice_course.pk]),
            ):
                with self.subTest(user=str(user), url=url):
                    self.login(user)
                    response = self.client.get(url)
                    self.assertEqual(response.status_code, status)
                    if status != 200:
                        self.assertNotIn(b"Hemmeligt", response.content)

    def test_printout_is_logged_as_a_print(self):
        services.record_conversation(
            actor=self.peer.user,
            appointment=self.appointment,
            minutes=45,
            topics=[self.topic],
            chime=[],
            purpose="Tekst",
        )
        self.login(self.peer)
        response = self.client.get(reverse("conversations:printout", args=[self.alice_course.pk]))
        self.assertContains(response, "Tekst")
        self.assertContains(response, "Plan for svære dage")
        self.assertTrue(
            AccessLogEntry.objects.filter(action="print", person_id=self.alice.pk).exists()
        )

    def test_bad_note_input_is_kept(self):
        self.login(self.peer)
        response = self.client.post(
            reverse("conversations:record", args=[self.appointment.pk]),
            self.note(minutes="mange", purpose="Æ <b>ø</b> 😊"),
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "Æ &lt;b&gt;ø&lt;/b&gt; 😊", status_code=422)


class GuideTests(BaseTestCase):
    def test_guide_progress_by_phase(self):
        topics = list(selectors.topics_for(self.alice_course))
        self.assertEqual({t.audience for t in topics}, {"patient"})
        services.set_topic(
            actor=self.peer.user, course=self.alice_course, topic=topics[0], status="done"
        )
        services.set_topic(
            actor=self.peer.user,
            course=self.alice_course,
            topic=topics[1],
            status="needs_staff",
            follow_up="Spørg lægen om medicinen",
        )
        progress = selectors.guide_progress(self.alice_course)
        self.assertEqual(
            (progress["covered"], progress["needs_staff"], progress["total"]), (1, 1, len(topics))
        )
        self.login(self.peer)
        page = self.client.get(reverse("conversations:guide", args=[self.alice_course.pk]))
        self.assertContains(page, "Spørg lægen om medicinen")
        self.assertContains(page, "Efter udskrivelsen")

    def test_saving_the_guide_form(self):
        topic = Topic.objects.get(key="medicin")
        self.login(self.peer)
        url = reverse("conversations:guide", args=[self.alice_course.pk])
        response = self.client.post(
            url, {f"status-{topic.pk}": "discussed", f"follow-{topic.pk}": "Ringe til egen læge"}
        )
        self.assertEqual(response.status_code, 302)
        entry = CourseTopic.objects.get(course=self.alice_course, topic=topic)
        self.assertEqual((entry.status, entry.follow_up), ("discussed", "Ringe til egen læge"))
        response = self.client.post(url, {f"status-{topic.pk}": "nonsense"})
        self.assertEqual(response.status_code, 422)
        self.login(self.other_peer)
        self.assertEqual(self.client.post(url, {}).status_code, 404)

    def test_relatives_get_their_own_topics(self):
        relative = make_person("Rikke", kind="relative", unit=self.unit)
        course = make_course(relative, self.relative_peer)
        self.assertEqual({t.audience for t in selectors.topics_for(course)}, {"relative"})

    def test_coordinator_edits_the_topics(self):
        self.login(self.coordinator)
        response = self.client.post(
            reverse("conversations:topic_create"),
            {
                "audience": "patient",
                "phase": "after",
                "title_da": "Fritid",
                "title_en": "Leisure",
                "prompts_da": "Hvad kan du lide?",
                "prompts_en": "",
                "link": "",
                "order": "50",
                "active": "on",
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(Topic.objects.filter(title_da="Fritid", key="fritid").exists())
        response = self.client.post(
            reverse("conversations:topic_create"),
            {
                "audience": "relative",
                "phase": "after",
                "title_da": "X",
                "title_en": "X",
                "order": "1",
            },
        )
        self.assertEqual(response.status_code, 422)
        self.login(self.peer)
        self.assertEqual(self.client.get(reverse("conversations:topic_list")).status_code, 403)


class RelativeSupportTests(BaseTestCase):
    def test_relative_peer_sees_nothing_of_the_patient_without_consent(self):
        relative = create_person(
            actor=None,
            kind="relative",
            given_name="Ruth",
            family_name="Berg",
            unit=self.unit,
            patient=self.alice,
            relationship="parent",
        )
        record_consent(actor=None, person=relative, kind="contact", source="verbal")
        course = make_course(relative, self.relative_peer)
        self.login(self.relative_peer)
        url = reverse("referrals:course_detail", args=[course.pk])
        page = self.client.get(url)
        self.assertNotContains(page, "Alice")
        self.assertEqual(
            self.client.get(
                reverse("referrals:course_detail", args=[self.alice_course.pk])
            ).status_code,
            404,
        )
        record_consent(
            actor=self.coordinator,
            person=self.alice,
            kind="share_relatives",
            source="verbal",
            recipient=relative,
            scope="At jeg er indlagt",
        )
        page = self.client.get(url)
        self.assertContains(page, "Alice Andersen")
        self.assertContains(page, "At jeg er indlagt")


class BridgeTests(BaseTestCase):
    def test_follow_up_calls_are_proposed_after_discharge_and_booked(self):
        from brobygger.lifecycle.services import update_course

        today = timezone.localdate()
        scheduling.set_windows(
            actor=self.peer.user,
            peer=self.peer,
            windows=[(d, datetime.time(9), datetime.time(15)) for d in range(5)],
        )
        update_course(
            actor=self.peer.user,
            course=self.alice_course,
            admitted_on=today - datetime.timedelta(days=20),
            discharged_on=today,
        )
        proposals = selectors.bridge_proposals(self.alice_course)
        self.assertEqual([p["offset"] for p in proposals], [2, 7, 14, 28, 90])
        self.assertTrue(all(p["slot"] and p["slot"].date() >= p["target"] for p in proposals))
        self.login(self.peer)
        response = self.client.post(
            reverse("conversations:bridge", args=[self.alice_course.pk]),
            {"slot": [p["slot"].isoformat() for p in proposals[:3]]},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Appointment.objects.filter(course=self.alice_course).count(), 3)

    def test_without_a_free_time_the_page_says_what_to_do_and_offers_no_button(self):
        from brobygger.lifecycle.services import update_course

        today = timezone.localdate()
        update_course(  # the peer has no availability: no day gets a proposed time
            actor=self.peer.user,
            course=self.alice_course,
            admitted_on=today - datetime.timedelta(days=20),
            discharged_on=today,
        )
        self.login(self.peer)
        url = reverse("conversations:bridge", args=[self.alice_course.pk])
        page = self.client.get(url)
        self.assertContains(page, "Ingen af opfølgningsdagene har en ledig tid")
        self.assertNotContains(page, "Book de afkrydsede opkald")
        self.assertNotContains(page, 'type="checkbox"')
        # Posting nothing keeps the coordinator on the page with the reason.
        again = self.client.post(url, {})
        self.assertEqual(again.status_code, 200)
        self.assertContains(again, "Sæt kryds ved mindst ét tidspunkt")
        self.assertFalse(Appointment.objects.filter(course=self.alice_course).exists())


class ClosingTests(BaseTestCase):
    def test_closing_summary_goes_into_the_persons_copy(self):
        self.login(self.peer)
        url = reverse("referrals:course_detail", args=[self.alice_course.pk])
        self.client.post(
            url,
            {
                "action": "end",
                "ended_on": timezone.localdate().isoformat(),
                "reason": "completed",
                "summary": "Har fået mod på hverdagen",
            },
        )
        self.alice_course.refresh_from_db()
        self.assertEqual(self.alice_course.closing_summary, "Har fået mod på hverdagen")
        page = self.client.get(reverse("conversations:printout", args=[self.alice_course.pk]))
        self.assertContains(page, "Har fået mod på hverdagen")
