import datetime
from decimal import Decimal
from typing import Any

import holidays
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from brobygger.lib.dates import TZ, local_datetime
from brobygger.lib.paging import PAGE_SIZE
from brobygger.scheduling import selectors, services
from brobygger.scheduling.models import Appointment, AppointmentStatus
from brobygger.testing import (
    TODAY,
    BaseTestCase,
    count_queries,
    make_course,
    make_peer,
    make_person,
)

UTC = datetime.UTC


def next_weekday(weekday: int, weeks_ahead: int = 1) -> datetime.date:
    today = timezone.localdate()
    return today + datetime.timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks_ahead)


def last_sunday(year: int, month: int) -> datetime.date:
    first_of_next = datetime.date(year + month // 12, month % 12 + 1, 1)
    day = first_of_next - datetime.timedelta(days=1)
    return day - datetime.timedelta(days=(day.weekday() - 6) % 7)


def coming_working_sundays(month: int, count: int = 1) -> list[datetime.date]:
    """The next last Sundays of `month` after today that are not public holidays (Easter
    Sunday is the last Sunday of March in some years)."""
    danish = holidays.Denmark(years=range(TODAY.year, TODAY.year + 10))
    found = []
    for year in range(TODAY.year, TODAY.year + 10):
        day = last_sunday(year, month)
        if day > TODAY and day not in danish:
            found.append(day)
    return found[:count]


class BookingTests(BaseTestCase):
    def at(self, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
        return local_datetime(day, datetime.time(hour, minute))

    def book(self, course=None, *, starts_at, minutes=45, **kwargs):
        return services.book(
            actor=self.peer.user,
            course=course or self.alice_course,
            starts_at=starts_at,
            minutes=minutes,
            mode="phone",
            **kwargs,
        )

    def test_no_double_booking_for_the_peer_or_the_person(self):
        day = next_weekday(0)
        self.book(starts_at=self.at(day, 10))
        other_course = make_course(make_person("Dan", unit=self.unit), self.peer)
        with self.assertRaises(ValidationError) as info:
            self.book(other_course, starts_at=self.at(day, 10, 30))
        self.assertEqual(info.exception.error_list[0].code, "double_booked")
        # Back to back is fine: ranges are half-open.
        self.book(other_course, starts_at=self.at(day, 10, 45))
        # The same person with another peer at the same time is refused too.
        second = make_course(self.alice, self.other_peer)
        with self.assertRaises(ValidationError):
            services.book(
                actor=self.coordinator,
                course=second,
                starts_at=self.at(day, 10, 15),
                minutes=30,
                mode="phone",
            )

    def test_cancelled_frees_the_time_and_uncancel_goes_through_the_guard(self):
        day = next_weekday(1)
        first = self.book(starts_at=self.at(day, 9))
        services.cancel(actor=self.peer.user, appointment=first, by="person", reason="Syg")
        other_course = make_course(make_person("Dan", unit=self.unit), self.peer)
        self.book(other_course, starts_at=self.at(day, 9))
        with self.assertRaises(ValidationError):
            services.uncancel(actor=self.peer.user, appointment=first)
        first.refresh_from_db()
        self.assertEqual(first.status, AppointmentStatus.CANCELLED)

    def test_reschedule_goes_through_the_guard_and_raises_the_sequence(self):
        day = next_weekday(2)
        first = self.book(starts_at=self.at(day, 9))
        other_course = make_course(make_person("Dan", unit=self.unit), self.peer)
        second = self.book(other_course, starts_at=self.at(day, 11))
        with self.assertRaises(ValidationError):
            services.reschedule(
                actor=self.peer.user, appointment=second, starts_at=self.at(day, 9, 30), minutes=45
            )
        services.reschedule(
            actor=self.peer.user, appointment=first, starts_at=self.at(day, 13), minutes=45
        )
        first.refresh_from_db()
        self.assertEqual((first.sequence, timezone.localtime(first.starts_at).hour), (1, 13))

    def test_over_the_contract_needs_confirmation(self):
        type(self.peer).objects.filter(pk=self.peer.pk).update(
            hours_min=Decimal(1), hours_max=Decimal(1)
        )
        self.peer.refresh_from_db()
        self.alice_course.peer.refresh_from_db()
        day = next_weekday(3)
        self.book(starts_at=self.at(day, 9), minutes=45)
        with self.assertRaises(ValidationError) as info:
            self.book(starts_at=self.at(day, 11), minutes=45)
        self.assertEqual(info.exception.error_list[0].code, "over_contract")
        self.book(starts_at=self.at(day, 11), minutes=45, allow_over_contract=True)

    def test_past_times_and_odd_lengths_are_refused(self):
        with self.assertRaises(ValidationError):
            self.book(starts_at=timezone.now() - datetime.timedelta(hours=1))
        with self.assertRaises(ValidationError):
            self.book(starts_at=self.at(next_weekday(0), 9), minutes=500)

    def test_no_booking_without_consent_or_after_the_course(self):
        from brobygger.lifecycle.services import end_course
        from brobygger.people.models import Consent

        end_course(
            actor=self.peer.user,
            course=self.alice_course,
            ended_on=self.alice_course.started_on,
            reason="completed",
        )
        with self.assertRaises(ValidationError):
            self.book(starts_at=self.at(next_weekday(0), 9))
        self.assertFalse(Consent.objects.filter(person=self.bob, kind="contact").exists())
        bob_course = self.bob.courses.get()
        with self.assertRaises(ValidationError):
            services.book(
                actor=self.coordinator,
                course=bob_course,
                starts_at=self.at(next_weekday(0), 9),
                minutes=45,
                mode="phone",
            )


class TimeTests(BaseTestCase):
    def test_the_skipped_spring_hour_does_not_exist(self):
        with self.assertRaises(ValueError):
            local_datetime(datetime.date(2027, 3, 28), datetime.time(2, 30))
        moment = local_datetime(datetime.date(2027, 3, 28), datetime.time(3, 0))
        self.assertEqual(moment.astimezone(UTC).hour, 1)

    def test_the_repeated_autumn_hour_means_summer_time(self):
        moment = local_datetime(datetime.date(2027, 10, 31), datetime.time(2, 30))
        self.assertEqual(moment.astimezone(UTC).time(), datetime.time(0, 30))

    def test_free_slots_keep_wall_clock_time_across_summer_time(self):
        services.set_windows(
            actor=self.coordinator,
            peer=self.peer,
            windows=[(6, datetime.time(10), datetime.time(11))],
        )
        # The next Sundays summer time starts and ends on, and an ordinary Sunday before one.
        spring, autumn = coming_working_sundays(3)[0], coming_working_sundays(10)[0]
        for sunday in (spring - datetime.timedelta(days=7), spring, autumn):
            slots = selectors.free_slots(
                self.peer.__class__.objects.get(pk=self.peer.pk),
                self.alice,
                start=sunday,
                days=1,
                minutes=45,
            )
            local = [s.astimezone(TZ).time() for s in slots]
            self.assertEqual(local, [datetime.time(10), datetime.time(10, 15)], sunday)

    def test_public_holidays_have_no_free_slots(self):
        services.set_windows(
            actor=self.coordinator,
            peer=self.peer,
            windows=[(d, datetime.time(9), datetime.time(12)) for d in range(5)],
        )
        year = TODAY.year if datetime.date(TODAY.year, 12, 25) > TODAY else TODAY.year + 1
        christmas = selectors.free_slots(
            self.peer, self.alice, start=datetime.date(year, 12, 25), days=1
        )
        self.assertEqual(christmas, [])
        working_day = datetime.date(year, 12, 27)  # the 27th is no holiday; skip the weekend
        while working_day.weekday() > 4:
            working_day += datetime.timedelta(days=1)
        ordinary = selectors.free_slots(self.peer, self.alice, start=working_day, days=1)
        self.assertTrue(ordinary)

    def test_away_days_booked_times_and_preferences_are_respected(self):
        day = next_weekday(0)
        services.set_windows(
            actor=self.coordinator,
            peer=self.peer,
            windows=[(0, datetime.time(9), datetime.time(16))],
        )
        services.book(
            actor=self.peer.user,
            course=self.alice_course,
            starts_at=local_datetime(day, datetime.time(9)),
            minutes=60,
            mode="phone",
        )
        slots = selectors.free_slots(self.peer, self.bob, start=day, days=1, minutes=45)
        self.assertNotIn(local_datetime(day, datetime.time(9, 30)), slots)
        self.assertIn(local_datetime(day, datetime.time(10)), slots)
        afternoon = selectors.free_slots(
            self.peer, self.bob, start=day, days=1, part_of_day="afternoon"
        )
        self.assertTrue(all(s.astimezone(TZ).hour >= 12 for s in afternoon))
        services.add_exception(actor=self.peer.user, peer=self.peer, starts_on=day, kind="sick")
        self.assertEqual(selectors.free_slots(self.peer, self.bob, start=day, days=1), [])


class SchedulingViewTests(BaseTestCase):
    def test_peer_books_from_a_free_slot_and_sees_it_in_the_week(self):
        day = next_weekday(0)
        services.set_windows(
            actor=self.peer.user, peer=self.peer, windows=[(0, datetime.time(9), datetime.time(12))]
        )
        self.login(self.peer)
        url = reverse("scheduling:book", args=[self.alice_course.pk])
        response = self.client.get(url, {"tid": local_datetime(day, datetime.time(9)).isoformat()})
        self.assertContains(response, 'value="09:00"')
        response = self.client.post(
            url, {"date": day.isoformat(), "time": "09:00", "minutes": "45", "mode": "phone"}
        )
        appointment = Appointment.objects.get()
        self.assertRedirects(response, reverse("scheduling:appointment", args=[appointment.pk]))
        week = self.client.get(reverse("scheduling:my_week"), {"uge": day.isoformat()})
        self.assertContains(week, "Alice Andersen")

    def test_double_booking_in_the_form_keeps_input_and_explains(self):
        day = next_weekday(0)
        services.book(
            actor=self.peer.user,
            course=self.alice_course,
            starts_at=local_datetime(day, datetime.time(9)),
            minutes=45,
            mode="phone",
        )
        bob_course = make_course(make_person("Dan", unit=self.unit), self.peer)
        self.login(self.peer)
        response = self.client.post(
            reverse("scheduling:book", args=[bob_course.pk]),
            {"date": day.isoformat(), "time": "09:15", "minutes": "45", "mode": "phone"},
        )
        self.assertContains(response, "allerede en samtale", status_code=422)
        self.assertContains(response, 'value="09:15"', status_code=422)

    def test_spring_gap_in_the_form_is_explained(self):
        self.login(self.peer)
        response = self.client.post(
            reverse("scheduling:book", args=[self.alice_course.pk]),
            {"date": "2027-03-28", "time": "02:30", "minutes": "45", "mode": "phone"},
        )
        self.assertContains(response, "findes ikke", status_code=422)

    def test_role_matrix(self):
        day = next_weekday(0)
        appointment = services.book(
            actor=self.peer.user,
            course=self.alice_course,
            starts_at=local_datetime(day, datetime.time(9)),
            minutes=45,
            mode="phone",
        )
        cases: list[tuple[Any, str, int]] = [
            (self.peer, reverse("scheduling:book", args=[self.alice_course.pk]), 200),
            (self.other_peer, reverse("scheduling:book", args=[self.alice_course.pk]), 404),
            (self.coordinator, reverse("scheduling:book", args=[self.alice_course.pk]), 200),
            (self.other_coordinator, reverse("scheduling:book", args=[self.alice_course.pk]), 404),
            (self.clinician, reverse("scheduling:book", args=[self.alice_course.pk]), 403),
            (self.peer, reverse("scheduling:appointment", args=[appointment.pk]), 200),
            (self.other_peer, reverse("scheduling:appointment", args=[appointment.pk]), 404),
            (self.evaluator, reverse("scheduling:appointment", args=[appointment.pk]), 403),
            (self.peer, reverse("scheduling:my_week"), 200),
            (self.coordinator, reverse("scheduling:my_week"), 403),
            (self.coordinator, reverse("scheduling:planning"), 200),
            (self.peer, reverse("scheduling:planning"), 403),
            (self.peer, reverse("scheduling:my_availability"), 200),
            (self.coordinator, reverse("scheduling:peer_availability", args=[self.peer.pk]), 200),
            (self.peer, reverse("scheduling:peer_availability", args=[self.peer.pk]), 403),
        ]
        for user, url, status in cases:
            with self.subTest(user=str(user), url=url):
                self.login(user)
                self.assertEqual(self.client.get(url).status_code, status)

    def test_planning_shows_a_chart_and_a_table_with_constant_queries(self):
        self.login(self.coordinator)
        url = reverse("scheduling:planning")
        with count_queries() as small:
            response = self.client.get(url)
        self.assertContains(response, "<svg")
        self.assertContains(response, "<table")
        day = next_weekday(0, weeks_ahead=0) + datetime.timedelta(days=7)
        for hour in (9, 10, 11, 13):
            course = make_course(make_person(f"P{hour}", unit=self.unit), self.other_peer)
            services.book(
                actor=self.coordinator,
                course=course,
                starts_at=local_datetime(day, datetime.time(hour)),
                minutes=45,
                mode="phone",
            )
        with count_queries() as large:
            self.client.get(url)
        self.assertEqual(len(small), len(large))

    def test_planning_pages_past_25_peers_with_the_same_queries(self):
        self.login(self.coordinator)
        url = reverse("scheduling:planning")
        make_peer("second", units=(self.unit,))
        with count_queries() as two:
            self.client.get(url)
        day = next_weekday(0, weeks_ahead=0) + datetime.timedelta(days=7)
        for i in range(PAGE_SIZE + 5):
            peer = make_peer(f"plan{i:02d}", units=(self.unit,))
            if i % 5 == 0:
                services.book(
                    actor=self.coordinator,
                    course=make_course(make_person(f"Q{i}", unit=self.unit), peer),
                    starts_at=local_datetime(day, datetime.time(9)),
                    minutes=45,
                    mode="phone",
                )
        with count_queries() as many:
            response = self.client.get(url, {"enhed": str(self.unit.pk)})
        self.assertEqual(len(two), len(many))
        self.assertEqual(len(response.context["load"]), PAGE_SIZE)
        self.assertEqual(len(response.context["week"]), PAGE_SIZE)
        self.assertEqual(len(response.context["chart"]["bars"]), PAGE_SIZE)
        self.assertContains(response, f'href="?enhed={self.unit.pk}&amp;page=2"')
        rest = self.client.get(url, {"enhed": str(self.unit.pk), "page": "2"})
        total = rest.context["page"].paginator.count
        self.assertEqual(len(rest.context["load"]), total - PAGE_SIZE)

    def test_mark_held_only_after_the_start(self):
        day = next_weekday(0)
        appointment = services.book(
            actor=self.peer.user,
            course=self.alice_course,
            starts_at=local_datetime(day, datetime.time(9)),
            minutes=45,
            mode="phone",
        )
        with self.assertRaises(ValidationError):
            services.mark(actor=self.peer.user, appointment=appointment, status="held")
        Appointment.objects.filter(pk=appointment.pk).update(
            starts_at=timezone.now() - datetime.timedelta(hours=1),
            ends_at=timezone.now() - datetime.timedelta(minutes=15),
        )
        appointment.refresh_from_db()
        services.mark(actor=self.peer.user, appointment=appointment, status="held")
        self.assertEqual(appointment.status, "held")

    def test_availability_form_rejects_bad_windows_and_keeps_input(self):
        self.login(self.peer)
        response = self.client.post(
            reverse("scheduling:my_availability"),
            {"action": "windows", "w-d0_1_from": "12:00", "w-d0_1_to": "09:00"},
        )
        self.assertContains(response, 'value="12:00"', status_code=422)
        response = self.client.post(
            reverse("scheduling:my_availability"),
            {"action": "windows", "w-d0_1_from": "09:00", "w-d0_1_to": "12:00"},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            selectors.windows_of(self.peer), [(0, datetime.time(9), datetime.time(12))]
        )


class GroupGuardTests(BaseTestCase):
    """Group sessions take the same time: bookings and enrolments share one guard."""

    def setUp(self):
        from brobygger.groups import services as groups

        self.day = next_weekday(2)
        self.group = groups.create_group(
            actor=self.coordinator,
            title="Hverdagsliv",
            place="Grupperummet",
            capacity=8,
            facilitators=[self.other_peer],
            unit=self.unit,
        )
        self.session = groups.add_session(
            actor=self.coordinator,
            group=self.group,
            starts_at=local_datetime(self.day, datetime.time(13)),
            ends_at=local_datetime(self.day, datetime.time(14, 30)),
        )

    def test_facilitator_cannot_be_booked_during_a_session(self):
        bob_course = self.bob.courses.get()
        from brobygger.people.services import record_consent

        record_consent(actor=None, person=self.bob, kind="contact", source="verbal")
        with self.assertRaises(ValidationError):
            services.book(
                actor=self.coordinator,
                course=bob_course,
                starts_at=local_datetime(self.day, datetime.time(14)),
                minutes=45,
                mode="phone",
            )

    def test_participant_cannot_be_booked_during_a_session_and_vice_versa(self):
        from brobygger.groups import services as groups

        groups.enrol(actor=self.coordinator, group=self.group, person=self.alice)
        with self.assertRaises(ValidationError):
            services.book(
                actor=self.peer.user,
                course=self.alice_course,
                starts_at=local_datetime(self.day, datetime.time(13, 30)),
                minutes=30,
                mode="phone",
            )
        dora = make_person("Dora", unit=self.unit)
        dora_course = make_course(dora, self.peer)
        services.book(
            actor=self.peer.user,
            course=dora_course,
            starts_at=local_datetime(self.day, datetime.time(14)),
            minutes=30,
            mode="phone",
        )
        with self.assertRaises(ValidationError):
            groups.enrol(actor=self.coordinator, group=self.group, person=dora)

    def test_group_sessions_count_in_the_facilitators_hours(self):
        self.assertEqual(services.week_minutes(self.other_peer.pk, self.day), 90)


class InterviewGuardTests(BaseTestCase):
    """A peer on a job interview panel cannot be booked for a conversation at that time."""

    def test_peer_on_a_panel_cannot_be_booked_during_the_interview(self):
        from brobygger.recruitment import interviews
        from brobygger.recruitment.tests.helpers import make_application, make_posting

        day = next_weekday(3)
        application = make_application(make_posting(self.unit))
        interviews.book_interview(
            actor=self.coordinator,
            application=application,
            starts_at=local_datetime(day, datetime.time(10)),
            minutes=60,
            mode="video",
            panel=[self.coordinator, self.peer.user],
        )
        with self.assertRaises(ValidationError) as refused:
            services.book(
                actor=self.coordinator,
                course=self.alice_course,
                starts_at=local_datetime(day, datetime.time(10, 30)),
                minutes=45,
                mode="phone",
            )
        self.assertEqual(refused.exception.code, "double_booked")
        self.assertIn("10.00", refused.exception.messages[0])
        # Right after the interview is free.
        services.book(
            actor=self.coordinator,
            course=self.alice_course,
            starts_at=local_datetime(day, datetime.time(11)),
            minutes=45,
            mode="phone",
        )
        self.assertEqual(Appointment.objects.filter(course=self.alice_course).count(), 1)
