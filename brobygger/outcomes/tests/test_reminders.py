"""Reminders: the peer's daily questionnaire e-mail, and never a link without consent."""

from __future__ import annotations

import datetime
from io import StringIO
from unittest import mock

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from brobygger.audit.models import AuditEvent
from brobygger.lifecycle import services as lifecycle
from brobygger.notifications import messaging
from brobygger.outcomes import reminders
from brobygger.outcomes.models import Administration, AdministrationStatus, PeerDigest, Timepoint
from brobygger.outcomes.services import sync_schedule
from brobygger.people.models import Consent, ConsentKind
from brobygger.testing import TODAY, count_queries, make_course, make_person

from .helpers import OutcomesTestCase, give_questionnaire_consent

BASE = "https://brobygger.example"
SMS = "brobygger.notifications.messaging.LocmemSMSBackend"


class PeerDigestTests(OutcomesTestCase):
    def setUp(self) -> None:
        mail.outbox.clear()
        for user in (self.peer.user, self.other_peer.user):
            user.email = f"{user.username}@region.example"
            user.save(update_fields=["email"])
        # Alice's start questionnaire was due 10 days ago (her course started then).
        self.start = self.start_administration()

    def send(self, today: datetime.date = TODAY) -> int:
        return self.committed(reminders.send_peer_digests, base_url=BASE, today=today)

    def test_one_email_a_day_with_counts_and_the_due_list_but_no_names(self):
        dora = make_person("Dora", unit=self.unit)
        give_questionnaire_consent(dora)
        course = make_course(dora, self.peer)
        lifecycle.update_course(actor=None, course=course, discharged_on=TODAY)
        self.assertEqual(self.send(), 1)
        [message] = mail.outbox
        self.assertEqual(message.to, ["peer@region.example"])
        self.assertEqual(message.subject, "Spørgeskemaer at følge op på")
        # Alice's and Dora's start (10 days ago), Dora's discharge (today).
        self.assertIn("Forsinket: 2", message.body)
        self.assertIn("Skal besvares i dag: 1", message.body)
        self.assertIn(f"{BASE}/skemaer/", message.body)
        for secret in ("Alice", "Dora", "Andersen", "0101901234", "010190"):
            self.assertNotIn(secret, f"{message.subject} {message.body}")
        # Run again the same day: nothing more.
        self.assertEqual(self.send(), 0)
        self.assertEqual(len(mail.outbox), 1)
        digest = PeerDigest.objects.get()
        self.assertEqual((digest.overdue, digest.due_today, digest.coming), (2, 1, 0))
        self.assertTrue(
            AuditEvent.objects.filter(
                verb="questionnaire.peer_reminder_sent", object_id=digest.pk
            ).exists()
        )
        # The next day it comes again, while the questionnaires are still open.
        self.assertEqual(self.send(TODAY + datetime.timedelta(days=1)), 1)

    def test_in_the_peers_language(self):
        self.peer.user.language = "en"
        self.peer.user.save(update_fields=["language"])
        self.send()
        [message] = mail.outbox
        self.assertEqual(message.subject, "Questionnaires to follow up")
        self.assertIn("Overdue: 1", message.body)

    def test_nothing_for_questionnaires_of_persons_without_consent(self):
        # Bob (the other peer's) has no consent at all; withdraw Alice's too.
        sync_schedule(actor=None, course=self.bob.courses.get())
        self.assertTrue(Administration.objects.filter(course__person=self.bob).exists())
        Consent.objects.filter(person=self.alice, kind=ConsentKind.QUESTIONNAIRES).update(
            withdrawn_at=timezone.now()
        )
        self.assertEqual(self.send(), 0)
        self.assertEqual(mail.outbox, [])

    def test_nothing_when_nothing_is_due_yet_or_it_was_answered(self):
        self.assertEqual(self.send(TODAY - datetime.timedelta(days=12)), 0)  # only "coming"
        Administration.objects.filter(pk=self.start.pk).update(status=AdministrationStatus.DECLINED)
        self.assertEqual(self.send(), 0)
        self.assertEqual(mail.outbox, [])

    def test_nobody_without_an_address_or_an_active_account(self):
        self.peer.user.email = ""
        self.peer.user.save(update_fields=["email"])
        self.assertEqual(self.send(), 0)
        self.peer.user.email = "peer@region.example"
        self.peer.user.is_active = False
        self.peer.user.save(update_fields=["email", "is_active"])
        self.assertEqual(self.send(), 0)
        self.assertFalse(PeerDigest.objects.exists())

    def test_a_failed_send_is_retried_on_the_next_run(self):
        with (
            mock.patch.object(messaging, "send", side_effect=OSError("smtp down")),
            self.assertLogs("brobygger.outcomes.reminders", "ERROR"),
        ):
            self.send()
        self.assertFalse(PeerDigest.objects.exists())  # the claim is released
        self.assertEqual(self.send(), 1)
        self.assertEqual(len(mail.outbox), 1)

    def test_the_counts_take_one_query_whatever_the_caseload(self):
        for name in ("Dora", "Erik", "Frida", "Gorm"):
            person = make_person(name, unit=self.unit)
            give_questionnaire_consent(person)
            make_course(person, self.other_peer)
        with count_queries() as queries:
            counts = reminders.due_counts(TODAY)
        self.assertEqual(len(queries.captured_queries), 1)
        self.assertEqual(counts[self.other_peer.user.pk].overdue, 4)
        self.assertEqual(counts[self.peer.user.pk].overdue, 1)


class CommandTests(OutcomesTestCase):
    def test_the_daily_job_sends_links_and_peer_reminders_once(self):
        messaging.sms_outbox.clear()
        mail.outbox.clear()
        self.peer.user.email = "peer@region.example"
        self.peer.user.save(update_fields=["email"])
        self.start_administration()
        out = StringIO()
        with self.settings(BROBYGGER_SMS_BACKEND=SMS):
            self.committed(call_command, "send_questionnaire_links", "--base-url", BASE, stdout=out)
            self.committed(call_command, "send_questionnaire_links", "--base-url", BASE, stdout=out)
        self.assertEqual(
            out.getvalue().splitlines(),
            [
                "1 questionnaire link(s) sent.",
                "1 peer reminder(s) sent.",
                "0 questionnaire link(s) sent.",
                "0 peer reminder(s) sent.",
            ],
        )
        self.assertEqual(len(messaging.sms_outbox), 1)
        self.assertEqual(len(mail.outbox), 1)


class LinkConsentTests(OutcomesTestCase):
    """A person without a current consent to questionnaires never gets a link."""

    def setUp(self) -> None:
        messaging.sms_outbox.clear()
        mail.outbox.clear()

    def send(self) -> int:
        with self.settings(BROBYGGER_SMS_BACKEND=SMS):
            return self.committed(reminders.send_due_links, base_url=BASE, today=TODAY)

    def test_contact_consent_alone_is_not_enough(self):
        dora = make_person("Dora", unit=self.unit, phone="30405060", email="d@example.invalid")
        course = make_course(dora, self.peer)
        self.assertTrue(
            Administration.objects.filter(course=course, timepoint=Timepoint.START).exists()
        )
        # Alice (who has consented) gets her link; Dora nothing, by no channel.
        self.assertEqual(self.send(), 1)
        self.assertEqual([m.to for m in messaging.sms_outbox], ["20304050"])
        self.assertEqual(mail.outbox, [])
        administration = Administration.objects.get(course=course)
        self.assertEqual(administration.status, AdministrationStatus.DUE)
        self.assertEqual(administration.token_hash, "")

    def test_withdrawn_contact_consent_stops_the_link_too(self):
        self.start_administration()
        Consent.objects.filter(person=self.alice, kind=ConsentKind.CONTACT).update(
            withdrawn_at=timezone.now()
        )
        self.assertEqual(self.send(), 0)
        self.assertEqual(messaging.sms_outbox, [])

    def test_a_questionnaire_sent_meanwhile_is_not_sent_again(self):
        administration = self.start_administration()
        Administration.objects.filter(pk=administration.pk).update(status=AdministrationStatus.SENT)
        self.assertFalse(self.committed(reminders.send_link, administration, base_url=BASE))
        self.assertEqual(messaging.sms_outbox, [])
