"""Issue 16: an administrator's one-time setup link is how an existing account gets its
first authenticator, or a new one after a lost phone. It reuses the invitation's
mechanism: hashed, single-use, expiring, audited."""

from __future__ import annotations

import datetime
import io
from typing import Any

from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.accounts import services as account_services
from brobygger.accounts.models import Role, User
from brobygger.audit.models import AuditEvent
from brobygger.lib.paging import PAGE_SIZE
from brobygger.onboarding import invitations
from brobygger.onboarding.models import Invitation, InvitationPurpose
from brobygger.testing import BaseTestCase, count_queries, make_user

OLD_PASSWORD = "test-password-123"
NEW_PASSWORD = "lang-og-god-adgangskode-42"


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def link_path(url: str) -> str:
    return url.removeprefix("http://testserver")


class SetupLinkTestCase(BaseTestCase):
    def setUp(self) -> None:
        User.objects.filter(pk=self.coordinator.pk).update(email="coordinator@example.org")
        self.coordinator.refresh_from_db()
        self.page_url = reverse("onboarding:setup_links")
        self.issue_url = reverse("onboarding:issue_setup_link", args=[self.coordinator.pk])

    def issue_as_admin(self) -> str:
        self.login(self.admin)
        response = self.client.post(self.issue_url)
        self.assertRedirects(response, self.page_url, fetch_redirect_response=False)
        page = self.client.get(self.page_url)
        link = page.context["new_link"]["url"]
        self.client.logout()
        return str(link)

    def use_link(self, client: Client, path: str) -> Any:
        response = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        self.assertRedirects(
            response, reverse("onboarding:invitation_two_factor"), fetch_redirect_response=False
        )
        device = TOTPDevice.objects.get(user=self.coordinator, confirmed=False)
        return client.post(reverse("onboarding:invitation_two_factor"), {"token": code_for(device)})

    def sign_in(self, client: Client, password: str) -> Any:
        return client.post(
            reverse("accounts:login"), {"username": "coordinator", "password": password}
        )


class IssueSetupLinkTests(SetupLinkTestCase):
    def test_administrator_makes_a_link_shown_once_sent_by_email_and_audited(self) -> None:
        self.login(self.admin)
        page = self.client.get(self.page_url)
        row = f'id="account-{self.coordinator.pk}"'
        self.assertContains(page, row)
        self.assertContains(page, "Ikke sat op")
        self.assertContains(page, f'id="issue-{self.coordinator.pk}"')
        # Not for themselves: their own page replaces their app with the password again.
        self.assertNotContains(page, f'id="issue-{self.admin.pk}"')

        response = self.client.post(self.issue_url)
        self.assertRedirects(response, self.page_url, fetch_redirect_response=False)
        page = self.client.get(self.page_url)
        self.assertContains(page, 'id="setup-link"')
        self.assertContains(page, "Opsætningslinket er sendt på e-mail til coordinator@example.org")
        link = page.context["new_link"]["url"]
        self.assertIn("/invitation/", link)
        self.assertNotContains(self.client.get(self.page_url), link)

        invitation = Invitation.objects.get()
        self.assertEqual(invitation.purpose, InvitationPurpose.SETUP)
        self.assertIsNone(invitation.hire_id)
        self.assertEqual(invitation.user_id, self.coordinator.pk)
        self.assertEqual(invitation.created_by_id, self.admin.pk)
        token = link.rstrip("/").rsplit("/", 1)[-1]
        self.assertEqual(invitation.token_hash, invitations.hash_token(token))
        self.assertNotIn(token, invitation.token_hash)
        self.assertEqual(
            invitation.expires_at - invitation.created_at,
            datetime.timedelta(hours=settings.TWO_FACTOR_SETUP_LINK_HOURS),
        )
        event = AuditEvent.objects.get(verb="onboarding.setup_link_issued")
        self.assertEqual(event.actor_id, self.admin.pk)
        self.assertEqual(event.data["user"], self.coordinator.pk)
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["coordinator@example.org"])
        self.assertIn(link, mail.outbox[0].body)
        self.assertIn("en administrator", mail.outbox[0].body.lower())

    def test_only_administrators_make_setup_links(self) -> None:
        for user in (self.coordinator, self.peer, self.clinician, self.evaluator):
            with self.subTest(user=str(user)):
                self.login(user)
                self.assertEqual(self.client.get(self.page_url).status_code, 403)
                self.assertEqual(self.client.post(self.issue_url).status_code, 403)
        self.login(self.admin)
        self.assertEqual(self.client.get(self.issue_url).status_code, 405)
        missing = reverse("onboarding:issue_setup_link", args=[999999])
        self.assertEqual(self.client.post(missing).status_code, 404)
        own = reverse("onboarding:issue_setup_link", args=[self.admin.pk])
        refused = self.client.post(own, follow=True)
        self.assertContains(refused, "Du kan ikke lave et opsætningslink til dig selv")
        User.objects.filter(pk=self.clinician.pk).update(is_active=False)
        inactive = reverse("onboarding:issue_setup_link", args=[self.clinician.pk])
        self.assertEqual(self.client.post(inactive).status_code, 404)
        self.assertFalse(Invitation.objects.exists())

    def test_page_query_count_does_not_grow_with_accounts(self) -> None:
        self.login(self.admin)
        params = {"role": "clinician"}
        make_user("extra_first", Role.CLINICIAN)
        with count_queries() as few:
            self.client.get(self.page_url, params)
        for n in range(PAGE_SIZE + 5):  # more than a page
            make_user(f"extra{n:02d}", Role.CLINICIAN)
        invitations.create_setup_link(actor=self.admin, user=self.clinician)
        with count_queries() as many:
            page = self.client.get(self.page_url, params)
        self.assertContains(page, "extra04")
        self.assertEqual(len(many.captured_queries), len(few.captured_queries))
        self.assertEqual(len(page.context["accounts"]), PAGE_SIZE)
        self.assertEqual({a.role for a in page.context["accounts"]}, {"clinician"})
        self.assertContains(page, 'href="?role=clinician&amp;page=2"')

    def test_the_search_finds_an_account_by_name_among_many(self) -> None:
        for n in range(PAGE_SIZE + 2):
            make_user(f"many{n:02d}", Role.PEER_WORKER)
        self.login(self.admin)
        page = self.client.get(self.page_url, {"q": "coordinator"})
        self.assertIn(self.coordinator, list(page.context["accounts"]))
        self.assertNotContains(page, "many00")
        self.assertEqual(
            self.client.get(self.page_url, {"role": "x", "page": "-"}).status_code, 200
        )

    def test_without_email_the_administrator_is_told_to_hand_over_the_link(self) -> None:
        User.objects.filter(pk=self.coordinator.pk).update(email="")
        self.login(self.admin)
        page = self.client.post(self.issue_url, follow=True)
        self.assertContains(page, "Giv selv linket herunder til personen")
        self.assertContains(page, 'id="setup-link"')
        self.assertEqual(len(mail.outbox), 0)


class UseSetupLinkTests(SetupLinkTestCase):
    def test_account_without_authenticator_gets_its_first_one_through_the_link(self) -> None:
        anonymous = Client()
        refused = self.sign_in(anonymous, OLD_PASSWORD)
        self.assertContains(refused, "opsætningslink")
        self.assertNotIn("_auth_user_id", anonymous.session)

        path = link_path(self.issue_as_admin())
        page = anonymous.get(path)
        self.assertContains(page, "Sæt dit login op igen")
        self.assertContains(page, "Trin 1 af 2")
        response = self.use_link(anonymous, path)
        codes_url = reverse("accounts:recovery_codes")
        self.assertRedirects(response, codes_url, fetch_redirect_response=False)
        codes = anonymous.get(codes_url).context["codes"]
        self.assertEqual(len(codes), settings.RECOVERY_CODE_COUNT)
        device = TOTPDevice.objects.get(user=self.coordinator, confirmed=True)
        self.assertEqual(anonymous.session[DEVICE_ID_SESSION_KEY], device.persistent_id)
        self.assertEqual(anonymous.get(reverse("people:person_list")).status_code, 200)
        self.assertEqual(Invitation.objects.get().state(), "used")
        used = AuditEvent.objects.get(verb="onboarding.invitation_used")
        self.assertEqual(used.data["purpose"], "setup")
        self.assertFalse(used.data["replaced"])

        # From now on: the new password and a code.
        later = Client()
        self.assertEqual(self.sign_in(later, OLD_PASSWORD).status_code, 200)
        self.assertRedirects(
            self.sign_in(later, NEW_PASSWORD),
            reverse("desk:home"),
            fetch_redirect_response=False,
        )
        self.assertRedirects(
            later.get(reverse("desk:home")),
            reverse("accounts:verify"),
            fetch_redirect_response=False,
        )
        # The spent link says so, as a setup link.
        spent = Client().get(path)
        self.assertContains(spent, "Opsætningslinket er allerede brugt", status_code=410)
        self.assertNotContains(spent, "coordinator", status_code=410)

    def test_after_a_lost_phone_the_link_ends_the_old_app_codes_and_password(self) -> None:
        old_device = TOTPDevice.objects.create(user=self.coordinator, name="old", confirmed=True)
        old_codes = account_services.make_recovery_codes(actor=None, user=self.coordinator)
        thief = Client()
        self.sign_in(thief, OLD_PASSWORD)
        thief.post(reverse("accounts:verify"), {"token": code_for(old_device)})
        self.assertEqual(thief.get(reverse("desk:home")).status_code, 200)

        path = link_path(self.issue_as_admin())
        mail.outbox.clear()
        owner = Client()
        self.use_link(owner, path)
        self.assertFalse(TOTPDevice.objects.filter(pk=old_device.pk).exists())
        self.assertFalse(StaticToken.objects.filter(token__in=old_codes).exists())
        self.assertEqual(StaticToken.objects.count(), settings.RECOVERY_CODE_COUNT)
        used = AuditEvent.objects.get(verb="onboarding.invitation_used")
        self.assertTrue(used.data["replaced"])
        # The new password ends every other session of the account.
        self.assertNotEqual(thief.get(reverse("desk:home")).status_code, 200)
        # The account holder is told by e-mail.
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn("opsætningslink", mail.outbox[0].body)
        self.assertContains(
            owner.get(reverse("accounts:recovery_codes")), "Dit login er sat op igen"
        )

    def test_a_new_link_ends_the_earlier_one(self) -> None:
        first = link_path(self.issue_as_admin())
        second = link_path(self.issue_as_admin())
        response = Client().get(first)
        self.assertContains(response, "Opsætningslinket er erstattet", status_code=410)
        self.assertContains(Client().get(second), 'id="invitation-username"')
        issued = AuditEvent.objects.filter(verb="onboarding.setup_link_issued").order_by("pk")
        self.assertEqual([e.data["replaced"] for e in issued], [0, 1])

    def test_the_link_expires(self) -> None:
        path = link_path(self.issue_as_admin())
        # As if made a day and a minute ago.
        now = timezone.now()
        Invitation.objects.update(
            created_at=now - datetime.timedelta(hours=settings.TWO_FACTOR_SETUP_LINK_HOURS + 1),
            expires_at=now - datetime.timedelta(minutes=1),
        )
        response = Client().get(path)
        self.assertContains(response, "Opsætningslinket er udløbet", status_code=410)

    @override_settings(REGION_LOGIN_URL="https://login.region.example/adfs/")
    def test_with_the_regions_login_a_setup_link_still_sets_up_the_local_login(self) -> None:
        path = link_path(self.issue_as_admin())
        page = Client().get(path)
        self.assertContains(page, "new_password1")
        self.assertNotContains(page, "login.region.example")
        self.assertEqual(self.use_link(Client(), path).status_code, 302)

    def test_first_administrator_gets_a_link_from_the_command_line(self) -> None:
        out = io.StringIO()
        call_command(
            "two_factor_setup_link", "admin", "--base-url", "https://bb.example/", stdout=out
        )
        url = out.getvalue().splitlines()[0]
        self.assertTrue(url.startswith("https://bb.example/invitation/"))
        invitation = Invitation.objects.get()
        self.assertEqual(invitation.user_id, self.admin.pk)
        self.assertIsNone(invitation.created_by_id)
        self.assertTrue(AuditEvent.objects.filter(verb="onboarding.setup_link_issued").exists())
        page = Client().get(url.removeprefix("https://bb.example"))
        self.assertContains(page, 'id="invitation-username"')
