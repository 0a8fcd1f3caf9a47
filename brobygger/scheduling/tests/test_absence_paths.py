"""Issue 19: the availability check on the paths that put a peer in the agenda besides
booking and moving (uncancelling, recording a past conversation), and one peer's
absences never overlap, in the service and in the database."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase
from django.urls import reverse

from brobygger.audit.models import AuditEvent
from brobygger.lib.dates import local_datetime
from brobygger.lib.when import format_period
from brobygger.scheduling import services
from brobygger.scheduling.models import (
    Appointment,
    AppointmentStatus,
    AvailabilityException,
    ExceptionKind,
)
from brobygger.testing import BaseTestCase, make_peer, make_unit, recent_working_day

from .test_absences import DAY, working_monday


class UncancelChecksAvailabilityTests(BaseTestCase):
    def setUp(self) -> None:
        services.set_windows(
            actor=None, peer=self.peer, windows=[(1, datetime.time(9), datetime.time(12))]
        )
        tuesday = working_monday() + DAY
        self.tuesday = tuesday
        self.appointment = services.book(
            actor=self.coordinator,
            course=self.alice_course,
            starts_at=local_datetime(tuesday, datetime.time(10)),
            minutes=45,
            mode="phone",
        )
        services.cancel(
            actor=self.coordinator, appointment=self.appointment, by="person", reason="Syg"
        )
        self.url = reverse("scheduling:appointment", args=[self.appointment.pk])
        self.login(self.coordinator)

    def test_uncancelling_into_a_holiday_warns_and_needs_a_reason(self):
        services.add_exception(
            actor=None,
            peer=self.peer,
            starts_on=self.tuesday - DAY,
            ends_on=self.tuesday + 3 * DAY,
            kind=ExceptionKind.HOLIDAY,
        )
        response = self.client.post(self.url, {"action": "uncancel"})
        period = format_period(self.tuesday - DAY, self.tuesday + 3 * DAY)
        self.assertContains(response, f"{self.peer.name} holder ferie {period}.", status_code=422)
        self.assertContains(response, 'name="override_reason"', status_code=422)
        self.appointment.refresh_from_db()
        self.assertEqual(self.appointment.status, AppointmentStatus.CANCELLED)
        # The tick without a reason is refused too, and nothing changes.
        response = self.client.post(self.url, {"action": "uncancel", "book_anyway": "on"})
        self.assertContains(response, "Skriv hvorfor", status_code=422)
        self.appointment.refresh_from_db()
        self.assertEqual(self.appointment.status, AppointmentStatus.CANCELLED)
        response = self.client.post(
            self.url,
            {"action": "uncancel", "book_anyway": "on", "override_reason": "Kommer hjem tidligt"},
        )
        self.assertRedirects(response, self.url)
        self.appointment.refresh_from_db()
        self.assertEqual(self.appointment.status, AppointmentStatus.BOOKED)
        self.assertEqual(self.appointment.override_reason, "Kommer hjem tidligt")
        event = AuditEvent.objects.get(verb="appointment.uncancelled")
        self.assertEqual(event.data["override"], ["away"])
        self.assertEqual(event.data["override_reason"], "Kommer hjem tidligt")

    def test_uncancelling_a_time_that_still_suits_needs_nothing(self):
        response = self.client.post(self.url, {"action": "uncancel"})
        self.assertRedirects(response, self.url)
        self.appointment.refresh_from_db()
        self.assertEqual(self.appointment.status, AppointmentStatus.BOOKED)
        self.assertEqual(self.appointment.override_reason, "")
        event = AuditEvent.objects.get(verb="appointment.uncancelled")
        self.assertNotIn("override", event.data or {})


class RecordPastChecksAvailabilityTests(BaseTestCase):
    def test_a_conversation_held_on_a_sick_day_warns_and_needs_a_reason(self):
        day = recent_working_day()
        services.add_exception(actor=None, peer=self.peer, starts_on=day, kind=ExceptionKind.SICK)
        starts_at = local_datetime(day, datetime.time(10))
        fields: dict[str, Any] = {
            "actor": self.peer.user,
            "course": self.alice_course,
            "starts_at": starts_at,
            "minutes": 45,
            "mode": "phone",
        }
        with self.assertRaisesMessage(Exception, "er syg") as caught:
            services.record_past(**fields)
        self.assertEqual(caught.exception.error_list[0].code, "outside_hours")
        self.assertFalse(Appointment.objects.exists())
        made = services.record_past(**fields, override_reason="Kom ind for en samtale alligevel")
        self.assertEqual(made.override_reason, "Kom ind for en samtale alligevel")
        event = AuditEvent.objects.get(verb="appointment.recorded")
        self.assertEqual(event.data["override"], ["away"])

    def test_a_conversation_held_within_the_hours_is_recorded_as_before(self):
        day = recent_working_day()
        services.set_windows(
            actor=None,
            peer=self.peer,
            windows=[(day.weekday(), datetime.time(9), datetime.time(15))],
        )
        made = services.record_past(
            actor=self.peer.user,
            course=self.alice_course,
            starts_at=local_datetime(day, datetime.time(10)),
            minutes=45,
            mode="phone",
        )
        self.assertEqual(made.override_reason, "")


class OverlappingAbsenceTests(BaseTestCase):
    def test_the_service_names_the_clashing_range(self):
        monday = working_monday()
        services.add_exception(
            actor=None,
            peer=self.peer,
            starts_on=monday,
            ends_on=monday + 4 * DAY,
            kind=ExceptionKind.HOLIDAY,
        )
        with self.assertRaisesMessage(Exception, format_period(monday, monday + 4 * DAY)):
            services.add_exception(
                actor=None,
                peer=self.peer,
                starts_on=monday + 4 * DAY,
                ends_on=monday + 6 * DAY,
                kind=ExceptionKind.SICK,
            )
        self.assertEqual(AvailabilityException.objects.filter(peer=self.peer).count(), 1)

    def test_the_database_refuses_overlaps_the_service_would_refuse(self):
        if connection.vendor != "postgresql":
            self.skipTest("exclusion constraints are PostgreSQL's; SQLite has the service check")
        monday = working_monday()
        AvailabilityException.objects.create(
            peer=self.peer, starts_on=monday, ends_on=monday + 4 * DAY, kind="holiday"
        )
        # Another peer, the day after, and hours apart on one day are fine.
        AvailabilityException.objects.create(
            peer=self.other_peer, starts_on=monday, ends_on=monday, kind="holiday"
        )
        AvailabilityException.objects.create(
            peer=self.peer, starts_on=monday + 5 * DAY, ends_on=monday + 5 * DAY, kind="sick"
        )
        day = monday + 7 * DAY
        for start, end in ((9, 11), (11, 12)):
            AvailabilityException.objects.create(
                peer=self.peer,
                starts_on=day,
                ends_on=day,
                kind="unavailable",
                start_time=datetime.time(start),
                end_time=datetime.time(end),
            )
        clashes = [
            {"starts_on": monday + 4 * DAY, "ends_on": monday + 4 * DAY, "kind": "sick"},
            {
                "starts_on": monday + 2 * DAY,
                "ends_on": monday + 2 * DAY,
                "kind": "extra",
                "start_time": datetime.time(13),
                "end_time": datetime.time(14),
            },
            {
                "starts_on": day,
                "ends_on": day,
                "kind": "extra",
                "start_time": datetime.time(10),
                "end_time": datetime.time(13),
            },
        ]
        for fields in clashes:
            with (
                self.subTest(fields=fields),
                self.assertRaises(IntegrityError),
                transaction.atomic(),
            ):
                AvailabilityException.objects.create(peer=self.peer, **fields)
        self.assertEqual(AvailabilityException.objects.filter(peer=self.peer).count(), 4)


class MergeOverlappingAbsencesMigrationTests(TransactionTestCase):
    """Old rows may overlap: 0007 merges them before 0008 forbids it."""

    def test_overlapping_rows_merge_and_the_rest_stay(self):
        peer = make_peer("mergeabsence", units=(make_unit("Afsnit M7"),))
        other = make_peer("mergeother", units=(make_unit("Afsnit M8"),))
        before = [("scheduling", "0006_absence_ranges_constraints")]
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        Old = executor.loader.project_state(before).apps.get_model(
            "scheduling", "AvailabilityException"
        )
        monday = datetime.date(2027, 7, 5)

        def add(who, first, last, kind="holiday", hours=None, note=""):
            start, end = (
                (datetime.time(hours[0]), datetime.time(hours[1])) if hours else (None, None)
            )
            Old.objects.create(
                peer_id=who.pk,
                starts_on=first,
                ends_on=last,
                kind=kind,
                start_time=start,
                end_time=end,
                note=note,
            )

        add(peer, monday, monday + 4 * DAY, note="Ferie")
        add(peer, monday + 3 * DAY, monday + 8 * DAY, kind="sick", note="Influenza")
        add(peer, monday + 2 * DAY, monday + 2 * DAY, kind="unavailable", hours=(9, 11))
        add(peer, monday + 14 * DAY, monday + 14 * DAY, kind="unavailable", hours=(9, 11))
        add(peer, monday + 14 * DAY, monday + 14 * DAY, kind="unavailable", hours=(10, 12))
        add(peer, monday + 14 * DAY, monday + 14 * DAY, kind="extra", hours=(13, 15))
        add(peer, monday + 20 * DAY, monday + 20 * DAY)  # apart
        add(other, monday, monday + 4 * DAY)  # another peer's
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        rows = sorted(
            AvailabilityException.objects.filter(peer=peer).values_list(
                "kind", "starts_on", "ends_on", "start_time", "end_time", "note"
            ),
            key=lambda r: (r[1], r[3] or datetime.time(0)),
        )
        day = monday + 14 * DAY
        self.assertEqual(
            rows,
            [
                ("holiday", monday, monday + 8 * DAY, None, None, "Ferie; Influenza"),
                ("unavailable", day, day, datetime.time(9), datetime.time(12), ""),
                ("extra", day, day, datetime.time(13), datetime.time(15), ""),
                ("holiday", monday + 20 * DAY, monday + 20 * DAY, None, None, ""),
            ],
        )
        self.assertEqual(AvailabilityException.objects.filter(peer=other).count(), 1)
