import datetime
import random

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from brobygger.audit.models import AuditEvent
from brobygger.groups import notes, selectors, services
from brobygger.groups.demo import build_groups
from brobygger.groups.models import (
    Attendance,
    Enrolment,
    EnrolmentStatus,
    GroupSession,
    RecoveryGroup,
)
from brobygger.lib.when import format_when
from brobygger.lifecycle import services as lifecycle
from brobygger.people.models import Person
from brobygger.scheduling import services as scheduling
from brobygger.testing import make_peer, make_person

from .helpers import GroupTestCase, at, next_weekday


def codes(error: ValidationError) -> set[str | None]:
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


class GroupSetupTests(GroupTestCase):
    def test_one_or_two_facilitators_of_any_peer_kind(self):
        group = self.add_group(facilitators=[self.peer, self.relative_peer])
        self.assertEqual(group.facilitators.count(), 2)
        third = make_peer("tredje", units=(self.unit,))
        for chosen in ([], [self.peer, self.other_peer, third]):
            with self.subTest(count=len(chosen)), self.assertRaises(ValidationError) as info:
                self.add_group(facilitators=chosen)
            self.assertIn("facilitators", info.exception.error_dict)

    def test_capacity_is_between_1_and_30_in_the_service_and_the_database(self):
        for capacity in (0, 31):
            with self.subTest(capacity=capacity), self.assertRaises(ValidationError):
                self.add_group(capacity=capacity)
        with self.assertRaises(IntegrityError), transaction.atomic():
            RecoveryGroup.objects.filter(pk=self.group.pk).update(capacity=31)

    def test_session_must_end_after_it_starts_in_the_database(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            GroupSession.objects.filter(pk=self.coming.pk).update(starts_at=self.coming.ends_at)

    def test_creating_a_group_is_audited(self):
        group = self.add_group()
        self.assertTrue(
            AuditEvent.objects.filter(verb="group.created", object_id=group.pk).exists()
        )


class FacilitatorGuardTests(GroupTestCase):
    def test_facilitator_with_a_conversation_then_cannot_run_a_session(self):
        day = next_weekday(1, weeks_ahead=2)
        scheduling.book(
            actor=self.peer.user,
            course=self.alice_course,
            starts_at=at(day, 10),
            minutes=45,
            mode="phone",
        )
        with self.assertRaises(ValidationError) as info:
            services.add_session(
                actor=self.coordinator,
                group=self.group,
                starts_at=at(day, 9, 30),
                ends_at=at(day, 11),
            )
        self.assertEqual(codes(info.exception), {"facilitator_busy"})
        self.assertIn("Peer Peer", info.exception.messages[0])
        # Back to back is fine: ranges are half-open.
        services.add_session(
            actor=self.coordinator, group=self.group, starts_at=at(day, 10, 45), ends_at=at(day, 12)
        )

    def test_a_cancelled_conversation_frees_the_time(self):
        day = next_weekday(3, weeks_ahead=2)
        appointment = scheduling.book(
            actor=self.peer.user,
            course=self.alice_course,
            starts_at=at(day, 10),
            minutes=45,
            mode="phone",
        )
        scheduling.cancel(actor=self.peer.user, appointment=appointment, by="person", reason="Syg")
        services.add_session(
            actor=self.coordinator, group=self.group, starts_at=at(day, 10), ends_at=at(day, 12)
        )

    def test_facilitator_cannot_run_two_groups_at_once(self):
        other = self.add_group(facilitators=[self.other_peer, self.peer])
        with self.assertRaises(ValidationError) as info:
            services.add_session(
                actor=self.coordinator,
                group=other,
                starts_at=self.coming.starts_at + datetime.timedelta(minutes=30),
                ends_at=self.coming.ends_at + datetime.timedelta(minutes=30),
            )
        self.assertEqual(codes(info.exception), {"facilitator_busy"})
        self.assertIn("13.00", info.exception.messages[0])
        # The same group cannot meet twice at once either.
        with self.assertRaises(ValidationError):
            services.add_session(
                actor=self.coordinator,
                group=self.group,
                starts_at=self.coming.starts_at,
                ends_at=self.coming.ends_at,
            )
        # Once cancelled, the time is free.
        services.cancel_session(actor=self.coordinator, session=self.coming)
        services.add_session(
            actor=self.coordinator,
            group=other,
            starts_at=self.coming.starts_at,
            ends_at=self.coming.ends_at,
        )

    def test_new_facilitator_must_be_free_at_the_planned_sessions(self):
        course = lifecycle.start_course(
            actor=None,
            person=make_person("Dan", unit=self.unit),
            peer=self.other_peer,
            started_on=timezone.localdate(),
        )
        scheduling.book(
            actor=self.other_peer.user,
            course=course,
            starts_at=self.coming.starts_at,
            minutes=45,
            mode="phone",
        )
        with self.assertRaises(ValidationError) as info:
            services.update_group(
                actor=self.coordinator, group=self.group, facilitators=[self.peer, self.other_peer]
            )
        self.assertIn("facilitators", info.exception.error_dict)
        self.assertEqual(self.group.facilitators.count(), 1)

    def test_past_times_are_refused_unless_registered_after_the_fact(self):
        start = timezone.now() - datetime.timedelta(days=3)
        with self.assertRaises(ValidationError) as info:
            services.add_session(
                actor=self.coordinator,
                group=self.group,
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=2),
            )
        self.assertEqual(codes(info.exception), {"past"})

    def test_weekly_series_keeps_the_wall_clock_time_over_summer_time(self):
        # Three Mondays around the last Sunday of March: 13:00 local time each week.
        year = timezone.localdate().year + 1
        last_sunday = max(
            datetime.date(year, 3, d)
            for d in range(25, 32)
            if datetime.date(year, 3, d).weekday() == 6
        )
        first = last_sunday - datetime.timedelta(days=6)
        sessions = services.add_weekly_sessions(
            actor=self.coordinator,
            group=self.group,
            first_day=first,
            start_time=datetime.time(13),
            minutes=120,
            weeks=3,
        )
        self.assertEqual([timezone.localtime(s.starts_at).hour for s in sessions], [13, 13, 13])
        self.assertEqual({s.minutes for s in sessions}, {120})

    def test_a_series_with_a_clash_adds_nothing(self):
        before = GroupSession.objects.count()
        with self.assertRaises(ValidationError) as info:
            services.add_weekly_sessions(
                actor=self.coordinator,
                group=self.group,
                first_day=timezone.localtime(self.coming.starts_at).date()
                - datetime.timedelta(weeks=1),
                start_time=datetime.time(13),
                minutes=120,
                weeks=3,
            )
        self.assertEqual(codes(info.exception), {"facilitator_busy"})
        week_two = format_when(self.coming.starts_at, "short")
        self.assertIn(week_two, info.exception.messages[0])
        self.assertEqual(GroupSession.objects.count(), before)


class EnrolmentTests(GroupTestCase):
    def patients(self, n: int) -> list[Person]:
        return [make_person(f"Deltager{i}", unit=self.unit) for i in range(n)]

    def test_full_group_puts_people_on_a_numbered_waiting_list(self):
        people = self.patients(5)
        results = [
            services.enrol(actor=self.coordinator, group=self.group, person=p) for p in people
        ]
        self.assertEqual(
            [(e.status, e.position) for e in results],
            [
                ("enrolled", None),
                ("enrolled", None),
                ("enrolled", None),
                ("waiting", 1),
                ("waiting", 2),
            ],
        )

    def test_when_someone_leaves_the_first_in_line_moves_up_and_is_audited(self):
        a, b, c, d, e = self.patients(5)
        for person in (a, b, c, d, e):
            services.enrol(actor=self.coordinator, group=self.group, person=person)
        services.leave(actor=self.coordinator, group=self.group, person=b)
        statuses = dict(Enrolment.objects.values_list("person_id", "status"))
        self.assertEqual(statuses[b.pk], EnrolmentStatus.LEFT)
        self.assertEqual(statuses[d.pk], EnrolmentStatus.ENROLLED)
        self.assertEqual(Enrolment.objects.get(person=e).position, 1)
        self.assertTrue(AuditEvent.objects.filter(verb="group.moved_up", person_id=d.pk).exists())
        # Someone leaving the waiting list moves nobody up, but closes the gap.
        f = make_person("Frida", unit=self.unit)
        services.enrol(actor=self.coordinator, group=self.group, person=f)
        services.leave(actor=self.coordinator, group=self.group, person=e)
        self.assertEqual(Enrolment.objects.get(person=f).position, 1)
        self.assertEqual(Enrolment.objects.filter(group=self.group).enrolled().count(), 3)

    def test_more_places_move_people_up_and_fewer_than_enrolled_are_refused(self):
        people = self.patients(5)
        for person in people:
            services.enrol(actor=self.coordinator, group=self.group, person=person)
        services.update_group(actor=self.coordinator, group=self.group, capacity=4)
        self.assertEqual(Enrolment.objects.filter(group=self.group).enrolled().count(), 4)
        self.assertEqual(Enrolment.objects.get(person=people[4]).position, 1)
        with self.assertRaises(ValidationError) as info:
            services.update_group(actor=self.coordinator, group=self.group, capacity=2)
        self.assertIn("capacity", info.exception.error_dict)

    def test_only_patients_with_consent_to_be_contacted(self):
        relative = make_person("Rita", kind="relative", unit=self.unit)
        with self.assertRaises(ValidationError) as info:
            services.enrol(actor=self.coordinator, group=self.group, person=relative)
        self.assertEqual(codes(info.exception), {"not_patient"})
        with self.assertRaises(ValidationError) as info:
            services.enrol(actor=self.coordinator, group=self.group, person=self.bob)
        self.assertEqual(codes(info.exception), {"no_consent"})

    def test_twice_is_refused_and_coming_back_after_leaving_is_fine(self):
        services.enrol(actor=self.coordinator, group=self.group, person=self.alice)
        with self.assertRaises(ValidationError) as info:
            services.enrol(actor=self.coordinator, group=self.group, person=self.alice)
        self.assertEqual(codes(info.exception), {"duplicate"})
        services.leave(actor=self.coordinator, group=self.group, person=self.alice)
        again = services.enrol(actor=self.coordinator, group=self.group, person=self.alice)
        self.assertEqual(again.status, EnrolmentStatus.ENROLLED)
        self.assertEqual(Enrolment.objects.filter(person=self.alice).count(), 1)

    def test_closed_group_takes_no_sign_ups_or_sessions(self):
        services.close_group(actor=self.coordinator, group=self.group)
        with self.assertRaises(ValidationError):
            services.enrol(actor=self.coordinator, group=self.group, person=self.alice)
        day = next_weekday(4, weeks_ahead=3)
        with self.assertRaises(ValidationError):
            services.add_session(
                actor=self.coordinator, group=self.group, starts_at=at(day, 9), ends_at=at(day, 11)
            )

    def test_closing_cancels_the_sessions_still_to_come(self):
        services.close_group(actor=self.coordinator, group=self.group)
        self.held.refresh_from_db()
        self.coming.refresh_from_db()
        self.assertEqual((self.held.cancelled, self.coming.cancelled), (False, True))

    def test_leaving_all_groups_when_consent_is_withdrawn(self):
        other = self.add_group()
        services.enrol(actor=self.coordinator, group=self.group, person=self.alice)
        services.enrol(actor=self.coordinator, group=other, person=self.alice)
        self.assertEqual(services.leave_all_groups(actor=self.coordinator, person=self.alice), 2)
        self.assertFalse(Enrolment.objects.exclude(status="left").exists())

    def test_waiting_places_are_unique_in_the_database(self):
        people = self.patients(5)
        for person in people:
            services.enrol(actor=self.coordinator, group=self.group, person=person)
        with self.assertRaises(IntegrityError), transaction.atomic():
            Enrolment.objects.filter(person=people[4]).update(position=1)


class AttendanceTests(GroupTestCase):
    def setUp(self):
        self.dan = make_person("Dan", unit=self.unit)
        self.eva = make_person("Eva", unit=self.unit)
        for person in (self.alice, self.dan, self.eva):
            services.enrol(actor=self.coordinator, group=self.group, person=person)

    def test_attendance_is_counted_per_session_and_per_participant(self):
        services.record_attendance(
            actor=self.peer.user,
            session=self.held,
            statuses={self.alice.pk: "present", self.dan.pk: "absent", self.eva.pk: "excused"},
        )
        # Changing one mark changes one row; unchanged marks are not rewritten.
        before = AuditEvent.objects.filter(verb="group.attendance").count()
        services.record_attendance(
            actor=self.peer.user,
            session=self.held,
            statuses={self.alice.pk: "present", self.dan.pk: "present"},
        )
        self.assertEqual(AuditEvent.objects.filter(verb="group.attendance").count(), before + 1)
        self.assertEqual(
            selectors.attendance_summary(self.group), {"present": 2, "absent": 0, "excused": 1}
        )
        page = selectors.group_page(self.group)
        self.assertEqual([(s.present, s.recorded) for s in page["sessions"]], [(2, 3), (0, 0)])
        attended = {e.person_id: e.attended for e in page["enrolled"]}
        self.assertEqual(attended, {self.alice.pk: 1, self.dan.pk: 1, self.eva.pk: 0})
        self.assertEqual(page["held_count"], 1)

    def test_not_before_the_session_has_begun(self):
        with self.assertRaises(ValidationError) as info:
            services.record_attendance(
                actor=self.peer.user, session=self.coming, statuses={self.alice.pk: "present"}
            )
        self.assertEqual(codes(info.exception), {"future"})
        self.assertFalse(Attendance.objects.exists())

    def test_only_for_enrolled_participants(self):
        waiting = make_person("Vera", unit=self.unit)
        services.enrol(actor=self.coordinator, group=self.group, person=waiting)
        for person in (self.carol, waiting):
            with self.subTest(person=person.given_name), self.assertRaises(ValidationError) as info:
                services.record_attendance(
                    actor=self.peer.user, session=self.held, statuses={person.pk: "present"}
                )
            self.assertEqual(codes(info.exception), {"not_enrolled"})

    def test_unknown_status_and_cancelled_sessions_are_refused(self):
        with self.assertRaises(ValidationError):
            services.record_attendance(
                actor=self.peer.user, session=self.held, statuses={self.alice.pk: "asleep"}
            )
        services.cancel_session(actor=self.coordinator, session=self.coming)
        with self.assertRaises(ValidationError):
            services.record_attendance(
                actor=self.peer.user, session=self.coming, statuses={self.alice.pk: "present"}
            )

    def test_a_session_with_attendance_cannot_be_cancelled(self):
        services.record_attendance(
            actor=self.peer.user, session=self.held, statuses={self.alice.pk: "present"}
        )
        with self.assertRaises(ValidationError):
            services.cancel_session(actor=self.coordinator, session=self.held)


class GroupNoteTests(GroupTestCase):
    def setUp(self):
        services.enrol(actor=self.coordinator, group=self.group, person=self.alice)

    def save(self, text: str, *, confirmed: bool = False) -> GroupSession:
        return services.save_group_note(
            actor=self.peer.user, session=self.held, text=text, confirmed=confirmed
        )

    def test_a_note_about_the_group_is_saved(self):
        self.save("God stemning. Vi talte om søvn, og i dag var alle med.")
        self.held.refresh_from_db()
        self.assertIn("God stemning", self.held.note)

    def test_a_first_name_or_cpr_number_gives_a_warning_until_confirmed(self):
        for text in ("Alice var ked af det.", "Husk 010190-1234", "nummer 0101901234 her"):
            with self.subTest(text=text), self.assertRaises(ValidationError) as info:
                self.save(text)
            self.assertEqual(codes(info.exception), {services.NOTE_WARNING})
        self.held.refresh_from_db()
        self.assertEqual(self.held.note, "")
        self.save("Alice Springs var temaet for en rejsefortælling.", confirmed=True)
        self.held.refresh_from_db()
        self.assertIn("Alice", self.held.note)

    def test_everyday_words_that_are_also_names_do_not_warn_in_lower_case(self):
        dag = make_person("Dag", unit=self.unit)
        services.enrol(actor=self.coordinator, group=self.group, person=dag)
        self.save("I dag talte gruppen om håb. Aliceblå er en farve. Telefon 20304050.")

    def test_names_of_people_outside_the_group_do_not_warn(self):
        self.save("Carol er ikke med i gruppen, så navnet advarer ikke.")

    def test_double_names_are_checked_word_by_word(self):
        self.assertEqual(notes.named_in("Marie kom for sent.", ["Anne Marie", "Bo"]), ["Marie"])
        self.assertEqual(notes.named_in("Vi bor tæt på. Annemarie?", ["Anne Marie", "Bo"]), [])


class HoursTests(GroupTestCase):
    def test_facilitator_minutes_count_non_cancelled_sessions_in_the_range(self):
        shared = self.add_group(facilitators=[self.other_peer, self.relative_peer])
        day = timezone.localtime(self.coming.starts_at).date()
        services.add_session(
            actor=self.coordinator, group=shared, starts_at=at(day, 9), ends_at=at(day, 10, 30)
        )
        cancelled = services.add_session(
            actor=self.coordinator, group=shared, starts_at=at(day, 16), ends_at=at(day, 18)
        )
        services.cancel_session(actor=self.coordinator, session=cancelled)
        start, end = at(day, 0), at(day + datetime.timedelta(days=1), 0)
        ids = [self.peer.pk, self.other_peer.pk, self.relative_peer.pk, self.admin.pk]
        self.assertEqual(
            selectors.facilitator_minutes(ids, start, end),
            {self.peer.pk: 120, self.other_peer.pk: 90, self.relative_peer.pk: 90},
        )
        # Clipped to the range.
        self.assertEqual(
            selectors.facilitator_minutes([self.peer.pk], at(day, 14), end), {self.peer.pk: 60}
        )
        self.assertEqual(selectors.facilitator_minutes([], start, end), {})

    def test_sessions_for_peer_in_a_week(self):
        day = timezone.localtime(self.coming.starts_at).date()
        week = (at(day - datetime.timedelta(days=day.weekday()), 0), at(day, 23))
        self.assertEqual(list(selectors.sessions_for_peer(self.peer, *week)), [self.coming])
        self.assertEqual(list(selectors.sessions_for_peer(self.other_peer.pk, *week)), [])
        clash = selectors.group_session_clash(self.peer.pk, at(day, 14), at(day, 14, 45))
        self.assertEqual(clash, self.coming)


class DemoTests(GroupTestCase):
    def test_demo_groups_have_sessions_participants_waiting_list_and_notes(self):
        persons = [make_person(f"Demo{i}", unit=self.unit) for i in range(40)]
        count = build_groups(
            coordinator=self.coordinator,
            peers=[self.peer, self.other_peer, self.relative_peer],
            persons=[self.bob, *persons],
            today=timezone.localdate(),
            rng=random.Random(4),
        )
        self.assertEqual(count, 3)
        groups = RecoveryGroup.objects.exclude(pk=self.group.pk)
        for group in groups:
            with self.subTest(group=group.title):
                self.assertEqual(group.sessions.count(), 10)
                enrolled = group.enrolments.enrolled().count()
                waiting = list(group.enrolments.waiting().values_list("position", flat=True))
                self.assertTrue(6 <= enrolled <= 10)
                self.assertEqual(waiting, list(range(1, len(waiting) + 1)))
                self.assertTrue(1 <= len(waiting) <= 3)
        self.assertFalse(Enrolment.objects.filter(person=self.bob).exists())
        self.assertTrue(Attendance.objects.exists())
        self.assertTrue(GroupSession.objects.exclude(note="").exists())
        self.assertTrue(GroupSession.objects.filter(starts_at__gt=timezone.now()).exists())
