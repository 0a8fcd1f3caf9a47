from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.accounts.models import User
from brobygger.audit.models import AuditEvent
from brobygger.onboarding.invitation_views import SESSION_KEY
from brobygger.onboarding.models import Invitation
from brobygger.testing import BaseTestCase

from .helpers import make_application, make_hire, make_posting

GOOD_PASSWORD = "lang-og-god-adgangskode-42"


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def expire_all() -> None:
    now = timezone.now()
    Invitation.objects.update(
        created_at=now - datetime.timedelta(days=8), expires_at=now - datetime.timedelta(minutes=1)
    )


def pending_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user, confirmed=False)


class InvitationTestCase(BaseTestCase):
    def setUp(self) -> None:
        posting = make_posting(self.unit)
        self.application = make_application(posting)
        self.hire, self.token = make_hire(self.coordinator, self.application)
        self.user = self.hire.peer.user
        self.url = reverse("onboarding:invitation", args=[self.token])
        self.two_factor_url = reverse("onboarding:invitation_two_factor")

    def choose_password(self, client: Client | None = None, password: str = GOOD_PASSWORD) -> Any:
        client = client or self.client
        return client.post(self.url, {"new_password1": password, "new_password2": password})

    def accept(self, client: Client | None = None) -> Any:
        client = client or self.client
        self.choose_password(client)
        return client.post(self.two_factor_url, {"token": code_for(pending_device(self.user))})


class AcceptInvitationTests(InvitationTestCase):
    def test_new_peer_sets_a_password_then_two_factor_and_lands_on_the_checklist(self) -> None:
        page = self.client.get(self.url)
        self.assertContains(page, "hanneh")
        self.assertContains(page, "Trin 1 af 2")
        self.assertEqual(
            page["Cache-Control"].count("no-cache") + page["Cache-Control"].count("no-store"), 2
        )

        response = self.choose_password()
        self.assertRedirects(response, self.two_factor_url, fetch_redirect_response=False)
        # Not yet: no password on the account, nobody signed in.
        self.user.refresh_from_db()
        self.assertFalse(self.user.has_usable_password())
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertEqual(Invitation.objects.get().state(), "pending")

        step_two = self.client.get(self.two_factor_url)
        self.assertContains(step_two, 'class="qr"')
        self.assertContains(step_two, "Trin 2 af 2")
        device = pending_device(self.user)
        response = self.client.post(self.two_factor_url, {"token": code_for(device)})
        codes_url = reverse("accounts:recovery_codes")
        self.assertRedirects(response, codes_url, fetch_redirect_response=False)
        # The recovery codes are shown once, right after the authenticator.
        codes_page = self.client.get(codes_url)
        self.assertContains(codes_page, "Gem koderne et sikkert sted")
        codes = codes_page.context["codes"]
        self.assertEqual(len(codes), settings.RECOVERY_CODE_COUNT)
        self.assertEqual(
            set(StaticToken.objects.filter(device__user=self.user).values_list("token", flat=True)),
            set(codes),
        )
        self.assertNotContains(self.client.get(codes_url), codes[0])
        self.user.refresh_from_db()
        self.assertTrue(self.user.check_password(GOOD_PASSWORD))
        device.refresh_from_db()
        self.assertTrue(device.confirmed)
        self.assertEqual(self.client.session["_auth_user_id"], str(self.user.pk))
        self.assertEqual(self.client.session[DEVICE_ID_SESSION_KEY], device.persistent_id)
        self.assertNotIn(SESSION_KEY, self.client.session)
        invitation = Invitation.objects.get()
        self.assertEqual(invitation.state(), "used")
        verbs = set(AuditEvent.objects.values_list("verb", flat=True))
        self.assertIn("onboarding.invitation_used", verbs)
        self.assertIn("user.two_factor_enabled", verbs)
        self.assertIn("user.recovery_codes_made", verbs)

        home = self.client.get(reverse("desk:home"))
        self.assertContains(home, 'id="onboarding"')
        self.assertContains(home, "Kom godt i gang")
        self.assertContains(home, "Undervisning i IT-sikkerhed og databeskyttelse")

    def test_wrong_code_keeps_the_step_and_sets_no_password(self) -> None:
        self.choose_password()
        wrong = self.client.post(self.two_factor_url, {"token": "000000"})
        self.assertEqual(wrong.status_code, 422)
        self.assertContains(wrong, "error-summary", status_code=422)
        for bad in ("abc", ""):
            self.assertEqual(self.client.post(self.two_factor_url, {"token": bad}).status_code, 422)
        self.user.refresh_from_db()
        self.assertFalse(self.user.has_usable_password())
        self.assertEqual(Invitation.objects.get().state(), "pending")

    def test_link_is_single_use_and_a_used_link_shows_nothing_of_the_person(self) -> None:
        self.accept()
        self.client.logout()
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 410)
        self.assertContains(response, "allerede brugt", status_code=410)
        for secret in ("hanneh", "Hanne", "Holm"):
            self.assertNotContains(response, secret, status_code=410)
        post = self.choose_password()
        self.assertEqual(post.status_code, 410)

    def test_expired_link_says_so(self) -> None:
        expire_all()
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 410)
        self.assertContains(response, "udløbet", status_code=410)
        self.assertNotContains(response, "hanneh", status_code=410)
        self.assertEqual(self.choose_password().status_code, 410)

    def test_link_expiring_between_the_steps_does_not_complete(self) -> None:
        self.choose_password()
        expire_all()
        response = self.client.post(
            self.two_factor_url, {"token": code_for(pending_device(self.user))}
        )
        self.assertEqual(response.status_code, 410)
        self.user.refresh_from_db()
        self.assertFalse(self.user.has_usable_password())

    def test_unknown_or_odd_tokens_say_the_link_is_not_valid(self) -> None:
        for token in ("nonsense", "x" * 300, "%00"):
            with self.subTest(token=token):
                response = self.client.get(f"/invitation/{token}/")
                self.assertEqual(response.status_code, 410)
                self.assertContains(response, "ikke gyldigt", status_code=410)

    def test_two_factor_step_needs_the_first_step_in_this_browser(self) -> None:
        response = self.client.get(self.two_factor_url)
        self.assertEqual(response.status_code, 410)
        other = Client()
        self.choose_password(other)
        # Another browser has done step one; this one still has nothing to finish.
        self.assertEqual(
            self.client.post(self.two_factor_url, {"token": "123456"}).status_code, 410
        )

    def test_two_sittings_of_one_link_cannot_both_complete(self) -> None:
        first, second = Client(), Client()
        self.choose_password(first)
        self.choose_password(second)
        # The second sitting made a fresh key; the first sitting's key is gone.
        code = code_for(pending_device(self.user))
        self.assertEqual(second.post(self.two_factor_url, {"token": code}).status_code, 302)
        response = first.post(self.two_factor_url, {"token": code})
        self.assertEqual(response.status_code, 410)
        self.assertEqual(TOTPDevice.objects.filter(user=self.user, confirmed=True).count(), 1)

    def test_password_validation_errors_keep_the_page(self) -> None:
        cases = {
            "short": ("kort1", "kort1"),
            "common": ("password1234", "password1234"),
            "digits": ("123456789012345", "123456789012345"),
            "like the e-mail": ("hanne@example.org", "hanne@example.org"),
            "mismatch": (GOOD_PASSWORD, GOOD_PASSWORD + "x"),
        }
        for label, (one, two) in cases.items():
            with self.subTest(label):
                response = self.client.post(self.url, {"new_password1": one, "new_password2": two})
                self.assertEqual(response.status_code, 422)
                self.assertContains(response, "error-summary", status_code=422)
                self.assertContains(response, 'id="invitation-username"', status_code=422)
                self.assertNotIn(SESSION_KEY, self.client.session)
        self.assertEqual(Invitation.objects.get().state(), "pending")
        self.assertFalse(TOTPDevice.objects.filter(user=self.user).exists())

    def test_page_follows_the_new_peers_language(self) -> None:
        User.objects.filter(pk=self.user.pk).update(language="en")
        response = self.client.get(self.url)
        self.assertContains(response, "Step 1 of 2")


class ReissueTests(InvitationTestCase):
    def test_coordinator_reissues_and_the_old_link_stops_working(self) -> None:
        self.login(self.coordinator)
        peer_url = reverse("onboarding:peer", args=[self.hire.peer_id])
        response = self.client.post(reverse("onboarding:reissue", args=[self.hire.peer_id]))
        self.assertRedirects(response, peer_url, fetch_redirect_response=False)
        page = self.client.get(peer_url)
        link = page.context["link"]
        self.assertIn("/invitation/", link)
        self.assertNotIn(self.token, link)
        self.assertEqual(Invitation.objects.filter(revoked_at__isnull=False).count(), 1)
        self.assertTrue(AuditEvent.objects.filter(verb="onboarding.invitation_replaced").exists())

        self.client.logout()
        old = self.client.get(self.url)
        self.assertEqual(old.status_code, 410)
        self.assertContains(old, "erstattet", status_code=410)
        new = self.client.get(link.removeprefix("http://testserver"))
        self.assertContains(new, 'id="invitation-username"')

    def test_no_reissue_once_the_account_is_set_up(self) -> None:
        self.accept()
        self.client.logout()
        self.login(self.coordinator)
        peer_url = reverse("onboarding:peer", args=[self.hire.peer_id])
        self.assertNotContains(self.client.get(peer_url), 'id="reissue"')
        response = self.client.post(
            reverse("onboarding:reissue", args=[self.hire.peer_id]), follow=True
        )
        self.assertContains(response, "allerede sat op")
        self.assertEqual(Invitation.objects.count(), 1)

    def test_reissue_role_matrix(self) -> None:
        url = reverse("onboarding:reissue", args=[self.hire.peer_id])
        for user in (self.peer, self.clinician, self.evaluator, self.admin):
            with self.subTest(user=str(user)):
                self.login(user)
                self.assertEqual(self.client.post(url).status_code, 403)
        self.login(self.other_coordinator)
        self.assertEqual(self.client.post(url).status_code, 404)
        self.login(self.coordinator)
        self.assertEqual(self.client.get(url).status_code, 405)
        self.assertEqual(Invitation.objects.count(), 1)


@override_settings(REGION_LOGIN_URL="https://login.region.example/adfs/")
class RegionLoginTests(InvitationTestCase):
    def test_invitation_leads_to_the_regions_login_and_is_then_spent(self) -> None:
        page = self.client.get(self.url)
        self.assertContains(page, "regionens login")
        self.assertContains(page, "https://login.region.example/adfs/")
        self.assertNotContains(page, "new_password1")
        response = self.client.post(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response["Location"], "https://login.region.example/adfs/")
        self.assertEqual(Invitation.objects.get().state(), "used")
        self.user.refresh_from_db()
        self.assertFalse(self.user.has_usable_password())
        self.assertEqual(self.client.get(self.url).status_code, 410)

    def test_email_says_the_account_is_ready(self) -> None:
        from brobygger.onboarding.invitations import invitation_message

        _subject, text = invitation_message(Invitation.objects.get(), url="https://x.example/")
        self.assertIn("Din konto er klar", text)

    def test_coordinator_page_says_staff_use_the_regions_login(self) -> None:
        self.login(self.coordinator)
        page = self.client.get(reverse("onboarding:peer", args=[self.hire.peer_id]))
        self.assertContains(page, "regionens login")
