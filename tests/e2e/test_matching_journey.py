"""The coordinator opens a triaged referral, sees suggested peers with the reasons in
words, assigns the best one, and the peer sees the new course on the phone."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.accounts.models import Role
from brobygger.people.models import ExperienceTag
from brobygger.referrals import services as referral_services
from brobygger.referrals.models import ReferralSource
from brobygger.testing import make_peer, make_unit, make_user

from .conftest import assert_accessible, screenshot
from .test_foundation_journey import sign_in


def test_coordinator_assigns_a_suggested_peer(browser, live_server, transactional_db):
    unit = make_unit("Psykiatrisk afsnit R1, Roskilde")
    coordinator = make_user("koordinator", Role.COORDINATOR, units=(unit,))
    clinician = make_user("sygeplejerske", Role.CLINICIAN, units=(unit,))
    device = TOTPDevice.objects.create(user=coordinator, name="app", confirmed=True)
    psychosis = ExperienceTag.objects.create(slug="psykose", name_da="Psykose", name_en="Psychosis")
    sanne = make_peer("sanne", units=(unit,))
    sanne.experience_tags.add(psychosis)
    make_peer("kurt", units=(unit,))
    referral = referral_services.create_referral(
        actor=clinician,
        source=ReferralSource.CLINICIAN,
        unit=unit,
        consent_source="verbal",
        wanted_tags=[psychosis],
        reason="Vil gerne tale med en, der har haft en psykose",
        person_fields={
            "kind": "patient",
            "given_name": "Jonas",
            "family_name": "Friis",
            "phone": "30405060",
        },
    )
    referral_services.transition(actor=coordinator, referral=referral, to="triaged")
    base = live_server.url

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    page = desk.new_page()
    sign_in(page, base, "koordinator", device)
    page.goto(f"{base}/henvisninger/{referral.pk}/")
    suggestions = page.get_by_role("region", name="Foreslåede peers")
    suggestions.wait_for()
    first = suggestions.locator("li.card").first
    assert "Sanne Peer" in first.inner_text()
    assert "deler: Psykose" in first.inner_text()
    assert_accessible(page, "referral with suggestions")
    screenshot(page, "referral-suggestions")
    first.get_by_role("button", name="Tildel Sanne Peer og start forløbet").click()
    page.get_by_text("Sanne Peer har nu forløbet.").wait_for()
    desk.close()

    phone = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="da-DK", is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    sign_in(page, base, "sanne")
    page.get_by_role("link", name="Jonas Friis").click()
    page.get_by_role("heading", name="Jonas Friis").wait_for()
    screenshot(page, "peer-course-after-matching-phone")
    phone.close()
