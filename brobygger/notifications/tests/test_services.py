"""notify, mark_read, mark_all_read: dedupe, languages, audit, urgent sending on commit."""

from __future__ import annotations

from django.core import mail
from django.db import transaction
from django.test import override_settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from brobygger.audit.models import AuditEvent
from brobygger.notifications import messaging, services
from brobygger.notifications.models import Notification, NotificationKind
from brobygger.testing import BaseTestCase

LOCMEM_SMS = "brobygger.notifications.messaging.LocmemSMSBackend"


class NotifyTests(BaseTestCase):
    def test_notify_puts_one_notification_in_each_recipients_inbox(self):
        created = services.notify(
            kind=NotificationKind.SELF_REFERRAL,
            recipients=[self.coordinator, self.coordinator, self.peer.user],
            title="New self-referral (H-1)",
            link="/henvisninger/1/",
            person=self.alice,
        )
        self.assertEqual(len(created), 2)
        self.assertEqual(
            set(Notification.objects.values_list("recipient_id", flat=True)),
            {self.coordinator.pk, self.peer.user.pk},
        )
        notification = Notification.objects.get(recipient=self.coordinator)
        self.assertTrue(notification.about_person)
        self.assertIsNone(notification.read_at)
        events = AuditEvent.objects.filter(verb="notification.created")
        self.assertEqual(events.count(), 2)
        self.assertEqual({e.person_id for e in events}, {self.alice.pk})

    def test_unknown_kind_is_refused(self):
        with self.assertRaises(ValueError):
            services.notify(kind="gossip", recipients=[self.coordinator], title="x")

    def test_same_dedupe_key_twice_makes_one_notification_per_recipient(self):
        first = services.notify(
            kind=NotificationKind.REFERRAL_WAITING,
            recipients=[self.coordinator],
            title="Waiting (H-1)",
            dedupe_key="referral-waiting:1",
        )
        services.mark_read(first[0], user=self.coordinator)
        again = services.notify(
            kind=NotificationKind.REFERRAL_WAITING,
            recipients=[self.coordinator, self.other_coordinator],
            title="Waiting (H-1)",
            dedupe_key="referral-waiting:1",
        )
        self.assertEqual([n.recipient_id for n in again], [self.other_coordinator.pk])
        self.assertEqual(Notification.objects.filter(recipient=self.coordinator).count(), 1)

    def test_inactive_users_get_nothing(self):
        self.other_coordinator.is_active = False
        self.other_coordinator.save(update_fields=["is_active"])
        created = services.notify(
            kind=NotificationKind.CONTRACT_DUE, recipients=[self.other_coordinator], title="x"
        )
        self.assertEqual(created, [])

    def test_a_lazy_title_is_written_in_each_recipients_language(self):
        self.peer.user.language = "en"
        self.peer.user.save(update_fields=["language"])
        title = format_lazy("{} (H-7)", gettext_lazy("New self-referral"))
        services.notify(
            kind=NotificationKind.SELF_REFERRAL,
            recipients=[self.coordinator, self.peer.user],
            title=title,
        )
        self.assertEqual(
            Notification.objects.get(recipient=self.coordinator).title, "Ny selvhenvisning (H-7)"
        )
        self.assertEqual(
            Notification.objects.get(recipient=self.peer.user).title, "New self-referral (H-7)"
        )

    def test_mark_read_and_mark_all_read(self):
        for number in range(3):
            services.notify(
                kind=NotificationKind.SUPERVISION_DUE,
                recipients=[self.coordinator],
                title=f"Supervision due (M-{number})",
            )
        one = Notification.objects.for_user(self.coordinator).first()
        assert one is not None
        services.mark_read(one, user=self.coordinator)
        one.refresh_from_db()
        self.assertIsNotNone(one.read_at)
        with self.assertRaises(PermissionError):
            services.mark_read(one, user=self.other_coordinator)
        self.assertEqual(services.mark_all_read(user=self.coordinator), 2)
        self.assertEqual(services.mark_all_read(user=self.coordinator), 0)
        self.assertFalse(Notification.objects.for_user(self.coordinator).unread().exists())
        self.assertTrue(AuditEvent.objects.filter(verb="notification.all_read").exists())


@override_settings(BROBYGGER_SMS_BACKEND=LOCMEM_SMS, BROBYGGER_BASE_URL="https://bro.example.dk")
class UrgentTests(BaseTestCase):
    def setUp(self):
        messaging.sms_outbox.clear()

    def test_urgent_is_sent_after_the_commit_without_personal_data(self):
        self.coordinator.phone = "+45 20 30 40 50"
        self.coordinator.save(update_fields=["phone"])
        self.other_coordinator.email = "other@example.dk"
        self.other_coordinator.save(update_fields=["email"])
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            services.notify(
                kind=NotificationKind.CONCERN_RAISED,
                recipients=[self.coordinator, self.other_coordinator],
                title="Concern raised (H-9)",
                person=self.alice,
                urgent=True,
            )
            self.assertEqual(messaging.sms_outbox, [])  # nothing before the commit
        self.assertEqual(len(callbacks), 2)
        self.assertEqual(len(messaging.sms_outbox), 1)
        sms = messaging.sms_outbox[0]
        self.assertEqual(sms.to, "+45 20 30 40 50")
        self.assertIn("https://bro.example.dk/beskeder/", sms.text)
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["other@example.dk"])
        for text in (sms.text, mail.outbox[0].body, mail.outbox[0].subject):
            for secret in ("Alice", "Andersen", "0101901234", "H-9"):
                self.assertNotIn(secret, text)

    def test_nothing_is_sent_when_the_transaction_rolls_back(self):
        self.coordinator.phone = "20304050"
        self.coordinator.save(update_fields=["phone"])

        class Boom(Exception):
            pass

        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            try:
                with transaction.atomic():
                    services.notify(
                        kind=NotificationKind.CONCERN_RAISED,
                        recipients=[self.coordinator],
                        title="Concern raised (H-9)",
                        urgent=True,
                    )
                    raise Boom
            except Boom:
                pass
        self.assertEqual(callbacks, [])
        self.assertEqual(messaging.sms_outbox, [])
        self.assertFalse(Notification.objects.exists())

    @override_settings(BROBYGGER_SMS_BACKEND=f"{__name__}.BrokenBackend")
    def test_a_failed_send_is_logged_without_the_number_and_not_raised(self):
        self.coordinator.phone = "20304050"
        self.coordinator.save(update_fields=["phone"])
        with (
            self.assertLogs("brobygger.notifications.services", "ERROR") as logs,
            self.captureOnCommitCallbacks(execute=True),
        ):
            created = services.notify(
                kind=NotificationKind.CONCERN_UNACKNOWLEDGED,
                recipients=[self.coordinator],
                title="x",
                urgent=True,
            )
        self.assertEqual(len(created), 1)
        self.assertNotIn("20304050", "\n".join(logs.output))


class BrokenBackend:
    def send(self, to: str, text: str) -> None:
        raise RuntimeError(f"gateway refused {to}")
