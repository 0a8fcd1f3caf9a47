"""Reminders: once per recipient, never after cancellation or withdrawn consent, no names."""

import datetime
import threading
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test import override_settings
from django.utils import timezone, translation
from django.utils.translation import gettext

from brobygger.accounts.models import User
from brobygger.audit.models import AuditEvent
from brobygger.lib.dates import TZ
from brobygger.lifecycle.services import withdraw_consent
from brobygger.notifications import messaging
from brobygger.people import services as people_services
from brobygger.people.models import Consent, ConsentKind
from brobygger.scheduling import services
from brobygger.scheduling.models import Appointment, Mode, Reminder, ReminderRecipient
from brobygger.scheduling.reminders import due_appointments, remind, send_due_reminders
from brobygger.testing import BaseTestCase, make_course, make_peer, make_person, make_unit

LOCMEM_SMS = "brobygger.notifications.messaging.LocmemSMSBackend"
DANISH_WEEKDAYS = ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"]
ENGLISH_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
PERSON_TEXT = "Reminder: you have a conversation with your peer worker on %(when)s (%(how)s)."
PEER_EMAIL = "peer@example.dk"


class BrokenSMSBackend:
    """A gateway that is down."""

    def send(self, to: str, text: str) -> None:
        raise ConnectionError("gateway unreachable")


@override_settings(BROBYGGER_SMS_BACKEND=LOCMEM_SMS)
class ReminderTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        people_services.record_consent(
            actor=cls.coordinator, person=cls.alice, kind=ConsentKind.CONTACT, source="verbal"
        )
        # An address, so that the tests can show it never reaches a message.
        people_services.update_person(
            actor=cls.coordinator,
            person=cls.alice,
            street="Skovvej 12",
            postal_code="8000",
            city="Aarhus",
        )
        # No service changes a staff e-mail yet; the peer needs one to be reminded.
        User.objects.filter(pk=cls.peer.user_id).update(email=PEER_EMAIL)

    def setUp(self):
        messaging.sms_outbox.clear()

    def book(self, *, hours: int = 3, mode: str = Mode.PHONE) -> Appointment:
        starts_at = (timezone.now() + datetime.timedelta(hours=hours)).replace(
            minute=0, second=0, microsecond=0
        )
        return services.book(
            actor=self.coordinator,
            course=self.alice_course,
            starts_at=starts_at,
            minutes=60,
            mode=mode,
            place_kind="ward",
            place="Afsnit R1, stue 4",
        )

    def sms_texts(self) -> list[str]:
        return [message.text for message in messaging.sms_outbox]

    def test_running_twice_sends_one_message_per_recipient(self):
        appointment = self.book()
        self.assertEqual(self.committed(send_due_reminders), 2)
        self.assertEqual(self.committed(send_due_reminders), 0)
        self.assertEqual([m.to for m in messaging.sms_outbox], ["20304050"])
        self.assertEqual([m.to for m in mail.outbox], [[PEER_EMAIL]])
        self.assertEqual(
            sorted(appointment.reminders.values_list("recipient", "channel")),
            [("peer", "email"), ("person", "sms")],
        )
        events = AuditEvent.objects.filter(verb="reminder.sent")
        self.assertEqual(
            sorted((e.data["recipient"], e.data["channel"]) for e in events),
            [("peer", "email"), ("person", "sms")],
        )
        self.assertTrue(all(set(e.data) == {"channel", "recipient"} for e in events))
        self.assertTrue(all(e.person_id == self.alice.pk for e in events))

    def test_a_reminder_claimed_by_another_run_is_not_sent_again(self):
        appointment = self.book()
        # Another run inserted the claim after this run read the due list.
        Reminder.objects.create(
            appointment=appointment, recipient=ReminderRecipient.PERSON, channel="sms"
        )
        self.assertFalse(remind(appointment, ReminderRecipient.PERSON))
        self.assertEqual(messaging.sms_outbox, [])
        self.assertEqual(appointment.reminders.count(), 1)

    def test_cancelled_conversation_gets_no_reminder(self):
        appointment = self.book()
        services.cancel(actor=self.coordinator, appointment=appointment, by="person", reason="syg")
        self.assertEqual(self.committed(send_due_reminders), 0)
        self.assertEqual((messaging.sms_outbox, mail.outbox), ([], []))

    def test_cancellation_after_the_due_list_was_read_wins(self):
        appointment = self.book()
        due = due_appointments(timezone.now())
        services.cancel(actor=self.coordinator, appointment=appointment, by="peer", reason="syg")
        for recipient in ReminderRecipient.values:
            self.assertFalse(remind(due[0], recipient))
        self.assertEqual((messaging.sms_outbox, mail.outbox, Reminder.objects.count()), ([], [], 0))

    def test_withdrawn_consent_cancels_the_conversation_so_nobody_is_reminded(self):
        self.book()
        consent = Consent.objects.current().get(person=self.alice, kind=ConsentKind.CONTACT)
        withdraw_consent(actor=self.coordinator, consent=consent)
        # Ending is one operation (lifecycle.ending): the conversation is cancelled.
        self.assertEqual(self.committed(send_due_reminders), 0)
        self.assertEqual((messaging.sms_outbox, mail.outbox), ([], []))

    def test_the_job_checks_consent_when_it_sends(self):
        # Consent gone while the conversation is still booked (e.g. withdrawn between
        # the due list and the send): the person gets nothing, the peer still does.
        self.book()
        Consent.objects.filter(person=self.alice, kind=ConsentKind.CONTACT).update(
            withdrawn_at=timezone.now()
        )
        self.assertEqual(self.committed(send_due_reminders), 1)
        self.assertEqual(messaging.sms_outbox, [])
        self.assertEqual(len(mail.outbox), 1)

    def test_texts_name_nobody_and_no_place(self):
        appointment = self.book()
        self.committed(send_due_reminders)
        texts = [
            *self.sms_texts(),
            *(m.body for m in mail.outbox),
            *(m.subject for m in mail.outbox),
        ]
        self.assertEqual(len(texts), 3)
        forbidden = [
            "Alice",
            "Andersen",
            "0101901234",
            "010190",
            "Afsnit",
            "R1",
            "stue",
            "Skovvej",
            "Aarhus",
            "8000",
        ]
        for text in texts:
            for word in forbidden:
                self.assertNotIn(word.casefold(), text.casefold(), text)
        self.assertIn(f"S-{appointment.pk}", mail.outbox[0].body)
        self.assertNotIn(f"S-{appointment.pk}", self.sms_texts()[0])

    def test_danish_by_default_with_copenhagen_time(self):
        appointment = self.book()
        self.committed(send_due_reminders)
        local = timezone.localtime(appointment.starts_at, TZ)
        for text in (self.sms_texts()[0], mail.outbox[0].body):
            self.assertIn(DANISH_WEEKDAYS[local.weekday()], text)
            self.assertIn(f"{local:%H.%M}", text)

    def test_danish_wording_once_translated(self):
        with translation.override("da"):
            if gettext(PERSON_TEXT) == PERSON_TEXT:
                self.skipTest("the Danish catalogue does not have the reminder texts yet")
        self.book(mode=Mode.PHONE)
        self.committed(send_due_reminders)
        text = self.sms_texts()[0]
        self.assertIn("samtale med din peer-medarbejder", text)
        self.assertIn("kl.", text)
        self.assertIn("i telefonen", text)
        self.assertTrue(mail.outbox[0].body.startswith("Påmindelse: samtale S-"))

    def test_english_for_an_english_speaking_person(self):
        people_services.update_person(actor=self.coordinator, person=self.alice, language="en")
        appointment = self.book(mode=Mode.VIDEO)
        self.committed(send_due_reminders)
        local = timezone.localtime(appointment.starts_at, TZ)
        text = self.sms_texts()[0]
        self.assertIn("conversation with your peer worker", text)
        self.assertIn(f"{ENGLISH_WEEKDAYS[local.weekday()]} {local.day} ", text)
        self.assertIn(f"at {local:%H:%M}", text)
        self.assertIn("by video", text)

    def test_email_preference_sends_email(self):
        people_services.update_person(
            actor=self.coordinator,
            person=self.alice,
            contact_channel="email",
            email="alice@example.dk",
        )
        self.book()
        self.assertEqual(self.committed(send_due_reminders), 2)
        self.assertEqual(messaging.sms_outbox, [])
        self.assertEqual(sorted(m.to[0] for m in mail.outbox), ["alice@example.dk", PEER_EMAIL])

    def test_no_address_means_no_claim_so_a_later_run_can_send(self):
        people_services.update_person(actor=self.coordinator, person=self.alice, phone="")
        appointment = self.book()
        self.assertEqual(self.committed(send_due_reminders), 1)  # the peer only
        self.assertFalse(appointment.reminders.filter(recipient="person").exists())
        people_services.update_person(actor=self.coordinator, person=self.alice, phone="20304050")
        self.assertEqual(self.committed(send_due_reminders), 1)
        self.assertEqual(len(messaging.sms_outbox), 1)

    def test_only_conversations_within_the_next_24_hours(self):
        self.book(hours=30)
        self.assertEqual(self.committed(send_due_reminders), 0)
        self.assertEqual(
            self.committed(send_due_reminders, now=timezone.now() + datetime.timedelta(hours=7)), 2
        )

    def test_peer_without_email_is_skipped(self):
        User.objects.filter(pk=self.peer.user_id).update(email="")
        self.book()
        self.assertEqual(self.committed(send_due_reminders), 1)
        self.assertEqual(mail.outbox, [])

    @override_settings(BROBYGGER_SMS_BACKEND=f"{__name__}.BrokenSMSBackend")
    def test_a_failed_send_releases_the_claim_for_the_next_run(self):
        appointment = self.book()
        with self.assertLogs("brobygger.scheduling.reminders", level="ERROR") as logs:
            self.committed(send_due_reminders)
        self.assertEqual(len(mail.outbox), 1)  # the peer's e-mail went
        self.assertNotIn("20304050", "\n".join(logs.output))
        self.assertFalse(appointment.reminders.filter(recipient="person").exists())
        self.assertTrue(appointment.reminders.filter(recipient="peer").exists())
        failed = AuditEvent.objects.get(verb="reminder.failed")
        self.assertEqual(failed.data, {"channel": "sms", "recipient": "person"})
        with self.settings(BROBYGGER_SMS_BACKEND=LOCMEM_SMS):
            self.assertEqual(self.committed(send_due_reminders), 1)
        self.assertEqual(len(messaging.sms_outbox), 1)

    def test_nothing_is_sent_before_the_claim_commits(self):
        self.book()
        with self.captureOnCommitCallbacks() as callbacks:
            self.assertEqual(send_due_reminders(), 2)
            # Claimed and audited, but not yet sent: a rollback now would send nothing.
            self.assertEqual(Reminder.objects.count(), 2)
            self.assertEqual((messaging.sms_outbox, mail.outbox), ([], []))
        self.assertEqual(len(callbacks), 2)
        for callback in callbacks:
            callback()
        self.assertEqual((len(messaging.sms_outbox), len(mail.outbox)), (1, 1))

    def test_a_rolled_back_claim_sends_nothing(self):
        self.book()
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            try:
                with transaction.atomic():
                    send_due_reminders()
                    raise RuntimeError("the caller's transaction fails")
            except RuntimeError:
                pass
        self.assertEqual(callbacks, [])
        self.assertEqual((messaging.sms_outbox, mail.outbox, Reminder.objects.count()), ([], [], 0))

    def test_command_sends_and_prints_the_count(self):
        self.book()
        out = StringIO()
        self.committed(call_command, "send_reminders", stdout=out)
        self.assertEqual(out.getvalue().strip(), "Sent 2 reminder(s).")
        out = StringIO()
        self.committed(call_command, "send_reminders", stdout=out)
        self.assertEqual(out.getvalue().strip(), "Sent 0 reminder(s).")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the race needs PostgreSQL")
@override_settings(BROBYGGER_SMS_BACKEND=LOCMEM_SMS)
def test_concurrent_runs_send_each_reminder_once(transactional_db, mailoutbox):
    """Several cron runs at the same moment: every reminder still goes exactly once.

    PostgreSQL only: SQLite's immediate transactions let one writer in at a time.
    """
    messaging.sms_outbox.clear()
    unit = make_unit()
    peer = make_peer("samtidig", units=(unit,))
    User.objects.filter(pk=peer.user_id).update(email=PEER_EMAIL)
    starts_at = (timezone.now() + datetime.timedelta(hours=2)).replace(second=0, microsecond=0)
    for i in range(5):
        course = make_course(make_person(f"P{i}", unit=unit, phone=f"2000000{i}"), peer)
        services.book(
            actor=None,
            course=course,
            starts_at=starts_at + datetime.timedelta(hours=i),
            minutes=30,
            mode=Mode.PHONE,
        )
    runs = 6
    barrier = threading.Barrier(runs)
    counts: list[int] = []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            counts.append(send_due_reminders())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(counts) == runs
    assert sum(counts) == 10
    assert sorted(m.to for m in messaging.sms_outbox) == [f"2000000{i}" for i in range(5)]
    assert len(mailoutbox) == 5
    assert Reminder.objects.count() == 10
