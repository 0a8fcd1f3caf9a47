"""The demo programme's activity: availability, calendar, notes and groups."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from brobygger.accounts.models import User
from brobygger.people.models import PeerWorker, Person
from brobygger.referrals.models import Course

from . import data


class ActivityMixin:
    """Mixed into DemoBuilder, which provides the attributes below."""

    rng: random.Random
    today: datetime.date
    coordinator: User
    peers: list[PeerWorker]
    persons: list[Person]

    def _availability(self) -> None:
        """Each peer's weekly times: two or three days, mornings or afternoons."""
        from brobygger.scheduling import services as scheduling

        rng = self.rng
        for peer in self.peers:
            days = sorted(rng.sample(range(5), rng.choice([2, 3])))
            start = rng.choice([8, 9, 12])
            windows = [
                (d, datetime.time(start), datetime.time(start + rng.choice([3, 4]))) for d in days
            ]
            scheduling.set_windows(actor=self.coordinator, peer=peer, windows=windows)
        # A week's holiday for every third peer, one entry each (issue 19), after the two
        # weeks the demo books conversations in, so no booking falls in a holiday.
        for n, peer in enumerate(self.peers[::3]):
            weeks = 3 + n % 5
            monday = self.today + datetime.timedelta(days=7 - self.today.weekday() + 7 * weeks)
            scheduling.add_exception(
                actor=peer.user,
                peer=peer,
                starts_on=monday,
                ends_on=monday + datetime.timedelta(days=4),
                kind="holiday",
                note="Ferie",
            )

    def _calendar(self) -> None:
        """Past conversations (held, a few no-shows) and the coming two weeks booked.

        Built before groups, interviews and timesheets, so only conversations can clash.
        """
        from brobygger.lib.dates import local_datetime
        from brobygger.scheduling.models import AvailabilityWindow

        from .bulk_calendar import Calendar

        rng = self.rng
        windows: dict[int, list[AvailabilityWindow]] = {}
        for w in AvailabilityWindow.objects.order_by("pk"):
            windows.setdefault(w.peer_id, []).append(w)
        now = timezone.now()
        # record_past, book and cancel, checked in memory and written at the end (bulk_calendar.py).
        calendar = Calendar()
        courses = Course.objects.select_related("person", "peer__user").order_by("pk")
        for course in courses:
            peer_windows = windows.get(course.peer_id)
            if not peer_windows:
                continue
            last = course.ended_on or self.today
            day = course.started_on
            while day <= last + datetime.timedelta(days=14):
                day += datetime.timedelta(days=rng.choice([6, 7, 8, 13, 14]))
                fits = [w for w in peer_windows if w.weekday == day.weekday()]
                if not fits or (course.ended_on and day > course.ended_on):
                    continue
                window = rng.choice(fits)
                slot = rng.randrange(
                    0, max(1, (window.end_time.hour - window.start_time.hour) * 4 - 3)
                )
                minutes = window.start_time.hour * 60 + slot * 15
                try:
                    moment = local_datetime(day, datetime.time(minutes // 60, minutes % 60))
                except ValueError:
                    continue
                mode = rng.choices(["in_person", "phone", "video"], weights=[6, 3, 1])[0]
                place_kind = rng.choice(["ward", "clinic", "other"]) if mode == "in_person" else ""
                if moment + datetime.timedelta(minutes=45) < now:
                    status = "no_show" if rng.random() < 0.08 else "held"
                    calendar.record_past(
                        actor=course.peer.user,
                        course=course,
                        starts_at=moment,
                        minutes=rng.choice([30, 45, 60]),
                        mode=mode,
                        status=status,
                        place_kind=place_kind,
                    )
                elif course.ended_on is None and moment > now:
                    appointment = calendar.book(
                        actor=course.peer.user,
                        course=course,
                        starts_at=moment,
                        minutes=45,
                        mode=mode,
                        place_kind=place_kind,
                    )
                    # None: that time was taken, the demo simply skips it.
                    if appointment is not None and rng.random() < 0.07:
                        calendar.cancel(
                            actor=course.peer.user,
                            appointment=appointment,
                            by="person",
                            reason="Kan ikke komme",
                        )
        calendar.save()

    def _notes(self) -> None:
        """Notes for most held conversations, and the discharge guide walked along."""
        from brobygger.conversations.default_topics import install
        from brobygger.conversations.models import Topic
        from brobygger.scheduling.models import Appointment

        from .bulk_calendar import Notes

        rng = self.rng
        install(Topic)  # a flushed database has lost the migration's default topics
        topics = {
            "patient": list(Topic.objects.filter(audience="patient").order_by("order")),
            "relative": list(Topic.objects.filter(audience="relative").order_by("order")),
        }
        # record_conversation and set_topic, written at the end (bulk_calendar.py).
        conversations = Notes()
        keeps_notes = conversations.keeps_notes
        held = (
            Appointment.objects.filter(status="held")
            .select_related("course__person", "course__peer__user")
            .order_by("starts_at")
        )
        for appointment in held:
            if rng.random() < 0.15:
                continue  # not every conversation gets a note written
            course = appointment.course
            pool = topics[course.person.kind]
            chosen = rng.sample(pool, rng.randint(0, 3))
            note: dict[str, str] = {}
            if course.person_id in keeps_notes:
                note = {
                    "purpose": rng.choice(data.NOTE_PURPOSES),
                    "how_doing": rng.choice(data.NOTE_DOING),
                    "meaningful": rng.choice(data.NOTE_MEANINGFUL),
                    "next_steps": rng.choice(data.NOTE_NEXT),
                    "agreements": rng.choice(data.NOTE_AGREEMENTS),
                }
            chime = rng.sample(
                ["connectedness", "hope", "identity", "meaning", "empowerment"], rng.randint(0, 2)
            )
            conversations.record_conversation(
                actor=course.peer.user,
                appointment=appointment,
                minutes=max(10, appointment.minutes + rng.choice([-10, -5, 0, 0, 5])),
                topics=chosen,
                chime=chime,
                **note,
            )
            if chosen and rng.random() < 0.3:
                conversations.set_topic(
                    actor=course.peer.user,
                    course=course,
                    topic=chosen[0],
                    status=rng.choice(["done", "needs_staff"]),
                    follow_up=rng.choice(["", "Spørge lægen om dosis", "Ringe til kommunen"]),
                )
        conversations.save()

    def _groups(self) -> None:
        from brobygger.groups.demo import build_groups

        build_groups(
            coordinator=self.coordinator,
            peers=self.peers,
            persons=self.persons,
            today=self.today,
            rng=self.rng,
        )
