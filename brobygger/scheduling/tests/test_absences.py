"""Issue 19: absences as date ranges, and booking outside a peer's hours (away, a public
holiday, outside the weekly hours) warns and goes ahead only with a reason."""

from __future__ import annotations

import datetime

import holidays
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase
from django.urls import reverse
from django.utils import timezone

from brobygger.audit.models import AuditEvent
from brobygger.groups.models import GroupSession
from brobygger.groups.tests.helpers import GroupTestCase
from brobygger.lib.dates import local_datetime
from brobygger.lib.when import format_period
from brobygger.scheduling import selectors, services
from brobygger.scheduling.models import Appointment, AvailabilityException, ExceptionKind
from brobygger.testing import TODAY, BaseTestCase, make_peer, make_unit

DAY = datetime.timedelta(days=1)
DANISH = holidays.Denmark(years=range(TODAY.year, TODAY.year + 3))


def working_monday(weeks_ahead: int = 1) -> datetime.date:
    """A Monday at least `weeks_ahead` weeks on whose whole week has no public holiday."""
    today = timezone.localdate()
    monday = today + datetime.timedelta(days=(0 - today.weekday()) % 7 + 7 * weeks_ahead)
    while any(monday + i * DAY in DANISH for i in range(7)):
        monday += 7 * DAY
    return monday


def next_public_holiday_on_a_weekday() -> datetime.date:
    day = timezone.localdate() + 2 * DAY
    while day not in DANISH or day.weekday() >= 5:
        day += DAY
    return day


class AbsenceRangeTests(BaseTestCase):
    def post_absence(self, **fields: str):
        self.login(self.peer)
        data = {"action": "exception", **{f"x-{k}": v for k, v in fields.items()}}
        return self.client.post(reverse("scheduling:my_availability"), data)

    def test_a_weeks_holiday_is_one_entry_shown_as_a_range(self):
        monday = working_monday()
        response = self.post_absence(
            starts_on=monday.isoformat(), ends_on=(monday + 4 * DAY).isoformat(), kind="holiday"
        )
        self.assertEqual(response.status_code, 302)
        absence = AvailabilityException.objects.get(peer=self.peer)
        self.assertEqual((absence.starts_on, absence.ends_on), (monday, monday + 4 * DAY))
        page = self.client.get(reverse("scheduling:my_availability"))
        self.assertContains(page, "5 dage")
        event = AuditEvent.objects.filter(verb="availability.exception").latest("pk")
        self.assertEqual(event.data, {"kind": "holiday", "days": 5})

    def test_an_empty_last_day_means_the_same_day(self):
        monday = working_monday()
        self.assertEqual(
            self.post_absence(starts_on=monday.isoformat(), kind="sick").status_code, 302
        )
        absence = AvailabilityException.objects.get(peer=self.peer)
        self.assertEqual(absence.ends_on, monday)

    def test_last_day_before_the_first_is_refused_and_input_kept(self):
        monday = working_monday()
        response = self.post_absence(
            starts_on=monday.isoformat(), ends_on=(monday - DAY).isoformat(), kind="holiday"
        )
        self.assertContains(
            response, "Den sidste dag kan ikke ligge før den første", status_code=422
        )
        self.assertContains(response, f'value="{monday.isoformat()}"', status_code=422)
        self.assertFalse(AvailabilityException.objects.exists())

    def test_overlapping_ranges_of_one_peer_are_refused(self):
        monday = working_monday()
        services.add_exception(
            actor=self.peer.user,
            peer=self.peer,
            starts_on=monday,
            ends_on=monday + 4 * DAY,
            kind=ExceptionKind.HOLIDAY,
        )
        response = self.post_absence(
            starts_on=(monday + 3 * DAY).isoformat(),
            ends_on=(monday + 9 * DAY).isoformat(),
            kind="sick",
        )
        self.assertContains(response, "overlapper ferie", status_code=422)
        self.assertContains(response, format_period(monday, monday + 4 * DAY), status_code=422)
        self.assertContains(response, f'value="{(monday + 9 * DAY).isoformat()}"', status_code=422)
        self.assertEqual(AvailabilityException.objects.count(), 1)
        # Another peer's holiday is no clash, nor hours on the same day that do not meet.
        services.add_exception(
            actor=None, peer=self.other_peer, starts_on=monday, kind=ExceptionKind.HOLIDAY
        )
        day = monday + 7 * DAY
        for start, end in ((9, 10), (13, 15)):
            services.add_exception(
                actor=None,
                peer=self.peer,
                starts_on=day,
                kind=ExceptionKind.UNAVAILABLE,
                start_time=datetime.time(start),
                end_time=datetime.time(end),
            )
        response = self.post_absence(
            starts_on=day.isoformat(), start_time="14:00", end_time="16:00", kind="unavailable"
        )
        self.assertEqual(response.status_code, 422)
        page = self.client.get(reverse("scheduling:my_availability"))
        self.assertContains(page, "09.00\u201310.00")

    def test_hours_only_on_a_single_day(self):
        monday = working_monday()
        response = self.post_absence(
            starts_on=monday.isoformat(),
            ends_on=(monday + DAY).isoformat(),
            kind="unavailable",
            start_time="09:00",
            end_time="11:00",
        )
        self.assertContains(response, "Klokkeslæt kun på en enkelt dag", status_code=422)
        self.assertFalse(AvailabilityException.objects.exists())

    def test_free_slots_skip_every_day_of_the_range(self):
        monday = working_monday()
        services.set_windows(
            actor=None,
            peer=self.peer,
            windows=[(d, datetime.time(9), datetime.time(12)) for d in range(5)],
        )
        services.add_exception(
            actor=None,
            peer=self.peer,
            starts_on=monday + DAY,
            ends_on=monday + 3 * DAY,
            kind="holiday",
        )
        slots = selectors.free_slots(self.peer, self.alice, start=monday, days=7, limit=500)
        days = {timezone.localtime(s).date() for s in slots}
        self.assertEqual(days, {monday, monday + 4 * DAY})

    def test_away_on_a_day_or_in_a_period_uses_the_index(self):
        if connection.vendor != "sqlite":
            self.skipTest("the plan text is SQLite's")
        plan = AvailabilityException.objects.filter(peer=self.peer).on(TODAY).explain()
        self.assertIn("exception_peer_period", plan)


class BookingOutsideHoursTests(BaseTestCase):
    """Tuesday 9-12 is the peer's weekly time."""

    def setUp(self) -> None:
        services.set_windows(
            actor=None, peer=self.peer, windows=[(1, datetime.time(9), datetime.time(12))]
        )
        self.tuesday = working_monday() + DAY
        self.url = reverse("scheduling:book", args=[self.alice_course.pk])
        self.login(self.coordinator)

    def post(self, day: datetime.date, time: str, **extra: str):
        data = {"date": day.isoformat(), "time": time, "minutes": "45", "mode": "phone", **extra}
        return self.client.post(self.url, data)

    def test_inside_the_hours_books(self):
        response = self.post(self.tuesday, "10:00")
        appointment = Appointment.objects.get()
        self.assertRedirects(response, reverse("scheduling:appointment", args=[appointment.pk]))
        self.assertEqual(appointment.override_reason, "")
        event = AuditEvent.objects.get(verb="appointment.booked")
        self.assertNotIn("override", event.data)

    def test_outside_the_hours_warns_and_books_nothing(self):
        response = self.post(self.tuesday, "11:30")  # ends 12.15
        self.assertContains(
            response,
            f"Uden for {self.peer.name}s arbejdstid: tirsdag 09.00\u201312.00",
            status_code=422,
        )
        self.assertContains(response, 'name="book_anyway"', status_code=422)
        self.assertContains(response, 'name="override_reason"', status_code=422)
        self.assertContains(response, 'value="11:30"', status_code=422)
        self.assertFalse(Appointment.objects.exists())
        response = self.post(self.tuesday + DAY, "10:00")
        self.assertContains(response, f"{self.peer.name} arbejder ikke onsdag", status_code=422)
        self.assertFalse(Appointment.objects.exists())

    def test_on_a_holiday_warns_with_the_period(self):
        monday = self.tuesday - DAY
        services.add_exception(
            actor=None, peer=self.peer, starts_on=monday, ends_on=monday + 4 * DAY, kind="holiday"
        )
        response = self.post(self.tuesday, "10:00")
        period = format_period(monday, monday + 4 * DAY)
        self.assertContains(response, f"{self.peer.name} holder ferie {period}.", status_code=422)
        self.assertFalse(Appointment.objects.exists())

    def test_on_a_public_holiday_warns(self):
        day = next_public_holiday_on_a_weekday()
        services.set_windows(
            actor=None,
            peer=self.peer,
            windows=[(d, datetime.time(9), datetime.time(12)) for d in range(5)],
        )
        response = self.post(day, "10:00")
        self.assertContains(response, "Det er helligdag", status_code=422)
        self.assertFalse(Appointment.objects.exists())

    def test_override_with_a_reason_books_and_audits(self):
        response = self.post(
            self.tuesday, "13:00", book_anyway="on", override_reason="Aftalt med peer"
        )
        appointment = Appointment.objects.get()
        self.assertRedirects(response, reverse("scheduling:appointment", args=[appointment.pk]))
        self.assertEqual(appointment.override_reason, "Aftalt med peer")
        event = AuditEvent.objects.get(verb="appointment.booked")
        self.assertEqual(event.data["override"], ["outside_hours"])
        self.assertEqual(event.data["override_reason"], "Aftalt med peer")
        page = self.client.get(reverse("scheduling:appointment", args=[appointment.pk]))
        self.assertContains(page, "Aftalt med peer")

    def test_override_without_a_reason_is_refused_and_input_kept(self):
        response = self.post(self.tuesday, "13:00", book_anyway="on", override_reason="  ")
        self.assertContains(response, "Skriv hvorfor", status_code=422)
        self.assertRegex(response.content.decode(), r'name="book_anyway"[^>]*checked')
        self.assertContains(response, 'value="13:00"', status_code=422)
        self.assertFalse(Appointment.objects.exists())
        # A reason without the tick is no decision either.
        response = self.post(self.tuesday, "13:00", override_reason="Aftalt")
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "Aftalt", status_code=422)
        self.assertFalse(Appointment.objects.exists())

    def test_moving_into_a_holiday_warns_and_moves_only_with_a_reason(self):
        appointment = services.book(
            actor=self.coordinator,
            course=self.alice_course,
            starts_at=local_datetime(self.tuesday, datetime.time(9)),
            minutes=45,
            mode="phone",
        )
        later = self.tuesday + 7 * DAY
        services.add_exception(actor=None, peer=self.peer, starts_on=later, kind="sick")
        url = reverse("scheduling:appointment", args=[appointment.pk])
        data = {"action": "reschedule", "date": later.isoformat(), "time": "09:00", "minutes": "45"}
        response = self.client.post(url, data)
        self.assertContains(response, "er syg", status_code=422)
        appointment.refresh_from_db()
        self.assertEqual(timezone.localdate(appointment.starts_at), self.tuesday)
        response = self.client.post(url, {**data, "book_anyway": "on", "override_reason": "Vagt"})
        self.assertRedirects(response, url)
        appointment.refresh_from_db()
        self.assertEqual(timezone.localdate(appointment.starts_at), later)
        self.assertEqual(appointment.override_reason, "Vagt")
        event = AuditEvent.objects.get(verb="appointment.rescheduled")
        self.assertEqual(event.data["override"], ["away"])

    def test_a_peer_without_weekly_hours_is_held_only_to_absences(self):
        evening = local_datetime(self.tuesday + DAY, datetime.time(20))
        hour = datetime.timedelta(hours=1)
        self.assertEqual(
            selectors.availability_problems(self.other_peer, evening, evening + hour), []
        )
        services.add_exception(
            actor=None, peer=self.other_peer, starts_on=self.tuesday + DAY, kind="unavailable"
        )
        problems = selectors.availability_problems(self.other_peer, evening, evening + hour)
        self.assertEqual([p.code for p in problems], ["away"])


class AbsenceMigrationTests(TransactionTestCase):
    """Single dates become ranges; runs of whole days of one peer, kind and note merge."""

    def test_single_dates_become_ranges_and_runs_merge(self):
        peer = make_peer("migabsence", units=(make_unit("Afsnit M2"),))
        before = [("scheduling", "0004_protect_health_records")]
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        Old = executor.loader.project_state(before).apps.get_model(
            "scheduling", "AvailabilityException"
        )
        monday = datetime.date(2027, 7, 5)
        for offset in (0, 1, 2, 3, 4):  # a week's holiday, day by day
            Old.objects.create(peer_id=peer.pk, date=monday + offset * DAY, kind="holiday")
        Old.objects.create(peer_id=peer.pk, date=monday + 9 * DAY, kind="holiday")  # apart
        Old.objects.create(peer_id=peer.pk, date=monday + 5 * DAY, kind="sick")  # other kind
        Old.objects.create(
            peer_id=peer.pk,
            date=monday + 10 * DAY,
            kind="unavailable",
            start_time=datetime.time(9),
            end_time=datetime.time(11),
        )
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        rows = set(
            AvailabilityException.objects.filter(peer=peer).values_list(
                "kind", "starts_on", "ends_on", "start_time"
            )
        )
        self.assertEqual(
            rows,
            {
                ("holiday", monday, monday + 4 * DAY, None),
                ("holiday", monday + 9 * DAY, monday + 9 * DAY, None),
                ("sick", monday + 5 * DAY, monday + 5 * DAY, None),
                ("unavailable", monday + 10 * DAY, monday + 10 * DAY, datetime.time(9)),
            },
        )
        uids = AvailabilityException.objects.values_list("uid", flat=True)
        self.assertEqual(len(set(uids)), 4)


class GroupSessionOutsideHoursTests(GroupTestCase):
    """The same check when a coordinator plans group sessions: `peer` runs the group."""

    def test_a_session_on_a_facilitators_holiday_warns_and_needs_a_reason(self):
        monday = working_monday(weeks_ahead=2)
        services.add_exception(
            actor=None, peer=self.peer, starts_on=monday, ends_on=monday + 4 * DAY, kind="holiday"
        )
        self.login(self.coordinator)
        url = reverse("groups:session_create", args=[self.group.pk])
        data = {
            "date": (monday + DAY).isoformat(),
            "time": "10:00",
            "minutes": "120",
            "weeks": "1",
            "topic": "Ferieuge",
        }
        response = self.client.post(url, data)
        self.assertContains(response, f"{self.peer.name} holder ferie", status_code=422)
        self.assertContains(response, 'name="override_reason"', status_code=422)
        self.assertContains(response, 'value="Ferieuge"', status_code=422)
        self.assertFalse(GroupSession.objects.filter(topic="Ferieuge").exists())
        response = self.client.post(url, data | {"book_anyway": "on"})
        self.assertContains(response, "Skriv hvorfor", status_code=422)
        self.assertFalse(GroupSession.objects.filter(topic="Ferieuge").exists())
        response = self.client.post(url, data | {"book_anyway": "on", "override_reason": "Vikar"})
        self.assertRedirects(response, reverse("groups:group_detail", args=[self.group.pk]))
        session = GroupSession.objects.get(topic="Ferieuge")
        self.assertEqual(session.override_reason, "Vikar")
        event = AuditEvent.objects.filter(verb="group.session_added").latest("pk")
        self.assertEqual(event.data["override"], ["away"])
        self.assertEqual(event.data["override_reason"], "Vikar")
