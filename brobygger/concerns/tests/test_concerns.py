"""'Jeg er bekymret': raising, telling, acknowledging, escalating, closing; crisis cards."""

from __future__ import annotations

import datetime

import time_machine
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from brobygger.accounts.models import Role, User
from brobygger.audit.models import AccessAction, AccessLogEntry, AuditEvent
from brobygger.concerns import alerts, services
from brobygger.concerns.models import (
    Concern,
    ConcernStatus,
    CrisisCard,
    CrisisContact,
    UnitContact,
    Urgency,
)
from brobygger.lib.paging import PAGE_SIZE
from brobygger.notifications import messaging
from brobygger.notifications.models import Notification, NotificationKind
from brobygger.testing import BaseTestCase, count_queries, make_course, make_person, make_user

LOCMEM_SMS = messaging.LOCMEM_SMS_BACKEND


def verbs(concern: Concern) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="concerns.concern", object_id=concern.pk)
        .order_by("seq")
        .values_list("verb", flat=True)
    )


@override_settings(BROBYGGER_SMS_BACKEND=LOCMEM_SMS)
class ConcernFlowTests(BaseTestCase):
    ward_contact: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.alice_course.unit = cls.unit
        cls.alice_course.save(update_fields=["unit"])
        CrisisContact.objects.create(
            unit=cls.unit, name="Afsnit R1, vagttelefon", phone="47 32 00 00", on_duty=True
        )
        CrisisContact.objects.create(
            unit=cls.other_unit, name="Afsnit S3, vagttelefon", phone="47 32 99 99", on_duty=True
        )
        User.objects.filter(pk=cls.coordinator.pk).update(phone="20202020")
        cls.ward_contact = make_user("wardnurse", Role.CLINICIAN, units=(cls.unit,))
        User.objects.filter(pk=cls.ward_contact.pk).update(email="r1@example.org")
        UnitContact.objects.create(unit=cls.unit, user=cls.ward_contact)

    def setUp(self) -> None:
        messaging.sms_outbox.clear()

    def raise_one(self, urgency: str = Urgency.HIGH) -> Concern:
        with self.captureOnCommitCallbacks(execute=True):
            return services.raise_concern(
                actor=self.peer.user,
                course=self.alice_course,
                urgency=urgency,
                what_happened="Alice talte om at hun ikke orker mere; hun har skizofreni",
            )

    def test_crisis_numbers_come_before_the_form(self):
        self.login(self.peer)
        response = self.client.get(reverse("concerns:raise", args=[self.alice_course.pk]))
        self.assertEqual(response.status_code, 200)
        body = response.content.decode()
        # The unit's on-duty number first, then the national ones; none of the other unit.
        self.assertLess(body.index('href="tel:47320000"'), body.index('href="tel:112"'))
        self.assertIn('href="tel:70201201"', body)
        self.assertNotIn("47 32 99 99", body)
        self.assertLess(body.index('href="tel:112"'), body.index('name="urgency"'))

    def test_peer_raises_a_concern_and_the_unit_and_coordinator_are_told(self):
        self.login(self.peer)
        before = self.last_seq()
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("concerns:raise", args=[self.alice_course.pk]),
                {"urgency": "high", "what_happened": "Virker meget urolig, taler om at give op"},
            )
        concern = Concern.objects.get()
        self.assertRedirects(
            response,
            reverse("concerns:detail", args=[concern.pk]),
            fetch_redirect_response=False,
        )
        self.assertEqual(
            (concern.status, concern.person_id, concern.unit_id, concern.raised_by_id),
            (ConcernStatus.OPEN, self.alice.pk, self.unit.pk, self.peer.user_id),
        )
        self.assertEqual(verbs(concern), ["concern.raised"])
        self.assertEqual(self.one_entry(before).action, AccessAction.CREATE)
        # The coordinator by text message (a phone), the ward's contact by e-mail.
        self.assertEqual([m.to for m in messaging.sms_outbox], ["20202020"])
        self.assertEqual([m.to for m in mail.outbox], [["r1@example.org"]])

    def test_notifications_and_messages_name_nobody_and_say_nothing_clinical(self):
        concern = self.raise_one()
        with self.captureOnCommitCallbacks(execute=True):
            services.escalate_due(at=concern.raised_at + datetime.timedelta(hours=1))
        notes = list(Notification.objects.order_by("pk"))
        self.assertCountEqual(
            [(n.kind, n.recipient_id) for n in notes],
            [
                (NotificationKind.CONCERN_RAISED, self.coordinator.pk),
                (NotificationKind.CONCERN_RAISED, self.ward_contact.pk),
                (NotificationKind.CONCERN_UNACKNOWLEDGED, self.coordinator.pk),
            ],
        )
        self.assertTrue(all(n.urgent for n in notes))
        # The ward's contact follows the link by the concern's own rule, not the person's.
        self.assertEqual(
            {n.recipient_id for n in notes if n.person_id == self.alice.pk},
            {self.coordinator.pk},
        )
        self.assertEqual({n.link for n in notes}, {f"/bekymringer/{concern.pk}/"})
        to_coordinator = next(n for n in notes if n.recipient_id == self.coordinator.pk)
        self.assertIn(f"nr. {concern.pk}", to_coordinator.title)  # the coordinator reads Danish
        self.assertEqual(len(messaging.sms_outbox), 2)  # raised, then unacknowledged
        texts = [n.title for n in notes] + [m.text for m in messaging.sms_outbox]
        texts += [str(m.body) for m in mail.outbox] + [str(m.subject) for m in mail.outbox]
        for text in texts:
            for secret in ("Alice", "Andersen", "0101901234", "010190", "skizofreni", "orker mere"):
                self.assertNotIn(secret, text)

    def test_outsiders_cannot_raise_or_see(self):
        concern = self.raise_one()
        self.login(self.other_peer)
        url = reverse("concerns:raise", args=[self.alice_course.pk])
        self.assertEqual(self.client.get(url).status_code, 404)
        detail = reverse("concerns:detail", args=[concern.pk])
        self.assertEqual(self.client.get(detail).status_code, 404)
        self.login(self.other_coordinator)
        self.assertEqual(self.client.get(detail).status_code, 404)
        self.login(self.evaluator)
        self.assertEqual(self.client.get(url).status_code, 403)
        # The treating unit's contact sees it; another clinician does not.
        self.login(self.ward_contact)
        self.assertEqual(self.client.get(detail).status_code, 200)
        self.login(self.clinician)
        self.assertEqual(self.client.get(detail).status_code, 404)

    def test_an_empty_concern_is_refused_and_nothing_typed_is_lost(self):
        self.login(self.peer)
        response = self.client.post(
            reverse("concerns:raise", args=[self.alice_course.pk]),
            {"urgency": "", "what_happened": "Hun svarer ikke"},
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "Hun svarer ikke", status_code=422)
        self.assertFalse(Concern.objects.exists())

    def test_flag_shows_until_closed_and_every_step_is_audited(self):
        concern = self.raise_one()
        course_url = reverse("referrals:course_detail", args=[self.alice_course.pk])
        person_url = reverse("people:person_detail", args=[self.alice.pk])
        detail = reverse("concerns:detail", args=[concern.pk])
        self.login(self.coordinator)
        self.assertContains(self.client.get(course_url), detail)
        self.assertContains(self.client.get(person_url), detail)

        self.assertRedirects(
            self.client.post(reverse("concerns:acknowledge", args=[concern.pk])), detail
        )
        concern.refresh_from_db()
        self.assertEqual(
            (concern.status, concern.acknowledged_by_id),
            (ConcernStatus.ACKNOWLEDGED, self.coordinator.pk),
        )
        self.assertContains(self.client.get(course_url), detail)  # still flagged

        response = self.client.post(
            reverse("concerns:close", args=[concern.pk]), {"outcome": "other", "outcome_note": ""}
        )
        self.assertEqual(response.status_code, 422)  # "other" needs a word on what was done
        response = self.client.post(
            reverse("concerns:close", args=[concern.pk]),
            {"outcome": "treatment", "outcome_note": "Afsnittet ringede hende op"},
        )
        self.assertRedirects(response, detail)
        concern.refresh_from_db()
        self.assertEqual((concern.status, concern.outcome), (ConcernStatus.CLOSED, "treatment"))
        self.assertNotContains(self.client.get(course_url), detail)
        self.assertNotContains(self.client.get(person_url), detail)
        self.assertEqual(
            verbs(concern), ["concern.raised", "concern.acknowledged", "concern.closed"]
        )

    def test_the_peer_sees_but_does_not_acknowledge(self):
        concern = self.raise_one()
        self.login(self.peer)
        self.assertNotContains(
            self.client.get(reverse("concerns:detail", args=[concern.pk])), "kvitter/"
        )
        self.client.post(reverse("concerns:acknowledge", args=[concern.pk]))
        concern.refresh_from_db()
        self.assertEqual(concern.status, ConcernStatus.OPEN)

    def test_the_unit_contact_can_acknowledge(self):
        concern = self.raise_one()
        self.login(self.ward_contact)
        self.client.post(reverse("concerns:acknowledge", args=[concern.pk]))
        concern.refresh_from_db()
        self.assertEqual(concern.acknowledged_by_id, self.ward_contact.pk)

    def test_escalation_waits_for_the_configured_time_and_runs_once(self):
        high = self.raise_one(Urgency.HIGH)
        low = self.raise_one(Urgency.LOW)
        messaging.sms_outbox.clear()
        start = timezone.now()
        with time_machine.travel(start + datetime.timedelta(minutes=29), tick=False):
            self.assertEqual(services.escalate_due(), [])
        with (
            time_machine.travel(start + datetime.timedelta(minutes=31), tick=False),
            self.captureOnCommitCallbacks(execute=True),
        ):
            self.assertEqual([c.pk for c in services.escalate_due()], [high.pk])
            self.assertEqual(services.escalate_due(), [])  # idempotent
        self.assertEqual(len(messaging.sms_outbox), 1)
        self.assertEqual(
            list(
                Notification.objects.filter(kind="concern_unacknowledged").values_list("recipient")
            ),
            [(self.coordinator.pk,)],
        )
        with time_machine.travel(start + datetime.timedelta(hours=25), tick=False):
            self.assertEqual([c.pk for c in services.escalate_due()], [low.pk])
        high.refresh_from_db()
        self.assertIsNotNone(high.escalated_at)
        self.assertEqual(verbs(high), ["concern.raised", "concern.escalated"])

    @override_settings(BROBYGGER_CONCERN_ESCALATE_MINUTES={"high": 5})
    def test_escalation_time_is_a_setting_and_acknowledged_ones_stay_quiet(self):
        first = self.raise_one()
        second = self.raise_one()
        services.acknowledge_concern(actor=self.coordinator, concern=first)
        with time_machine.travel(timezone.now() + datetime.timedelta(minutes=6), tick=False):
            self.assertEqual([c.pk for c in services.escalate_due()], [second.pk])

    def test_escalate_command(self):
        from io import StringIO

        from django.core.management import call_command

        concern = self.raise_one()
        out = StringIO()
        with time_machine.travel(timezone.now() + datetime.timedelta(hours=2), tick=False):
            call_command("escalate_concerns", stdout=out)
        self.assertIn("Escalated 1", out.getvalue())
        concern.refresh_from_db()
        self.assertIsNotNone(concern.escalated_at)

    def test_recipients(self):
        concern = self.raise_one()
        self.assertEqual(
            {u.pk for u in alerts.raised_recipients(concern)},
            {self.coordinator.pk, self.ward_contact.pk},
        )
        self.assertEqual([u.pk for u in alerts.coordinators_for(concern)], [self.coordinator.pk])

    def test_list_of_open_concerns_has_a_constant_query_count(self):
        def concern_on_a_new_course(n: int) -> None:
            person = make_person(f"Person{n}", unit=self.unit)
            course = make_course(person, self.peer)
            services.raise_concern(
                actor=self.peer.user, course=course, urgency="low", what_happened="Urolig"
            )

        self.raise_one()
        concern_on_a_new_course(0)
        self.login(self.coordinator)
        url = reverse("concerns:list")
        with count_queries() as few:
            self.client.get(url)
        for n in range(1, PAGE_SIZE + 5):  # more than a page
            concern_on_a_new_course(n)
        with count_queries() as many:
            response = self.client.get(url)
        self.assertContains(response, "Person3")
        self.assertEqual(len(many), len(few))
        self.assertEqual(len(response.context["concerns"]), PAGE_SIZE)
        open_ones = Concern.objects.visible_to(self.coordinator).unresolved().count()
        self.assertContains(response, f"1\u2013{PAGE_SIZE} af {open_ones}")

    def test_the_list_logs_the_persons_of_the_page_shown_only(self):
        for n in range(PAGE_SIZE + 2):
            person = make_person(f"Side{n:02d}", unit=self.unit)
            services.raise_concern(
                actor=self.peer.user,
                course=make_course(person, self.peer),
                urgency="low",
                what_happened="Urolig",
            )
        self.login(self.coordinator)
        before = AccessLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        response = self.client.get(reverse("concerns:list"), {"page": "2"})
        shown = {c.person_id for c in response.context["concerns"]}
        logged: set[int] = set()
        for entry in AccessLogEntry.objects.filter(pk__gt=before):
            logged.update(entry.person_ids or [entry.person_id])
        self.assertEqual(logged, shown)
        self.assertLess(len(shown), PAGE_SIZE)

    def test_button_on_the_conversation_note_and_not_on_an_ended_course(self):
        from brobygger.lifecycle import services as lifecycle
        from brobygger.scheduling import services as scheduling

        held = scheduling.record_past(
            actor=self.peer.user,
            course=self.alice_course,
            starts_at=timezone.now() - datetime.timedelta(hours=1),
            minutes=45,
            mode="in_person",
            status="held",
            place_kind="ward",
        )
        raise_url = reverse("concerns:raise", args=[self.alice_course.pk])
        self.login(self.peer)
        note = self.client.get(reverse("conversations:record", args=[held.pk]))
        self.assertContains(note, f'href="{raise_url}"')
        lifecycle.end_course(
            actor=None,
            course=self.alice_course,
            ended_on=timezone.localdate(),
            reason="completed",
        )
        course_page = self.client.get(
            reverse("referrals:course_detail", args=[self.alice_course.pk])
        )
        self.assertNotContains(course_page, f'href="{raise_url}"')
        self.assertEqual(self.client.get(raise_url).status_code, 404)

    def test_my_week_and_start_page(self):
        self.login(self.peer)
        week = self.client.get(reverse("scheduling:my_week"))
        self.assertContains(week, reverse("concerns:start"))
        start = self.client.get(reverse("concerns:start"))
        self.assertContains(start, reverse("concerns:raise", args=[self.alice_course.pk]))
        self.assertContains(start, 'href="tel:47320000"')


class CrisisCardTests(BaseTestCase):
    def test_peer_makes_and_changes_the_card_with_versions_in_the_trail(self):
        self.login(self.peer)
        url = reverse("concerns:crisis_card", args=[self.alice.pk])
        self.assertEqual(self.client.get(url).status_code, 200)
        data = {
            "warning_signs": "Sover dårligt\nTrækker mig",
            "what_helps": "Gåture",
            "who_to_call": "",
            "own_contacts": "Søster Mette 22 33 44 55",
            "agreed": "on",
        }
        self.assertRedirects(self.client.post(url, data), url)
        data["what_helps"] = "Gåture\nMusik"
        self.assertRedirects(self.client.post(url, data), url)
        card = CrisisCard.objects.get(person=self.alice)
        self.assertEqual((card.version, card.helps_lines), (2, ["Gåture", "Musik"]))
        events = AuditEvent.objects.filter(object_type="concerns.crisiscard").order_by("seq")
        self.assertEqual(
            [(e.verb, e.data) for e in events],
            [
                ("crisis_card.created", {"version": 1}),
                ("crisis_card.changed", {"version": 2, "fields": ["what_helps"]}),
            ],
        )

    def test_the_card_must_be_agreed_and_say_something(self):
        self.login(self.peer)
        url = reverse("concerns:crisis_card", args=[self.alice.pk])
        response = self.client.post(url, {"warning_signs": "Sover dårligt"})
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "Sover dårligt", status_code=422)
        response = self.client.post(url, {"agreed": "on"})
        self.assertEqual(response.status_code, 422)
        self.assertFalse(CrisisCard.objects.exists())

    def test_print_is_logged_as_a_print(self):
        services.save_crisis_card(actor=self.peer.user, person=self.alice, what_helps="Gåture")
        self.login(self.peer)
        before = self.last_seq()
        response = self.client.get(reverse("concerns:crisis_card_print", args=[self.alice.pk]))
        self.assertContains(response, "Gåture")
        self.assertContains(response, 'href="tel:112"')
        entry = self.one_entry(before)
        self.assertEqual((entry.action, entry.person_id), (AccessAction.PRINT, self.alice.pk))

    def test_others_cannot_open_the_card(self):
        self.login(self.other_peer)
        url = reverse("concerns:crisis_card", args=[self.alice.pk])
        self.assertEqual(self.client.get(url).status_code, 404)
        self.login(self.clinician)
        self.assertEqual(self.client.get(url).status_code, 403)


class CrisisContactTests(BaseTestCase):
    def test_national_numbers_are_there_and_the_list_shows_them(self):
        self.assertEqual(
            set(CrisisContact.objects.filter(unit=None).values_list("phone", flat=True)),
            {"112", "70 201 201"},
        )
        self.login(self.admin)
        response = self.client.get(reverse("concerns:contacts"))
        self.assertContains(response, 'href="tel:70201201"')

    def test_admin_changes_are_audited(self):
        contact = CrisisContact(unit=self.unit, name="Vagt", phone="47 00 00 00", on_duty=True)
        services.save_crisis_contact(actor=self.admin, contact=contact, created=True)
        services.delete_crisis_contact(actor=self.admin, contact=contact)
        self.assertEqual(
            list(
                AuditEvent.objects.filter(object_type="concerns.crisiscontact")
                .order_by("seq")
                .values_list("verb", flat=True)
            ),
            ["crisis_contact.created", "crisis_contact.deleted"],
        )
