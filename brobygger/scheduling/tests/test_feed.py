"""The calendar feed: times and a reference only, stable UIDs, revocable, own events only."""

import datetime
import hashlib
import re
from typing import Any

import icalendar
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase, override_settings
from django.urls import reverse
from django.utils import timezone, translation

from brobygger.audit.models import AuditEvent
from brobygger.people import services as people_services
from brobygger.people.models import ConsentKind
from brobygger.referrals.models import Course
from brobygger.scheduling import feeds, services
from brobygger.scheduling.models import Appointment, CalendarFeed, Mode
from brobygger.testing import BaseTestCase, count_queries, make_peer, make_unit


def in_days(days: float, hour: int = 10) -> datetime.datetime:
    moment = timezone.localtime() + datetime.timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


@override_settings(ROOT_URLCONF="brobygger.scheduling.tests.feed_urls")
class FeedTests(BaseTestCase):
    bob_course: Course
    feed: CalendarFeed
    token: str

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for person in (cls.alice, cls.bob):
            people_services.record_consent(
                actor=cls.coordinator, person=person, kind=ConsentKind.CONTACT, source="verbal"
            )
        cls.bob_course = Course.objects.get(person=cls.bob, peer=cls.other_peer)
        cls.feed, cls.token = feeds.create_feed(actor=cls.peer.user, peer=cls.peer)

    def book(self, course: Course | None = None, *, days: float = 1) -> Appointment:
        return services.book(
            actor=self.coordinator,
            course=course or self.alice_course,
            starts_at=in_days(days),
            minutes=60,
            mode=Mode.IN_PERSON,
            place_kind="ward",
            place=f"{self.unit.name}, stue 4",
        )

    def fetch(self, token: str | None = None) -> bytes:
        response = self.client.get(reverse("scheduling:calendar_feed", args=[token or self.token]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/calendar; charset=utf-8")
        self.assertIn("no-store", response["Cache-Control"])
        return response.content

    def events(self, raw: bytes) -> dict[str, icalendar.Event]:
        return {str(event["UID"]): event for event in icalendar.Calendar.from_ical(raw).events}

    def test_feed_has_one_event_per_appointment_with_times_and_reference_only(self):
        first, second = self.book(days=1), self.book(days=2)
        raw = self.fetch()
        calendar = icalendar.Calendar.from_ical(raw)
        self.assertEqual(str(calendar["VERSION"]), "2.0")
        self.assertTrue(str(calendar["PRODID"]))
        self.assertEqual(str(calendar["X-WR-CALNAME"]), "Brobygger")
        events = self.events(raw)
        self.assertEqual(set(events), {f"{first.uid}@brobygger", f"{second.uid}@brobygger"})
        event = events[f"{first.uid}@brobygger"]
        self.assertEqual(event.decoded("DTSTART"), first.starts_at)
        self.assertEqual(event.decoded("DTSTART").utcoffset(), datetime.timedelta(0))
        self.assertEqual(event.decoded("DTEND"), first.ends_at)
        self.assertIn("DTSTAMP", event)
        self.assertEqual(str(event["SUMMARY"]), feeds.summary_word())
        self.assertIn(f"S-{first.pk}", str(event["DESCRIPTION"]))
        self.assertEqual(str(event["URL"]), f"http://testserver/kalender/samtale/{first.pk}/")
        self.assertEqual(str(event["STATUS"]), "CONFIRMED")
        self.assertNotIn("LOCATION", event)
        self.assertNotIn(b"LOCATION", raw)

    def test_danish_wording_once_translated(self):
        with translation.override("da"):
            if feeds.summary_word() == "Conversation":
                self.skipTest("the Danish catalogue does not have the feed texts yet")
        appointment = self.book()
        event = self.events(self.fetch())[f"{appointment.uid}@brobygger"]
        self.assertEqual(str(event["SUMMARY"]), "Samtale")
        self.assertEqual(
            str(event["DESCRIPTION"]), f"Reference S-{appointment.pk}. Detaljer kræver login."
        )

    def test_uid_is_stable_and_sequence_rises_after_reschedule(self):
        appointment = self.book()
        uid = f"{appointment.uid}@brobygger"
        before = self.events(self.fetch())[uid]
        self.assertEqual(self.events(self.fetch())[uid]["SEQUENCE"], before["SEQUENCE"])
        services.reschedule(
            actor=self.coordinator,
            appointment=appointment,
            starts_at=in_days(1, hour=13),
            minutes=45,
        )
        after = self.events(self.fetch())[uid]
        self.assertGreater(after.sequence, before.sequence)
        self.assertEqual(after.decoded("DTSTART"), in_days(1, hour=13))

    def test_cancelled_conversation_stays_with_status_cancelled(self):
        appointment = self.book()
        services.cancel(actor=self.coordinator, appointment=appointment, by="peer", reason="syg")
        event = self.events(self.fetch())[f"{appointment.uid}@brobygger"]
        self.assertEqual(str(event["STATUS"]), "CANCELLED")
        self.assertEqual(event["SEQUENCE"], 1)

    def test_feed_contains_no_names_cpr_unit_or_place(self):
        self.book()
        raw = self.fetch()
        # Unfold long lines (RFC 5545 §3.1) so a name cannot hide across a fold.
        unfolded = raw.replace(b"\r\n ", b"").replace(b"\r\n\t", b"")
        forbidden = [
            self.alice.given_name,
            self.alice.family_name,
            "0101901234",
            "010190",
            self.unit.name,
            "stue",
            self.peer.name,
        ]
        for text in (raw, unfolded):
            for word in forbidden:
                self.assertNotIn(word.casefold().encode(), text.lower(), word)

    def test_other_peers_appointments_are_not_in_this_peers_feed(self):
        mine = self.book()
        theirs = self.book(self.bob_course)
        self.assertEqual(set(self.events(self.fetch())), {f"{mine.uid}@brobygger"})
        self.assertNotIn(str(theirs.uid).encode(), self.fetch())

    def test_window_is_60_days_back_to_365_days_ahead(self):
        near, far = self.book(days=1), self.book(days=200)
        # Seen from 100 days on, `near` is 99 days old and `far` 100 days ahead.
        later = timezone.now() + datetime.timedelta(days=100)
        raw = feeds.build_calendar(self.peer, base_url="https://x", now=later)
        self.assertEqual(set(self.events(raw)), {f"{far.uid}@brobygger"})
        # Seen from today, something 400 days ahead is beyond the window.
        beyond = self.book(days=400)
        raw = feeds.build_calendar(self.peer, base_url="https://x")
        self.assertEqual(set(self.events(raw)), {f"{near.uid}@brobygger", f"{far.uid}@brobygger"})
        self.assertNotIn(str(beyond.uid).encode(), raw)

    def test_unknown_or_revoked_token_is_404(self):
        self.assertEqual(
            self.client.get(reverse("scheduling:calendar_feed", args=["nope"])).status_code, 404
        )
        old_token = self.token
        new, new_token = feeds.create_feed(actor=self.peer.user, peer=self.peer)
        self.assertEqual(
            self.client.get(reverse("scheduling:calendar_feed", args=[old_token])).status_code, 404
        )
        self.fetch(new_token)
        feeds.revoke_feed(actor=self.peer.user, feed=new)
        self.assertEqual(
            self.client.get(reverse("scheduling:calendar_feed", args=[new_token])).status_code, 404
        )

    def test_feed_query_count_does_not_grow_with_appointments(self):
        self.book(days=1)
        with count_queries() as one:
            self.fetch()
        for days in (2, 3, 4):
            self.book(days=days)
        with count_queries() as four:
            self.fetch()
        self.assertEqual(len(four), len(one))

    def test_one_active_feed_per_peer_and_audited_without_token(self):
        second, second_token = feeds.create_feed(actor=self.peer.user, peer=self.peer)
        self.assertEqual(
            list(CalendarFeed.objects.filter(peer=self.peer, revoked_at__isnull=True)), [second]
        )
        events = AuditEvent.objects.filter(verb__startswith="calendar_feed.")
        verbs = sorted(events.values_list("verb", flat=True))
        self.assertEqual(verbs, ["calendar_feed.created"] * 2 + ["calendar_feed.revoked"])
        for event in events:
            self.assertNotIn(second_token, str(event.data))
            self.assertNotIn(self.token, str(event.data))


@override_settings(ROOT_URLCONF="brobygger.scheduling.tests.feed_urls")
class FeedSettingsPageTests(BaseTestCase):
    def url(self) -> str:
        return reverse("scheduling:feed_settings")

    def test_role_matrix(self):
        expected: dict[Any, int] = {
            self.peer: 200,
            self.relative_peer: 200,
            self.coordinator: 403,
            self.clinician: 403,
            self.evaluator: 403,
            self.admin: 403,
        }
        for user, status in expected.items():
            with self.subTest(user=str(user)):
                self.login(user)
                self.assertEqual(self.client.get(self.url()).status_code, status)

    def test_anonymous_is_sent_to_login(self):
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("accounts:login"), response["Location"])

    def feed_url_in(self, response) -> str:
        found = re.search(
            r'value="(http://testserver/kalender/[^"]+\.ics)"', response.content.decode()
        )
        assert found, "no calendar address on the page"
        return found.group(1)

    def test_peer_makes_replaces_and_stops_the_address(self):
        self.login(self.peer)
        response = self.client.get(self.url())
        self.assertContains(response, "<h1>")
        self.assertIsNone(feeds.active_feed(self.peer))

        response = self.client.post(self.url(), {"action": "create"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Cache-Control"], "no-store")
        first_url = self.feed_url_in(response)
        self.assertEqual(self.client.get(first_url).status_code, 200)
        first = feeds.active_feed(self.peer)
        assert first is not None

        response = self.client.post(self.url(), {"action": "create"})
        second_url = self.feed_url_in(response)
        self.assertNotEqual(second_url, first_url)
        first.refresh_from_db()
        self.assertIsNotNone(first.revoked_at)
        self.assertEqual(self.client.get(first_url).status_code, 404)
        self.assertEqual(self.client.get(second_url).status_code, 200)

        self.client.post(self.url(), {"action": "revoke"})
        self.assertIsNone(feeds.active_feed(self.peer))
        self.assertEqual(self.client.get(second_url).status_code, 404)

    def test_the_address_is_shown_once_and_only_its_hash_is_stored(self):
        self.login(self.peer)
        url = self.feed_url_in(self.client.post(self.url(), {"action": "create"}))
        token = url.rsplit("/", 1)[1].removesuffix(".ics")
        page = self.client.get(self.url())
        self.assertNotContains(page, token)
        self.assertContains(page, "Lav en ny adresse")
        feed = feeds.active_feed(self.peer)
        assert feed is not None
        self.assertEqual(feed.token_hash, hashlib.sha256(token.encode()).hexdigest())
        stored = CalendarFeed.objects.filter(pk=feed.pk).values().get()
        self.assertNotIn(token, str(stored))
        self.assertNotIn(token, str(self.client.session.items()))

    def test_page_shows_only_the_signed_in_peers_address(self):
        _feed, token = feeds.create_feed(actor=self.peer.user, peer=self.peer)
        self.login(self.other_peer)
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, token)
        # Posting "revoke" as the other peer touches only their own (absent) address.
        self.client.post(self.url(), {"action": "revoke"})
        _feed.refresh_from_db()
        self.assertIsNone(_feed.revoked_at)

    def test_unknown_action_is_a_bad_request(self):
        self.login(self.peer)
        self.assertEqual(self.client.post(self.url(), {"action": "x"}).status_code, 400)


@pytest.mark.timeless  # the token's hash, not the date: make test-clock skips it
class FeedTokenMigrationTests(TransactionTestCase):
    """Tokens stored before hashing keep working: the migration hashes them in place."""

    def test_an_address_made_before_the_migration_still_works_after_it(self):
        unit = make_unit("Afsnit M1")
        peer = make_peer("migpeer", units=(unit,))
        before = [("scheduling", "0002_no_double_booking")]
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        old_apps = executor.loader.project_state(before).apps
        old_apps.get_model("scheduling", "CalendarFeed").objects.create(
            peer_id=peer.pk, token="an-address-already-in-a-calendar-app"
        )
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        feed = CalendarFeed.objects.get(peer=peer)
        self.assertEqual(
            feed.token_hash,
            hashlib.sha256(b"an-address-already-in-a-calendar-app").hexdigest(),
        )
        url = reverse("scheduling:calendar_feed", args=["an-address-already-in-a-calendar-app"])
        self.assertEqual(self.client.get(url).status_code, 200)
