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

# Of a peer's contract, the share the demo's conversations come to (the rest: groups,
# indirect work, supervision, education; timesheets.demo), and a conversation's usual
# length in minutes (the modes and lengths of `_calendar`).
DIRECT_SHARE = 0.65
CONVERSATION_MINUTES = 75


class ActivityMixin:
    """Mixed into DemoBuilder, which provides the attributes below."""

    rng: random.Random
    today: datetime.date
    coordinator: User
    peers: list[PeerWorker]
    persons: list[Person]

    def _availability(self) -> None:
        """Each peer's weekly times: three or four mornings or afternoons, an hour or two
        more than the top of the contract, so the conversations of the caseload the
        matching gives a contract fit in the week (issue 19: with fewer hours than that,
        a busy week lost conversations and the peer fell under their band)."""
        from brobygger.scheduling import services as scheduling

        rng = self.rng
        for peer in self.peers:
            weekly = int(peer.hours_max) + rng.choice([1, 2])
            count = 3 if weekly <= 15 else 4
            days = sorted(rng.sample(range(5), count))
            length = -(-weekly // count)  # whole hours, rounded up
            start = rng.choice([8, 9, 12] if length <= 5 else [8, 9])
            windows = [(d, datetime.time(start), datetime.time(start + length)) for d in days]
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

    def _close_weeks(self, course: Course, monday: datetime.date, week: int) -> bool:
        """A course meets weekly for its first twelve weeks and the three weeks either side
        of a discharge."""
        around_discharge = (
            course.discharged_on is not None and abs((monday - course.discharged_on).days) <= 21
        )
        return week < 12 or around_discharge

    def _mondays(self, course: Course, last: datetime.date) -> Iterator[tuple[int, datetime.date]]:
        monday = course.started_on - datetime.timedelta(days=course.started_on.weekday())
        week = 0
        while monday <= last:
            yield week, monday
            monday += datetime.timedelta(weeks=1)
            week += 1

    def _room(
        self, courses: list[tuple[Course, datetime.date]]
    ) -> dict[tuple[int, datetime.date], float]:
        """For each peer and week, the share of the peer's other courses that meet that week:
        what the peer's contract leaves for them after the weekly ones (issue 19). A peer
        with a light caseload sees each person more often, a busy one spaces them out, so
        that the conversations come to about DIRECT_SHARE of the contract."""
        weekly: dict[tuple[int, datetime.date], int] = {}
        spaced: dict[tuple[int, datetime.date], int] = {}
        wanted: dict[int, float] = {}
        for course, last in courses:
            peer = course.peer
            if peer.pk not in wanted:
                hours = float(peer.hours_min + peer.hours_max) / 2
                wanted[peer.pk] = DIRECT_SHARE * hours * 60 / CONVERSATION_MINUTES
            for week, monday in self._mondays(course, last):
                counts = weekly if self._close_weeks(course, monday, week) else spaced
                counts[peer.pk, monday] = counts.get((peer.pk, monday), 0) + 1
        return {
            key: max(0.0, wanted[key[0]] - weekly.get(key, 0)) / count
            for key, count in spaced.items()
        }

    def _conversation_weeks(
        self, course: Course, last: datetime.date, room: dict[tuple[int, datetime.date], float]
    ) -> list[datetime.date]:
        """The Mondays of the weeks a course has a conversation: weekly for the first twelve
        weeks and the three weeks either side of a discharge (now and then a week lost to
        illness or a holiday), otherwise as often as the peer's week has room for, from
        every third week to weekly (three weeks in four at most in the follow-up months),
        never more than three weeks apart."""
        rng = self.rng
        weeks: list[datetime.date] = []
        since = 0
        for week, monday in self._mondays(course, last):
            since += 1
            if self._close_weeks(course, monday, week):
                meets = rng.random() < 0.9
            else:
                follow_up = (
                    course.discharged_on is not None and (monday - course.discharged_on).days > 60
                )
                share = min(
                    max(room.get((course.peer_id, monday), 0.5), 1 / 3), 0.75 if follow_up else 1.0
                )
                meets = since >= 3 or rng.random() < share
            if meets:
                weeks.append(monday)
                since = 0
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
        courses = [
            (course, course.ended_on or self.today + datetime.timedelta(days=14))
            for course in Course.objects.select_related("person", "peer__user").order_by("pk")
            if course.peer_id in windows
        ]
        room = self._room(courses)
        for course, last in courses:
            peer_windows = windows[course.peer_id]
            for monday in self._conversation_weeks(course, last, room):
                mode = rng.choices(["in_person", "phone", "video"], weights=[6, 3, 1])[0]
                place_kind = rng.choice(["ward", "clinic", "other"]) if mode == "in_person" else ""
                # In person: a talk, a walk, or going along to the job centre or the GP.
                # Going along to the job centre or the GP takes the afternoon.
                minutes = {
                    "in_person": [60, 75, 90, 90, 120, 150],
                    "phone": [30, 45, 45],
                    "video": [45, 60],
                }
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
        # Each course read once with its person and peer, not again with every one of its
        # conversations (five instances a row; the phase 12.7 s -> 7.8 s at scale 10).
        courses = Course.objects.select_related("person", "peer__user").in_bulk()
        held = Appointment.objects.filter(status="held").order_by("starts_at", "pk")
        # The discharge guide is walked in its order, a topic or two a conversation, now
        # and then back to an earlier one.
        reached: dict[int, int] = {}
        for appointment in held:
            if rng.random() < 0.1:
                continue  # not every conversation gets a note written
            course = appointment.course = courses[appointment.course_id]
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
