"""Staff single sign-on (issue 20.3) against a real OIDC provider on loopback: the
authorisation code flow with PKCE, roles and units from the group table, the code step
left to the provider, local accounts kept, and a provider that is down."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice
from oidc_provider_mock import User as ProviderUser

from brobygger.accounts.access import SSO_SESSION_KEY
from brobygger.accounts.models import Role, User
from brobygger.accounts.services import PRIVILEGES_CHANGED
from brobygger.audit.models import AuditEvent
from brobygger.sso import discovery, services
from brobygger.sso.models import ExternalIdentity, GroupMapping
from brobygger.sso.tests.provider import ANNE, region_provider
from brobygger.testing import BaseTestCase


class SsoTests(BaseTestCase):
    provider_url: str
    _provider: AbstractContextManager[str]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls._provider = region_provider(
            ANNE,
            ProviderUser(sub="stranger", claims={"groups": ["ALLE-ANSATTE"]}),
            ProviderUser(sub="double", claims={"groups": ["PSY-PEER-KOORD-R1", "PSY-HENVISER"]}),
        )
        cls.provider_url = cls._provider.__enter__()

    @classmethod
    def tearDownClass(cls) -> None:
        cls._provider.__exit__(None, None, None)
        super().tearDownClass()

    def setUp(self) -> None:
        discovery.forget()
        self.settings_ctx = override_settings(
            OIDC_ISSUER=self.provider_url, OIDC_RP_CLIENT_SECRET="brobygger-test-secret"
        )
        self.settings_ctx.enable()
        self.addCleanup(self.settings_ctx.disable)
        self.addCleanup(discovery.forget)
        services.add_mapping(
            actor=self.admin, group="PSY-PEER-KOORD-R1", role=Role.COORDINATOR, unit=self.unit
        )
        services.add_mapping(
            actor=self.admin, group="PSY-HENVISER", role=Role.CLINICIAN, unit=self.unit
        )

    def sign_in(self, sub: str) -> Any:
        """The whole code flow: to the provider, the person chosen there, back with a code."""
        start = self.client.get("/sso/login/")
        self.assertEqual(start.status_code, 302)
        authorize = start["Location"]
        query = parse_qs(urlsplit(authorize).query)
        self.assertEqual(query["code_challenge_method"], ["S256"])  # PKCE
        self.assertTrue(query["code_challenge"][0])
        self.assertEqual(query["response_type"], ["code"])
        chosen = requests.post(authorize, data={"sub": sub}, allow_redirects=False, timeout=10)
        self.assertEqual(chosen.status_code, 302, chosen.text[:300])
        back = urlsplit(chosen.headers["Location"])
        self.assertEqual(back.path, "/sso/callback/")
        return self.client.get(f"{back.path}?{back.query}")

    def test_a_coordinator_signs_in_through_the_provider_with_role_and_unit_from_groups(self):
        response = self.sign_in(ANNE.sub)
        self.assertEqual(response.status_code, 302)
        identity = ExternalIdentity.objects.select_related("user").get(subject=ANNE.sub)
        user = identity.user
        self.assertEqual(identity.issuer, self.provider_url)
        self.assertEqual((user.username, user.role), ("anne.holm", Role.COORDINATOR))
        self.assertEqual(list(user.units.all()), [self.unit])
        self.assertFalse(user.has_usable_password())
        self.assertEqual(self.client.session[SSO_SESSION_KEY], self.provider_url)
        # The code step is the provider's: straight to the coordinator's home, no code page.
        home = self.client.get("/", follow=True)
        self.assertEqual(home.status_code, 200)
        self.assertNotIn("/log-ind/kode", home.redirect_chain[-1][0] if home.redirect_chain else "")
        self.assertEqual(home.wsgi_request.user, user)
        self.assertTrue(
            AuditEvent.objects.filter(verb="user.sso_linked", object_id=str(user.pk)).exists()
        )

    def test_the_next_sign_in_takes_the_groups_again_and_audits_a_change(self):
        self.sign_in(ANNE.sub)
        self.client.logout()
        GroupMapping.objects.filter(group="PSY-PEER-KOORD-R1").update(unit=self.other_unit)
        self.sign_in(ANNE.sub)
        user = User.objects.get(external_identity__subject=ANNE.sub)
        self.assertEqual(list(user.units.all()), [self.other_unit])
        self.assertEqual(User.objects.filter(external_identity__isnull=False).count(), 1)
        change = AuditEvent.objects.filter(verb=PRIVILEGES_CHANGED, object_id=str(user.pk)).get()
        self.assertEqual(change.data["source"], "sso")

    def test_groups_giving_no_role_or_two_roles_let_nobody_in(self):
        for sub in ("stranger", "double"):
            with self.subTest(sub=sub):
                response = self.sign_in(sub)
                self.assertEqual(response.status_code, 302)
                self.assertEqual(response["Location"], "/log-ind/")
                self.assertNotIn("_auth_user_id", self.client.session)
                page = self.client.get("/log-ind/")
                self.assertContains(page, "Brobygger" if sub == "stranger" else "rolle")
        self.assertFalse(ExternalIdentity.objects.exists())

    def test_a_local_account_of_the_same_name_is_not_taken_over(self):
        local = User.objects.create(username="anne.holm", role=Role.ADMINISTRATOR)
        self.sign_in(ANNE.sub)
        user = User.objects.get(external_identity__subject=ANNE.sub)
        self.assertNotEqual(user.pk, local.pk)
        self.assertEqual(user.username, f"sso-{ANNE.sub}")
        local.refresh_from_db()
        self.assertEqual(local.role, Role.ADMINISTRATOR)

    def test_the_login_page_offers_the_provider_and_keeps_local_accounts(self):
        page = self.client.get("/log-ind/")
        self.assertContains(page, 'href="/sso/login/')
        self.assertContains(page, 'name="password"')

    def test_with_the_provider_down_local_sign_in_works_and_sso_says_so(self):
        TOTPDevice.objects.create(user=self.coordinator, name="app", confirmed=True)
        with override_settings(OIDC_ISSUER="http://127.0.0.1:9"):
            discovery.forget()
            response = self.client.post(
                "/log-ind/", {"username": "coordinator", "password": "test-password-123"}
            )
            self.assertEqual(response.status_code, 302)  # on to the code step
            self.client.logout()
            down = self.client.get("/sso/login/", follow=True)
            self.assertContains(down, "svarer ikke")

    def test_the_administrator_keeps_the_group_table_audited(self):
        self.login(self.admin)
        page = self.client.get("/sso/grupper/")
        self.assertContains(page, "PSY-PEER-KOORD-R1")
        response = self.client.post(
            "/sso/grupper/", {"group": "PSY-EVAL", "role": Role.EVALUATOR, "unit": ""}
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(AuditEvent.objects.filter(verb="sso.mapping_added").exists())
        refused = self.client.post(
            "/sso/grupper/", {"group": "PSY-ADM", "role": Role.ADMINISTRATOR, "unit": ""}
        )
        self.assertEqual(refused.status_code, 422)  # administrators stay local
        mapping = GroupMapping.objects.get(group="PSY-EVAL")
        self.client.post(f"/sso/grupper/{mapping.pk}/slet/")
        self.assertFalse(GroupMapping.objects.filter(group="PSY-EVAL").exists())
        self.login(self.coordinator)
        self.assertEqual(self.client.get("/sso/grupper/").status_code, 403)
