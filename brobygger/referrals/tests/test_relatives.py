"""The relatives' track (issue 19): the relationship, the plan agreed with the relative,
and what the patient has consented to share with them, enforced on the relative's page."""

from __future__ import annotations

import datetime

from django.urls import reverse

from brobygger.accounts.models import Role
from brobygger.audit.models import AuditEvent
from brobygger.lib.dates import local_datetime
from brobygger.people import services as people_services
from brobygger.people.models import Consent, ConsentKind, PeerKind, Person
from brobygger.referrals.models import Course, Referral, RelativePlan
from brobygger.scheduling import services as scheduling_services
from brobygger.scheduling.models import Mode
from brobygger.testing import TODAY, BaseTestCase, make_course, make_peer, make_user


class RelationshipTests(BaseTestCase):
    def referral_data(self, **overrides: object) -> dict[str, object]:
        data: dict[str, object] = {
            "kind": "relative",
            "relationship": "parent",
            "given_name": "Ruth",
            "family_name": "Berg",
            "phone": "40506070",
            "contact_channel": "phone",
            "treatment_setting": "none",
            "reason": "Min søn er indlagt, og jeg er bekymret",
            "language_wish": "da",
            "consent_contact": "on",
        }
        data.update(overrides)
        return data

    def test_relationship_is_saved_and_shown_on_the_referral_and_the_course(self):
        self.login(self.coordinator)
        response = self.client.post(reverse("referrals:referral_create"), self.referral_data())
        referral = Referral.objects.get(person__given_name="Ruth")
        self.assertRedirects(response, reverse("referrals:referral_detail", args=[referral.pk]))
        self.assertEqual(referral.relationship, "parent")
        page = self.client.get(reverse("referrals:referral_detail", args=[referral.pk]))
        self.assertContains(page, "<dd>Forælder</dd>", html=True)
        course = make_course(referral.person, self.relative_peer)
        course.referral = referral
        course.save(update_fields=["referral"])
        self.login(self.relative_peer.user)
        page = self.client.get(reverse("referrals:course_detail", args=[course.pk]))
        self.assertContains(page, "Forælder")

    def test_a_relative_without_a_relationship_gets_a_danish_message_and_keeps_the_input(self):
        self.login(self.coordinator)
        response = self.client.post(
            reverse("referrals:referral_create"), self.referral_data(relationship="")
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "Vælg den pårørendes relation", status_code=422)
        self.assertContains(response, 'value="Ruth"', status_code=422)
        self.assertFalse(Referral.objects.filter(person__given_name="Ruth").exists())

    def test_a_patient_referral_keeps_no_relationship(self):
        self.login(self.coordinator)
        self.client.post(
            reverse("referrals:referral_create"),
            self.referral_data(kind="patient", given_name="Pia", relationship="friend"),
        )
        self.assertEqual(Referral.objects.get(person__given_name="Pia").relationship, "")

    def test_self_referral_records_the_relatives_relationship(self):
        response = self.client.post(
            reverse("public:self_referral"),
            {
                "kind": "relative",
                "relationship": "partner",
                "given_name": "Ib",
                "family_name": "Krogh",
                "phone": "22334455",
                "contact_channel": "phone",
                "treatment_setting": "none",
                "language_wish": "da",
                "consent_contact": "on",
                "consent_store": "on",
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Referral.objects.get(person__given_name="Ib").relationship, "partner")


class RelativeCourseTestCase(BaseTestCase):
    ruth: Person
    ruth_course: Course

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.ruth = people_services.create_person(
            actor=None,
            kind="relative",
            given_name="Ruth",
            family_name="Berg",
            unit=cls.unit,
            patient=cls.alice,
            relationship="parent",
        )
        people_services.record_consent(
            actor=None, person=cls.ruth, kind=ConsentKind.CONTACT, source="verbal"
        )
        cls.ruth_course = make_course(cls.ruth, cls.relative_peer)


class RelativePlanTests(RelativeCourseTestCase):
    def plan_url(self) -> str:
        return reverse("referrals:relative_plan", args=[self.ruth_course.pk])

    def plan_data(self, **overrides: str) -> dict[str, str]:
        data = {
            "support": "Samtaler om at passe på sig selv",
            "by_whom": "Pårørende-peer",
            "next_step": "Telefonsamtale torsdag",
        }
        data.update(overrides)
        return data

    def test_relative_peer_saves_a_versioned_audited_plan_shown_on_the_course(self):
        self.login(self.relative_peer.user)
        response = self.client.post(self.plan_url(), self.plan_data())
        self.assertRedirects(
            response, reverse("referrals:course_detail", args=[self.ruth_course.pk])
        )
        page = self.client.get(reverse("referrals:course_detail", args=[self.ruth_course.pk]))
        self.assertContains(page, "Telefonsamtale torsdag")
        self.login(self.coordinator)
        self.client.post(self.plan_url(), self.plan_data(next_step="Pårørendegruppe i maj"))
        plans = list(RelativePlan.objects.filter(course=self.ruth_course).order_by("version"))
        self.assertEqual([p.version for p in plans], [1, 2])
        self.assertEqual(plans[0].next_step, "Telefonsamtale torsdag")
        self.assertEqual(plans[1].written_by, self.coordinator)
        events = AuditEvent.objects.filter(verb="relative_plan.saved").order_by("pk")
        self.assertEqual([e.data["version"] for e in events], [1, 2])
        self.assertEqual({e.person_id for e in events}, {self.ruth.pk})
        history = self.client.get(self.plan_url())
        self.assertContains(history, "Telefonsamtale torsdag")
        self.assertContains(history, "Pårørendegruppe i maj")

    def test_saving_the_same_plan_again_makes_no_new_version(self):
        self.login(self.relative_peer.user)
        self.client.post(self.plan_url(), self.plan_data())
        self.client.post(self.plan_url(), self.plan_data())
        self.assertEqual(RelativePlan.objects.filter(course=self.ruth_course).count(), 1)

    def test_an_empty_plan_gets_a_danish_message_and_keeps_the_input(self):
        self.login(self.relative_peer.user)
        response = self.client.post(self.plan_url(), self.plan_data(next_step=""))
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "Dette felt er påkrævet", status_code=422)
        self.assertContains(response, "Samtaler om at passe på sig selv", status_code=422)
        self.assertFalse(RelativePlan.objects.exists())

    def test_relative_peer_outside_scope_gets_404(self):
        outsider = make_peer("relpeer3", kind=PeerKind.RELATIVE_PEER, units=(self.unit,))
        self.login(outsider.user)
        self.assertEqual(self.client.get(self.plan_url()).status_code, 404)
        self.assertEqual(self.client.post(self.plan_url(), self.plan_data()).status_code, 404)
        page = reverse("referrals:course_detail", args=[self.ruth_course.pk])
        self.assertEqual(self.client.get(page).status_code, 404)
        self.assertFalse(RelativePlan.objects.exists())

    def test_other_units_coordinator_gets_404_and_a_patient_peer_is_refused(self):
        self.login(self.other_coordinator)
        self.assertEqual(self.client.post(self.plan_url(), self.plan_data()).status_code, 404)
        self.login(self.peer.user)
        self.assertEqual(self.client.post(self.plan_url(), self.plan_data()).status_code, 403)
        self.assertFalse(RelativePlan.objects.exists())

    def test_a_patients_course_has_no_relative_plan(self):
        self.login(self.coordinator)
        url = reverse("referrals:relative_plan", args=[self.alice_course.pk])
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_a_clinician_may_not_open_the_plan(self):
        self.login(self.clinician)
        self.assertIn(self.client.get(self.plan_url()).status_code, (403, 404))
        self.assertEqual(self.clinician.role, Role.CLINICIAN)


class SharedItemsTests(RelativeCourseTestCase):
    def setUp(self) -> None:
        scheduling_services.book(
            actor=self.coordinator,
            course=self.alice_course,
            starts_at=local_datetime(TODAY + datetime.timedelta(days=3), datetime.time(10)),
            minutes=45,
            mode=Mode.PHONE,
        )

    def share(self, items: list[str], *, scope: str = "Udskrivelsen") -> None:
        self.login(self.coordinator)
        response = self.client.post(
            reverse("referrals:consent_create", args=[self.alice.pk]),
            {
                "kind": "share_relatives",
                "source": "verbal",
                "recipient": self.ruth.pk,
                "scope": scope,
                "shared_items": items,
            },
        )
        self.assertEqual(response.status_code, 302)

    def wall(self) -> str:
        self.login(self.relative_peer.user)
        response = self.client.get(reverse("referrals:course_detail", args=[self.ruth_course.pk]))
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_only_the_consented_items_are_shown(self):
        from brobygger.lifecycle.services import update_course

        update_course(actor=self.coordinator, course=self.alice_course, phase="admitted")
        self.share(["phase"])
        page = self.wall()
        self.assertIn("Alice Andersen", page)
        self.assertIn("Indlagt", page)
        self.assertNotIn("Kommende aftaler", page)
        self.assertNotIn("<dt>Udskrivningsguide</dt>", page)

    def test_appointments_and_the_guide_follow_the_consent(self):
        self.share(["appointments", "guide"])
        page = self.wall()
        self.assertIn("Kommende aftaler", page)
        self.assertIn("<dt>Udskrivningsguide</dt><dd>Talt om 0 af", page)
        self.assertNotIn("<dt>Fase</dt>", page)

    def test_a_consent_that_shares_nothing_names_the_patient_only(self):
        self.share([])
        page = self.wall()
        self.assertIn("Alice Andersen", page)
        self.assertNotIn("Kommende aftaler", page)

    def test_withdrawing_the_consent_hides_everything_at_once(self):
        self.share(["phase", "appointments", "guide"])
        self.assertIn("Kommende aftaler", self.wall())
        consent = Consent.objects.current().get(kind=ConsentKind.SHARE_WITH_RELATIVES)
        self.login(self.coordinator)
        self.client.post(reverse("referrals:consent_withdraw", args=[consent.pk]), {"note": ""})
        self.assertIsNotNone(Consent.objects.get(pk=consent.pk).withdrawn_at)
        page = self.wall()
        self.assertNotIn("Alice", page)
        self.assertNotIn("Kommende aftaler", page)

    def test_changing_what_is_shared_needs_a_withdrawal_first(self):
        self.share(["phase"])
        response = self.client.post(
            reverse("referrals:consent_create", args=[self.alice.pk]),
            {
                "kind": "share_relatives",
                "source": "verbal",
                "recipient": self.ruth.pk,
                "scope": "Udskrivelsen",
                "shared_items": ["phase", "appointments"],
            },
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "Træk det tilbage først", status_code=422)
        consent = Consent.objects.current().get(kind=ConsentKind.SHARE_WITH_RELATIVES)
        self.assertEqual(consent.shared_items, ["phase"])

    def test_the_shared_items_are_recorded_in_the_audit_event(self):
        self.share(["guide", "phase"])
        event = AuditEvent.objects.filter(verb="consent.given").order_by("-pk").first()
        assert event is not None
        self.assertEqual(event.data["shared_items"], ["guide", "phase"])

    def test_an_unknown_item_is_refused_in_danish(self):
        self.login(self.coordinator)
        response = self.client.post(
            reverse("referrals:consent_create", args=[self.alice.pk]),
            {
                "kind": "share_relatives",
                "source": "verbal",
                "recipient": self.ruth.pk,
                "shared_items": ["record"],
            },
        )
        self.assertEqual(response.status_code, 422)
        self.assertFalse(Consent.objects.filter(kind=ConsentKind.SHARE_WITH_RELATIVES).exists())

    def test_the_patient_peer_outside_the_relatives_course_gets_404(self):
        self.share(["phase"])
        other = make_user("coordx", Role.COORDINATOR, units=(self.other_unit,))
        self.login(other)
        url = reverse("referrals:course_detail", args=[self.ruth_course.pk])
        self.assertEqual(self.client.get(url).status_code, 404)
        self.login(self.other_peer.user)
        self.assertEqual(self.client.get(url).status_code, 404)
