"""A self-referral arrives through the public form; the coordinator sees the unread count
in the header, opens the inbox (no name in it), follows the notification to the referral,
and the count is gone. The inbox also works on a phone."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.accounts.models import Role
from brobygger.referrals.models import Referral
from brobygger.testing import make_unit, make_user

from .conftest import assert_accessible, screenshot
from .test_foundation_journey import sign_in


def test_coordinator_follows_a_self_referral_notification(browser, live_server, transactional_db):
    unit = make_unit("Psykiatrisk afsnit R1, Roskilde")
    coordinator = make_user("koordinator", Role.COORDINATOR, units=(unit,))
    device = TOTPDevice.objects.create(user=coordinator, name="app", confirmed=True)
    base = live_server.url

    public = browser.new_context(viewport={"width": 360, "height": 740}, locale="da-DK")
    form = public.new_page()
    form.goto(f"{base}/faa-en-peer/")
    form.locator("input[name=given_name]").fill("Ida")
    form.locator("input[name=family_name]").fill("Holm")
    form.locator("input[name=phone]").fill("30405060")
    form.locator("input[name=kind][value=patient]").check()
    form.locator("input[name=consent_contact]").check()
    form.locator("input[name=consent_store]").check()
    form.locator("main form button[type=submit]").click()
    form.get_by_text("Tak").first.wait_for()
    public.close()
    referral = Referral.objects.get()

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    page = desk.new_page()
    sign_in(page, base, "koordinator", device)
    badge = page.locator(".inbox-link .count-badge")
    assert badge.inner_text().startswith("1")
    page.locator(".inbox-link").click()
    page.get_by_role("heading", name="Beskeder").wait_for()
    item = page.locator(".notification").first
    assert f"Ny selvhenvisning (H-{referral.pk})" in item.inner_text()
    assert "Ida" not in page.content() and "Holm" not in page.content()
    assert_accessible(page, "inbox")
    screenshot(page, "inbox")
    item.get_by_role("button", name="Åbn").click()
    page.wait_for_url(f"**/henvisninger/{referral.pk}/")
    assert page.locator(".inbox-link .count-badge").count() == 0
    desk.close()
