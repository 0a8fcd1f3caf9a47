"""The daily digest e-mail: counts per kind and a link, no personal data, once a day."""

from __future__ import annotations

import datetime
import io

import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from brobygger.audit.models import AuditEvent
from brobygger.notifications import services
from brobygger.notifications.digest import send_digests
from brobygger.notifications.models import DigestSent, NotificationKind
from brobygger.testing import BaseTestCase

BASE = "https://brobygger.example.dk"


class DigestTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for user, email in ((cls.coordinator, "koord@example.dk"), (cls.peer.user, "")):
            user.email = email
            user.save(update_fields=["email"])

    def notify(self, kind, user, title, person=None):
        services.notify(kind=kind, recipients=[user], title=title, person=person)

    def test_counts_per_kind_and_a_link_without_personal_data(self):
        self.notify(NotificationKind.SELF_REFERRAL, self.coordinator, "Ny (H-1)", self.alice)
        self.notify(NotificationKind.SELF_REFERRAL, self.coordinator, "Ny (H-2)", self.bob)
        self.notify(NotificationKind.CONTRACT_DUE, self.coordinator, "Kontrakt (M-3)")
        self.notify(NotificationKind.SELF_REFERRAL, self.peer.user, "Ny (H-4)")  # no e-mail
        self.assertEqual(self.committed(send_digests, base_url=BASE), 1)
        [message] = mail.outbox
        self.assertEqual(message.to, ["koord@example.dk"])
        self.assertEqual(message.subject, "Brobygger: nye beskeder")
        self.assertIn("Du har 3 ulæste beskeder i Brobygger.", message.body)
        self.assertIn("- Ny selvhenvisning: 2", message.body)
        self.assertIn("- Kontrakt udløber: 1", message.body)
        self.assertIn(f"{BASE}/beskeder/", message.body)
        for secret in ("Alice", "Bob", "Andersen", "0101901234", "H-1", "H-2", "M-3"):
            self.assertNotIn(secret, f"{message.body}\n{message.subject}")

    def test_once_a_day_and_only_with_something_new(self):
        self.notify(NotificationKind.SELF_REFERRAL, self.coordinator, "Ny (H-1)")
        self.assertEqual(self.committed(send_digests, base_url=BASE), 1)
        self.assertEqual(self.committed(send_digests, base_url=BASE), 0)  # same day
        with time_machine.travel(timezone.now() + datetime.timedelta(days=1)):
            # The next day: nothing new since yesterday, so no e-mail.
            self.assertEqual(self.committed(send_digests, base_url=BASE), 0)
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(DigestSent.objects.count(), 1)

    def test_read_notifications_are_not_in_the_digest(self):
        self.notify(NotificationKind.SELF_REFERRAL, self.coordinator, "Ny (H-1)")
        services.mark_all_read(user=self.coordinator)
        self.assertEqual(self.committed(send_digests, base_url=BASE), 0)

    @override_settings(EMAIL_BACKEND="brobygger.notifications.tests.test_digest.BrokenMail")
    def test_a_failed_send_is_retried_by_the_next_run(self):
        self.notify(NotificationKind.SELF_REFERRAL, self.coordinator, "Ny (H-1)")
        with self.assertLogs("brobygger.notifications.digest", "ERROR") as logs:
            self.committed(send_digests, base_url=BASE)
        self.assertNotIn("koord@example.dk", "\n".join(logs.output))
        self.assertFalse(DigestSent.objects.exists())  # the claim is released
        self.assertTrue(AuditEvent.objects.filter(verb="notification.digest_failed").exists())
        with self.settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            self.assertEqual(self.committed(send_digests, base_url=BASE), 1)
        self.assertEqual(len(mail.outbox), 1)

    def test_the_command_needs_a_base_url(self):
        with self.assertRaises(CommandError):
            call_command("send_digest")
        self.notify(NotificationKind.SELF_REFERRAL, self.coordinator, "Ny (H-1)")
        self.committed(call_command, "send_digest", "--base-url", BASE, stdout=io.StringIO())
        self.assertEqual(len(mail.outbox), 1)


class BrokenMail:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionError(f"refused {messages[0].to}")
