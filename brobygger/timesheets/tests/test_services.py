"""The month's state machine, the lock, the snapshot and indirect entries."""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from brobygger.audit.models import AuditEvent
from brobygger.conversations import services as conversations
from brobygger.scheduling.models import Appointment
from brobygger.timesheets import selectors, services
from brobygger.timesheets.models import IndirectEntry, Timesheet, TimesheetState

from .helpers import TimesheetTestCase, at, next_month

D = datetime.date
S = TimesheetState


class StateMachineTests(TimesheetTestCase):
    def test_confirm_takes_a_snapshot_of_every_source_and_the_contract(self):
        self.held(at(D(2026, 4, 7), 10), 45)
        self.entry(D(2026, 4, 8), 30)
        sheet = self.confirmed(2026, 4)
        self.assertEqual(sheet.state, S.CONFIRMED)
        self.assertEqual(sheet.conversations_minutes, 45)
        self.assertEqual(sheet.indirect_minutes, 30)
        self.assertEqual(sheet.groups_minutes, 0)
        self.assertEqual(sheet.supervision_minutes, 0)
        # April 2026 has 19 working days; the contract is 8-15 hours a week.
        self.assertEqual((sheet.contract_min_minutes, sheet.contract_max_minutes), (1824, 3420))
        self.assertEqual(sheet.confirmed_by, self.peer.user)
        event = AuditEvent.objects.filter(verb="timesheet.confirmed", object_id=sheet.pk).get()
        self.assertEqual(event.data["conversations_minutes"], 45)

    def test_the_approved_snapshot_stays_when_a_conversation_changes_later(self):
        appointment = self.held(at(D(2026, 4, 7), 10), 45)
        sheet = self.approved(2026, 4)
        with self.assertRaises(ValidationError) as caught:
            conversations.record_conversation(
                actor=self.peer.user, appointment=appointment, minutes=70, topics=[], chime=[]
            )
        self.assertEqual(caught.exception.code, "locked")
        # The services refuse; a change that reaches the data anyway (a repair straight in
        # the database) shows as drift and leaves the snapshot alone.
        Appointment.objects.filter(pk=appointment.pk).update(
            ends_at=appointment.starts_at + datetime.timedelta(minutes=70)
        )
        summary = selectors.month_summary([self.peer.pk], 2026, 4)[self.peer.pk]
        self.assertEqual(summary.state, S.APPROVED)
        self.assertEqual(summary.minutes_total, 45)
        page = selectors.month_page(self.peer, 2026, 4)
        self.assertEqual(page["drift"], [{"source": "conversations", "snapshot": 45, "live": 70}])
        sheet.refresh_from_db()
        self.assertEqual(sheet.conversations_minutes, 45)

    def test_peer_cannot_approve(self):
        sheet = self.confirmed(2026, 4)
        with self.assertRaises(ValidationError):
            services.approve_month(actor=self.peer.user, timesheet=sheet)
        sheet.refresh_from_db()
        self.assertEqual(sheet.state, S.CONFIRMED)

    def test_coordinator_cannot_confirm_for_the_peer(self):
        with self.assertRaises(ValidationError) as caught:
            services.confirm_month(actor=self.coordinator, peer=self.peer, year=2026, month=4)
        self.assertEqual(caught.exception.code, "not_own")
        self.assertFalse(Timesheet.objects.filter(peer=self.peer, state=S.CONFIRMED).exists())

    def test_another_peer_cannot_confirm_my_month(self):
        with self.assertRaises(ValidationError):
            services.confirm_month(actor=self.other_peer.user, peer=self.peer, year=2026, month=4)

    def test_a_draft_cannot_be_approved_and_a_month_cannot_be_confirmed_twice(self):
        with translation.override("da"):
            sheet = self.confirmed(2026, 4)
            with self.assertRaisesMessage(ValidationError, "allerede bekræftet"):
                self.confirmed(2026, 4)
            services.withdraw_confirmation(actor=self.peer.user, peer=self.peer, year=2026, month=4)
            sheet.refresh_from_db()
            with self.assertRaisesMessage(ValidationError, "ikke bekræftet måneden endnu"):
                services.approve_month(actor=self.coordinator, timesheet=sheet)

    def test_a_month_can_be_confirmed_from_its_last_day(self):
        year, month = next_month()
        with self.assertRaises(ValidationError) as caught:
            self.confirmed(year, month)
        self.assertEqual(caught.exception.code, "too_early")

    def test_withdrawing_clears_the_snapshot(self):
        self.confirmed(2026, 4)
        sheet = services.withdraw_confirmation(
            actor=self.peer.user, peer=self.peer, year=2026, month=4
        )
        self.assertEqual(sheet.state, S.DRAFT)
        self.assertIsNone(sheet.conversations_minutes)
        self.assertIsNone(sheet.confirmed_at)

    def test_coordinator_sends_back_with_a_reason_only(self):
        sheet = self.confirmed(2026, 4)
        with self.assertRaises(ValidationError) as caught:
            services.send_back(actor=self.coordinator, timesheet=sheet, reason="   ")
        self.assertIn("reason", caught.exception.message_dict)
        sheet = services.send_back(
            actor=self.coordinator, timesheet=sheet, reason="Mangler transporttiden"
        )
        self.assertEqual(sheet.state, S.DRAFT)
        self.assertEqual(sheet.returned_reason, "Mangler transporttiden")
        event = AuditEvent.objects.get(verb="timesheet.sent_back", object_id=sheet.pk)
        self.assertNotIn("Mangler", str(event.data))  # free text stays out of the trail

    def test_reopen_needs_a_reason_unlocks_and_the_peer_confirms_again(self):
        sheet = self.approved(2026, 4)
        with self.assertRaises(ValidationError):
            services.reopen_month(actor=self.coordinator, timesheet=sheet, reason="")
        sheet = services.reopen_month(
            actor=self.coordinator, timesheet=sheet, reason="Supervision manglede"
        )
        self.assertEqual(sheet.state, S.DRAFT)
        self.assertIsNone(sheet.approved_at)
        event = AuditEvent.objects.get(verb="timesheet.reopened", object_id=sheet.pk)
        self.assertEqual(event.data["from"], "approved")
        self.entry(D(2026, 4, 9), 20)  # open again
        sheet = self.approved(2026, 4)
        self.assertEqual(sheet.indirect_minutes, 20)

    def test_only_an_approved_month_can_be_reopened(self):
        sheet = self.confirmed(2026, 4)
        with self.assertRaises(ValidationError):
            services.reopen_month(actor=self.coordinator, timesheet=sheet, reason="Fejl")


class LockTests(TimesheetTestCase):
    def test_approved_month_refuses_new_changed_and_deleted_entries(self):
        entry = self.entry(D(2026, 4, 8), 30)
        self.approved(2026, 4)
        with translation.override("da"):
            with self.assertRaisesMessage(ValidationError, "April 2026 er godkendt og låst"):
                self.entry(D(2026, 4, 9), 15)
            with self.assertRaises(ValidationError) as caught:
                services.update_entry(
                    actor=self.peer.user,
                    entry=entry,
                    date=entry.date,
                    minutes=60,
                    category=entry.category,
                    description=entry.description,
                )
            self.assertEqual(caught.exception.code, "locked")
            with self.assertRaises(ValidationError):
                services.delete_entry(actor=self.peer.user, entry=entry)
        entry.refresh_from_db()
        self.assertEqual(entry.minutes, 30)
        self.assertEqual(IndirectEntry.objects.count(), 1)

    def test_moving_an_entry_into_a_locked_month_is_refused(self):
        self.approved(2026, 4)
        entry = self.entry(D(2026, 5, 4), 30)
        with self.assertRaises(ValidationError) as caught:
            services.update_entry(
                actor=self.peer.user,
                entry=entry,
                date=D(2026, 4, 30),
                minutes=30,
                category="travel",
                description="Kørsel",
            )
        self.assertEqual(caught.exception.code, "locked")
        entry.refresh_from_db()
        self.assertEqual(entry.date, D(2026, 5, 4))

    def test_confirmed_month_refuses_changes_until_the_confirmation_is_taken_back(self):
        self.confirmed(2026, 4)
        with self.assertRaises(ValidationError) as caught:
            self.entry(D(2026, 4, 9), 15)
        self.assertEqual(caught.exception.code, "confirmed")
        services.withdraw_confirmation(actor=self.peer.user, peer=self.peer, year=2026, month=4)
        self.entry(D(2026, 4, 9), 15)

    def test_ensure_month_open_for_other_apps(self):
        services.ensure_month_open(peer_id=self.peer.pk, day=D(2026, 4, 1))
        self.approved(2026, 4)
        with self.assertRaises(ValidationError) as caught:
            services.ensure_month_open(peer_id=self.peer.pk, day=D(2026, 4, 30))
        self.assertEqual(caught.exception.code, "locked")
        services.ensure_month_open(peer_id=self.other_peer.pk, day=D(2026, 4, 30))


class EntryTests(TimesheetTestCase):
    def add(self, **overrides: Any) -> IndirectEntry:
        fields: dict[str, Any] = {
            "actor": self.peer.user,
            "peer": self.peer,
            "date": D(2026, 4, 8),
            "minutes": 30,
            "category": "meetings",
            "description": "Teammøde",
        }
        fields.update(overrides)
        return services.add_entry(**fields)

    def test_entry_rules(self):
        assert self.peer.contract_end is not None
        cases: list[tuple[dict[str, Any], str]] = [
            ({"date": D(2099, 1, 1)}, "date"),
            ({"date": D(2025, 12, 31)}, "date"),  # before the contract started
            (
                {"date": self.peer.contract_end + datetime.timedelta(days=1)},
                "date",
            ),  # after it ends
            ({"minutes": 0}, "minutes"),
            ({"minutes": 601}, "minutes"),
            ({"category": "lunch"}, "category"),
            ({"description": "   "}, "description"),
            ({"description": "x" * 201}, "description"),
        ]
        for overrides, field in cases:
            with self.subTest(overrides=overrides):
                with self.assertRaises(ValidationError) as caught:
                    self.add(**overrides)
                self.assertIn(field, caught.exception.message_dict)
        self.assertEqual(IndirectEntry.objects.count(), 0)

    def test_names_and_cpr_numbers_in_a_description_warn_until_confirmed(self):
        with translation.override("da"):
            with self.assertRaises(ValidationError) as caught:
                self.add(description="Ringede til Dorte om aftalen")
            messages = caught.exception.message_dict["description"]
            self.assertTrue(any("Dorte" in m for m in messages))
            with self.assertRaises(ValidationError) as caught:
                self.add(description="Papirer for 010190-1234")
            self.assertTrue(any("CPR" in m for m in caught.exception.message_dict["description"]))
        # Bob is on another peer's caseload: not one of this peer's names.
        self.add(description="Møde med Bob fra kommunen")
        entry = self.add(description="Ringede til Dorte om aftalen", general_words_confirmed=True)
        self.assertEqual(entry.description, "Ringede til Dorte om aftalen")

    def test_only_the_peer_enters_their_own_work(self):
        with self.assertRaises(PermissionDenied):
            self.add(actor=self.coordinator)
        entry = self.add()
        with self.assertRaises(PermissionDenied):
            services.delete_entry(actor=self.other_peer.user, entry=entry)

    def test_changes_are_audited_without_the_text(self):
        entry = self.add(description="Forberedelse af gruppen")
        services.update_entry(
            actor=self.peer.user,
            entry=entry,
            date=D(2026, 5, 4),
            minutes=45,
            category="preparation",
            description="Forberedelse af gruppen",
        )
        entry.refresh_from_db()
        self.assertEqual((entry.timesheet.year, entry.timesheet.month), (2026, 5))
        services.delete_entry(actor=self.peer.user, entry=entry)
        verbs = list(
            AuditEvent.objects.filter(verb__startswith="timesheet.entry").values_list(
                "verb", "data"
            )
        )
        self.assertEqual(
            [v for v, _ in verbs],
            ["timesheet.entry_added", "timesheet.entry_changed", "timesheet.entry_deleted"],
        )
        self.assertNotIn("Forberedelse", str([d for _, d in verbs]))
