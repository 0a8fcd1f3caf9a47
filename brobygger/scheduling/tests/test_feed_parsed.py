"""Issue 20 item 7: the calendar feed read back with a real parser (icalendar) the way a
calendar app reads it: times right across the summer-time change, cancelled and moved
conversations, time off as all-day events, and nothing about anyone in any field."""

from __future__ import annotations

import datetime
import zoneinfo

import icalendar
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from brobygger.lib.dates import local_datetime
from brobygger.people import services as people_services
from brobygger.people.models import ConsentKind
from brobygger.scheduling import feeds, services
from brobygger.scheduling.models import Appointment, CalendarFeed, ExceptionKind, Mode
from brobygger.testing import BaseTestCase

COPENHAGEN = zoneinfo.ZoneInfo("Europe/Copenhagen")
DAY = datetime.timedelta(days=1)


def next_summer_time_change() -> datetime.date:
    """The next Sunday the clocks go forward or back in Copenhagen (at least 4 days on)."""
    day = timezone.localdate() + 4 * DAY
    while True:
        noon_before = datetime.datetime.combine(day - DAY, datetime.time(12), COPENHAGEN)
        noon = datetime.datetime.combine(day, datetime.time(12), COPENHAGEN)
        if noon_before.utcoffset() != noon.utcoffset():
            return day
        day += DAY


@override_settings(ROOT_URLCONF="brobygger.scheduling.tests.feed_urls")
class ParsedFeedTests(BaseTestCase):
    feed: CalendarFeed
    token: str

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        people_services.record_consent(
            actor=cls.coordinator, person=cls.alice, kind=ConsentKind.CONTACT, source="verbal"
        )
        cls.feed, cls.token = feeds.create_feed(actor=cls.peer.user, peer=cls.peer)

    def book(self, starts_at: datetime.datetime, **extra) -> Appointment:
        return services.book(
            actor=self.coordinator,
            course=self.alice_course,
            starts_at=starts_at,
            minutes=60,
            mode=Mode.IN_PERSON,
            place_kind="ward",
            place="Stue 4",
            **extra,
        )

    def fetch(self) -> bytes:
        response = self.client.get(reverse("scheduling:calendar_feed", args=[self.token]))
        self.assertEqual(response.status_code, 200)
        return response.content

    def parsed(self) -> dict[str, icalendar.Event]:
        calendar = icalendar.Calendar.from_ical(self.fetch())
        return {str(event["UID"]): event for event in calendar.events}

    def test_times_are_right_on_both_sides_of_the_summer_time_change(self):
        change = next_summer_time_change()
        before = self.book(local_datetime(change - 3 * DAY, datetime.time(10)))
        after = self.book(local_datetime(change + DAY, datetime.time(10)))
        events = self.parsed()
        offsets = set()
        for appointment in (before, after):
            event = events[f"{appointment.uid}@brobygger"]
            start, end = event.decoded("DTSTART"), event.decoded("DTEND")
            # UTC with Z: no VTIMEZONE needed, and every app agrees on the moment.
            self.assertEqual(start.utcoffset(), datetime.timedelta(0))
            self.assertEqual(start, appointment.starts_at)
            local = start.astimezone(COPENHAGEN)
            self.assertEqual((local.hour, local.minute), (10, 0))
            self.assertEqual(end - start, datetime.timedelta(hours=1))
            offsets.add(local.utcoffset())
        # The two 10 o'clocks are 10 o'clock in different offsets (+01:00 and +02:00).
        self.assertEqual(len(offsets), 2)
        self.assertIn(b"DTSTART:", self.fetch())
        self.assertNotIn(b"TZID=", self.fetch())

    def test_cancelled_stays_with_status_cancelled_and_a_higher_sequence(self):
        tomorrow = timezone.localdate() + DAY
        appointment = self.book(local_datetime(tomorrow, datetime.time(10)))
        uid = f"{appointment.uid}@brobygger"
        self.assertEqual(
            (str(self.parsed()[uid]["STATUS"]), self.parsed()[uid]["SEQUENCE"]), ("CONFIRMED", 0)
        )
        services.reschedule(
            actor=self.coordinator,
            appointment=appointment,
            starts_at=local_datetime(tomorrow + DAY, datetime.time(11)),
            minutes=60,
        )
        moved = self.parsed()[uid]  # the same UID: the app moves the event, not a copy
        self.assertEqual(moved["SEQUENCE"], 1)
        self.assertEqual(moved.decoded("DTSTART").astimezone(COPENHAGEN).hour, 11)
        services.cancel(actor=self.coordinator, appointment=appointment, by="peer", reason="syg")
        events = self.parsed()
        self.assertEqual(list(events), [uid])
        self.assertEqual(str(events[uid]["STATUS"]), "CANCELLED")
        self.assertEqual(events[uid]["SEQUENCE"], 2)

    def test_time_off_is_all_day_events_that_say_only_away(self):
        monday = timezone.localdate() + ((0 - timezone.localdate().weekday()) % 7 + 7) * DAY
        holiday = services.add_exception(
            actor=self.peer.user,
            peer=self.peer,
            starts_on=monday,
            ends_on=monday + 4 * DAY,
            kind=ExceptionKind.HOLIDAY,
            note="Sommerhus med Alice Andersen",
        )
        sick = services.add_exception(
            actor=self.peer.user, peer=self.peer, starts_on=monday + 7 * DAY, kind="sick"
        )
        hours = services.add_exception(
            actor=self.peer.user,
            peer=self.peer,
            starts_on=monday + 8 * DAY,
            kind=ExceptionKind.UNAVAILABLE,
            start_time=datetime.time(9),
            end_time=datetime.time(11),
        )
        extra = services.add_exception(
            actor=self.peer.user,
            peer=self.peer,
            starts_on=monday + 9 * DAY,
            kind=ExceptionKind.EXTRA,
            start_time=datetime.time(13),
            end_time=datetime.time(15),
        )
        events = self.parsed()
        first = events[f"{holiday.uid}@brobygger"]
        self.assertEqual(first.decoded("DTSTART"), monday)  # a date: all day
        self.assertNotIsInstance(first.decoded("DTSTART"), datetime.datetime)
        self.assertEqual(first.decoded("DTEND"), monday + 5 * DAY)  # the day after the last
        self.assertEqual(events[f"{sick.uid}@brobygger"].decoded("DTEND"), monday + 8 * DAY)
        for absence in (holiday, sick, hours):
            self.assertEqual(str(events[f"{absence.uid}@brobygger"]["SUMMARY"]), "Fraværende")
        part = events[f"{hours.uid}@brobygger"]
        self.assertEqual(part.decoded("DTSTART").astimezone(COPENHAGEN).hour, 9)
        self.assertNotIn(f"{extra.uid}@brobygger", events)
        raw = self.fetch().replace(b"\r\n ", b"").lower()
        for word in ("sommerhus", "alice", "andersen", "syg", "ferie", "sick", "holiday"):
            self.assertNotIn(word.encode(), raw, word)

    def test_no_name_cpr_place_or_reason_in_any_field(self):
        tomorrow = timezone.localdate() + DAY
        every_morning = [(d, datetime.time(9), datetime.time(12)) for d in range(7)]
        services.set_windows(actor=None, peer=self.peer, windows=every_morning)
        appointment = self.book(
            local_datetime(tomorrow, datetime.time(22)),
            override_reason="Alice Andersen bad selv om det",
        )
        forbidden = [
            self.alice.given_name,
            self.alice.family_name,
            "0101901234",
            "stue 4",
            self.unit.name,
            self.peer.name,
            "bad selv",
        ]
        self.assertEqual(appointment.override_reason, "Alice Andersen bad selv om det")
        calendar = icalendar.Calendar.from_ical(self.fetch())
        for component in calendar.walk():
            for name, value in component.property_items():
                text = value.to_ical() if hasattr(value, "to_ical") else str(value).encode()
                text = text if isinstance(text, bytes) else str(text).encode()
                for word in forbidden:
                    self.assertNotIn(word.casefold().encode(), text.lower(), (name, word))
