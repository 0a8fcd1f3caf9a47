"""Issue 20.3: a coordinator signs in through the region's identity provider, in the
browser, against a real OpenID Connect provider on loopback (oidc-provider-mock).

The administrator's group table gives the provider's group a role and a unit; the login
page offers the region's login; the browser goes to the provider, the person is chosen
there, and comes back signed in as a coordinator of that unit, past the code step (the
provider did its own). A person whose groups give no role is turned away with a message."""

from __future__ import annotations

from oidc_provider_mock import User as ProviderUser

from brobygger.accounts.models import Role, User
from brobygger.sso import discovery, services
from brobygger.sso.models import ExternalIdentity
from brobygger.sso.tests.provider import ANNE, region_provider
from brobygger.testing import make_unit, make_user

from .conftest import assert_accessible, screenshot


def test_a_coordinator_signs_in_with_the_regions_login(page, live_server, settings):
    unit = make_unit("Psykiatrisk afsnit R1, Roskilde")
    admin = make_user("admin", Role.ADMINISTRATOR)
    services.add_mapping(actor=admin, group="PSY-PEER-KOORD-R1", role=Role.COORDINATOR, unit=unit)
    stranger = ProviderUser(sub="stranger", claims={"groups": ["ALLE-ANSATTE"]})
    with region_provider(ANNE, stranger) as issuer:
        settings.OIDC_ISSUER = issuer
        settings.OIDC_RP_CLIENT_SECRET = "brobygger-e2e-secret"
        discovery.forget()
        try:
            base = live_server.url
            page.goto(f"{base}/log-ind/")
            assert_accessible(page, "login with the region's login")
            page.get_by_role("link", name="Log ind med regionens login").click()
            # At the provider: the person it knows as region-0042.
            page.get_by_role("button", name=ANNE.sub).click()
            page.get_by_role("heading", name="Sager og opgaver").or_(
                page.get_by_role("navigation", name="Hovedmenu")
            ).first.wait_for()
            assert "/log-ind/" not in page.url
            screenshot(page, "sso-coordinator-home")
            user = User.objects.get(external_identity__subject=ANNE.sub)
            assert user.role == Role.COORDINATOR
            assert list(user.units.all()) == [unit]
            page.get_by_role("navigation", name="Hovedmenu").wait_for()

            # Someone the provider knows, but whose groups give no role: turned away.
            page.context.clear_cookies()
            page.goto(f"{base}/log-ind/")
            page.get_by_role("link", name="Log ind med regionens login").click()
            page.get_by_role("textbox").fill("stranger")
            page.get_by_role("button", name="Authorize").click()
            page.get_by_text("Dine grupper i regionen giver ikke adgang til Brobygger.").wait_for()
            screenshot(page, "sso-refused")
            assert not ExternalIdentity.objects.filter(subject="stranger").exists()
        finally:
            discovery.forget()
