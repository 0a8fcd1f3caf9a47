"""The demo programme's activity: availability, calendar, notes and groups."""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from typing import Any

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
        """Each peer's weekly times: two or three days, a morning or an afternoon and a
        bit, room for the conversations of a contract of 8-15 hours a week."""
        from brobygger.scheduling import services as scheduling

        rng = self.rng
        for peer in self.peers:
            days = sorted(rng.sample(range(5), rng.choice([2, 3])))
            start = rng.choice([8, 9, 12])
            windows = [
                (d, datetime.time(start), datetime.time(start + rng.choice([4, 5]))) for d in days
            ]
            scheduling.set_windows(actor=self.coordinator, peer=peer, windows=windows)
        # A week's holiday for every third peer, one entry each (issue 19), after the two
        # weeks the demo books conversations in, so no booking falls in a holiday, and
        # after the four weeks matching looks ahead (matching.selectors.COMING_DAYS), so
        # the demo's courses are assigned as before absences lowered free hours there.
        for n, peer in enumerate(self.peers[::3]):
            weeks = 4 + n % 5
            monday = self.today + datetime.timedelta(days=7 - self.today.weekday() + 7 * weeks)
            scheduling.add_exception(
                actor=peer.user,
                peer=peer,
                starts_on=monday,
                ends_on=monday + datetime.timedelta(days=4),
                kind="holiday",
                note="Ferie",
            )

    def _conversation_weeks(self, course: Course, last: datetime.date) -> list[datetime.date]:
        """The Mondays of the weeks a course has a conversation: weekly for the first twelve
        weeks and the three weeks either side of a discharge, every second week otherwise,
        every third in the follow-up months."""
        rng = self.rng
        monday = course.started_on - datetime.timedelta(days=course.started_on.weekday())
        weeks: list[datetime.date] = []
        week = 0
        while monday <= last:
            around_discharge = (
                course.discharged_on is not None and abs((monday - course.discharged_on).days) <= 21
            )
            if week < 12 or around_discharge:
                gap = 1
            elif course.discharged_on and (monday - course.discharged_on).days > 60:
                gap = 3
            else:
                gap = 2
            weeks.append(monday)
            step = gap if rng.random() < 0.9 else gap + 1  # a week lost to illness, a holiday
            monday += datetime.timedelta(weeks=step)
            week += step
        return weeks

    def _times(
        self,
        windows: list[Any],
        monday: datetime.date,
        course: Course,
        last: datetime.date,
        length: int,
    ) -> Iterator[tuple[datetime.date, int]]:
        """The quarters of the peer's times in the week of `monday` within the course,
        each window from a random quarter on (day, minutes after midnight), drawn lazily:
        the first free one is usually among the first few."""
        rng = self.rng
        for window in rng.sample(windows, len(windows)):
            day = monday + datetime.timedelta(days=window.weekday)
            if day < course.started_on or day > last:
                continue
            quarters = (window.end_time.hour - window.start_time.hour) * 4 - length // 15
            first = rng.randrange(0, max(1, quarters + 1))
            for slot in (*range(first, quarters + 1), *range(0, first)):
                yield day, window.start_time.hour * 60 + slot * 15

    def _calendar(self) -> None:
        """Each course's conversations from its start to its end (held, a few no-shows)
        and the coming two weeks booked, in the peer's weekly times.

        Built before groups, interviews and timesheets, so only conversations can clash:
        a taken time moves to the next free quarter of the peer's times that week.
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
            last = course.ended_on or self.today + datetime.timedelta(days=14)
            for monday in self._conversation_weeks(course, last):
                mode = rng.choices(["in_person", "phone", "video"], weights=[6, 3, 1])[0]
                place_kind = rng.choice(["ward", "clinic", "other"]) if mode == "in_person" else ""
                # In person: a talk, a walk, or going along to the job centre or the GP.
                minutes = {"in_person": [60, 75, 90, 90, 120], "phone": [30, 45], "video": [45, 60]}
                length = rng.choice(minutes[mode])
                for day, start in self._times(peer_windows, monday, course, last, length):
                    try:
                        moment = local_datetime(day, datetime.time(start // 60, start % 60))
                    except ValueError:
                        continue
                    if not calendar.free_at(course, moment, length):
                        continue
                    # Past: ended half an hour before the load at least, so its note
                    # is written before the load too (story.py).
                    if moment + datetime.timedelta(minutes=length + 30) <= now:
                        if timezone.localdate(moment) > (course.ended_on or self.today):
                            break
                        status = "no_show" if rng.random() < 0.06 else "held"
                        made = calendar.record_past(
                            actor=course.peer.user,
                            course=course,
                            starts_at=moment,
                            minutes=length,
                            mode=mode,
                            status=status,
                            place_kind=place_kind,
                        )
                    elif course.ended_on is None and moment > now:
                        made = calendar.book(
                            actor=course.peer.user,
                            course=course,
                            starts_at=moment,
                            minutes=length,
                            mode=mode,
                            place_kind=place_kind,
                        )
                        if made is not None and rng.random() < 0.07:
                            calendar.cancel(
                                actor=course.peer.user,
                                appointment=made,
                                by="person",
                                reason="Kan ikke komme",
                            )
                    else:
                        break  # under way right now, or after the course ended
                    if made is not None:
                        break  # None: that time was taken, the next quarter is tried
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
        # The discharge guide is walked in its order, a topic or two a conversation, now
        # and then back to an earlier one.
        reached: dict[int, int] = {}
        for appointment in held:
            if rng.random() < 0.1:
                continue  # not every conversation gets a note written
            course = appointment.course
            pool = topics[course.person.kind]
            at = reached.get(course.pk, 0)
            step = rng.choice([0, 1, 1, 2])
            chosen = pool[at : at + step]
            reached[course.pk] = at + step
            if at and rng.random() < 0.25:
                earlier = pool[rng.randrange(0, min(at, len(pool)))]
                if earlier not in chosen:
                    chosen.append(earlier)
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
