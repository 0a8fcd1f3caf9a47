"""Issue 19: no status form preselects a destructive choice; ending a referral asks for a
reason and a confirmation, and a refused form keeps what was typed."""

from django.urls import reverse

from brobygger.referrals import services
from brobygger.referrals.models import Referral, ReferralSource, ReferralStatus
from brobygger.testing import BaseTestCase


class StatusFormTests(BaseTestCase):
    def setUp(self):
        self.referral = services.create_referral(
            actor=self.clinician,
            source=ReferralSource.CLINICIAN,
            unit=self.unit,
            consent_source="verbal",
            person_fields={"kind": "patient", "given_name": "Bo", "family_name": "Lind"},
        )
        self.url = reverse("referrals:referral_transition", args=[self.referral.pk])
        self.login(self.coordinator)

    def status(self) -> str:
        return Referral.objects.get(pk=self.referral.pk).status

    def test_the_select_starts_on_choose_not_on_a_rejection(self):
        page = self.client.get(reverse("referrals:referral_detail", args=[self.referral.pk]))
        html = page.content.decode()
        select = html[html.index('<select name="to"') :]
        select = select[: select.index("</select>")]
        self.assertIn('<option value="">Vælg en status…</option>', select)
        self.assertLess(select.index('value=""'), select.index('value="declined"'))
        self.assertNotIn("selected", select)
        self.assertIn(" required", select[: select.index(">")])

    def test_no_choice_is_refused_with_a_message(self):
        response = self.client.post(self.url, {"to": "", "seen": "new"})
        self.assertContains(response, "Vælg den nye status.", status_code=422)
        self.assertEqual(self.status(), ReferralStatus.NEW)

    def test_declining_without_confirmation_changes_nothing_and_keeps_the_reason(self):
        response = self.client.post(
            self.url, {"to": "declined", "reason": "Ønsker ikke kontakt", "seen": "new"}
        )
        self.assertContains(response, "Sæt flueben for at bekræfte", status_code=422)
        self.assertContains(response, "Ønsker ikke kontakt", status_code=422)
        self.assertContains(response, '<option value="declined" selected>', status_code=422)
        self.assertEqual(self.status(), ReferralStatus.NEW)

    def test_declining_without_a_reason_is_refused(self):
        response = self.client.post(self.url, {"to": "declined", "confirm": "on", "seen": "new"})
        self.assertContains(response, "Skriv en kort begrundelse.", status_code=422)
        self.assertEqual(self.status(), ReferralStatus.NEW)

    def test_declining_with_reason_and_confirmation_works(self):
        response = self.client.post(
            self.url,
            {"to": "declined", "reason": "Ønsker ikke kontakt", "confirm": "on", "seen": "new"},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.status(), ReferralStatus.DECLINED)

    def test_a_step_forward_needs_no_confirmation(self):
        response = self.client.post(self.url, {"to": "triaged", "seen": "new"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.status(), ReferralStatus.TRIAGED)
