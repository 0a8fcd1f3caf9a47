"""Issue 16: two-factor that cannot be skipped, in the browser.

A coordinator without an authenticator cannot sign in with the password; an administrator
makes a one-time setup link; the coordinator sets up a new password, the app and gets
recovery codes on a phone. Then the attack: someone with the stolen password gets only the
code page, and the old road to a fresh key (konto/to-faktor/) leads there too. Finally the
phone is lost: a recovery code signs in once and a new app replaces the old one, with the
password again, audited and told by e-mail."""

from __future__ import annotations

import base64

from django.core import mail
from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.accounts.models import Role, User
from brobygger.audit.models import AuditEvent
from brobygger.testing import make_unit, make_user

from .conftest import assert_accessible, screenshot
from .test_foundation_journey import PASSWORD, code_for, sign_in

NEW_PASSWORD = "solsikke-havtorn-pendul-7"


def _password_login(page, base: str, password: str) -> None:
    page.goto(f"{base}/log-ind/")
    page.get_by_label("Brugernavn").fill("koordinator")
    page.get_by_label("Adgangskode").fill(password)
    page.get_by_role("button", name="Log ind").click()


def test_two_factor_cannot_be_skipped(page, phone_page, browser, live_server, transactional_db):
    unit = make_unit("Psykiatrisk afsnit R1, Roskilde")
    coordinator = make_user("koordinator", Role.COORDINATOR, units=(unit,))
    User.objects.filter(pk=coordinator.pk).update(email="koordinator@example.org")
    admin = make_user("admin", Role.ADMINISTRATOR)
    admin_device = TOTPDevice.objects.create(user=admin, name="app", confirmed=True)
    base = live_server.url
    thief_context = browser.new_context(locale="da-DK")
    owner_context = browser.new_context(locale="da-DK")
    try:
        thief = thief_context.new_page()
        owner = owner_context.new_page()

        # 1. No authenticator yet: the password alone does not sign the coordinator in.
        _password_login(thief, base, PASSWORD)
        thief.get_by_role("heading", name="To-faktor-login er ikke sat op").wait_for()
        assert_accessible(thief, "login: two-factor not set up")
        screenshot(thief, "two-factor-missing")
        thief.goto(f"{base}/konto/to-faktor/")
        thief.get_by_role("heading", name="Log ind").wait_for()
        assert not TOTPDevice.objects.filter(user=coordinator).exists()

        # 2. The administrator makes a one-time setup link.
        sign_in(page, base, "admin", admin_device)
        page.get_by_role("navigation", name="Hovedmenu").get_by_role(
            "link", name="Opsætningslinks til to-faktor-login"
        ).click()
        page.get_by_role("heading", name="Opsætningslinks til to-faktor-login").wait_for()
        assert "Ikke sat op" in page.locator(f"#account-{coordinator.pk}").inner_text()
        page.locator(f"#issue-{coordinator.pk}").click()
        link = page.locator("#setup-link").input_value()
        assert link.startswith(f"{base}/invitation/")
        assert_accessible(page, "setup links")
        screenshot(page, "setup-links-admin")

        # 3. The coordinator opens it on a phone: new password, the app, recovery codes.
        phone = phone_page
        phone.goto(link)
        phone.get_by_role("heading", name="Sæt dit login op igen").wait_for()
        assert_accessible(phone, "setup link: password")
        phone.get_by_label("Vælg en adgangskode").fill(NEW_PASSWORD)
        phone.get_by_label("Skriv adgangskoden igen").fill(NEW_PASSWORD)
        phone.get_by_role("button", name="Fortsæt").click()
        phone.get_by_role("heading", name="Slå to-faktor-godkendelse til").wait_for()
        pending = TOTPDevice.objects.get(user=coordinator, confirmed=False)
        phone.get_by_label("Kode fra din godkendelsesapp").fill(code_for(pending))
        phone.get_by_role("button", name="Slå til og log ind").click()
        phone.get_by_role("heading", name="Gendannelseskoder").wait_for()
        codes = phone.locator("#recovery-codes code").all_inner_texts()
        assert len(codes) == 10
        assert_accessible(phone, "recovery codes")
        screenshot(phone, "recovery-codes-phone")
        phone.get_by_role("link", name="Jeg har gemt koderne").click()
        phone.get_by_role("heading", name="Programmet i dag").wait_for()
        device = TOTPDevice.objects.get(user=coordinator, confirmed=True)

        # 4. The attack: the password is stolen, the phone is not.
        _password_login(thief, base, NEW_PASSWORD)
        thief.get_by_role("heading", name="Skriv din kode").wait_for()
        assert thief.get_by_role("navigation", name="Hovedmenu").count() == 0
        assert_accessible(thief, "code page")
        screenshot(thief, "code-page")
        for path in ("/konto/to-faktor/", "/hjem/", "/personer/", "/administration/to-faktor/"):
            thief.goto(f"{base}{path}")
            thief.get_by_role("heading", name="Skriv din kode").wait_for()
            assert "data:image/svg+xml" not in thief.content(), path
        thief.get_by_label("Kode fra din godkendelsesapp").fill("000000")
        thief.get_by_role("button", name="Fortsæt").click()
        thief.locator(".error-summary").wait_for()
        assert list(TOTPDevice.objects.filter(user=coordinator)) == [device]
        thief.get_by_role("button", name="Log ud").click()
        thief.goto(f"{base}/hjem/")
        thief.get_by_role("heading", name="Log ind").wait_for()

        # 5. The phone is lost: a recovery code signs in once, then a new app.
        _password_login(owner, base, NEW_PASSWORD)
        owner.get_by_role("heading", name="Skriv din kode").wait_for()
        owner.get_by_text("Ingen telefon? Brug en gendannelseskode").click()
        owner.get_by_label("Gendannelseskode").fill(codes[0])
        owner.get_by_role("button", name="Log ind med gendannelseskoden").click()
        owner.get_by_role("heading", name="To-faktor-login", exact=True).wait_for()
        assert owner.locator("#codes-left").inner_text() == "9"
        assert "gendannelseskode" in owner.locator(".messages").inner_text()
        assert_accessible(owner, "two-factor page")
        screenshot(owner, "two-factor-page")
        # The page that shows the new key writes no device: the phone has only the key.
        assert not TOTPDevice.objects.filter(user=coordinator, confirmed=False).exists()
        shown_key = owner.locator("code.secret").inner_text().replace(" ", "")
        phone_app = TOTPDevice(user=coordinator, key=base64.b32decode(shown_key).hex())
        owner.get_by_label("Din adgangskode").fill(NEW_PASSWORD)
        owner.get_by_label("Kode fra den nye app").fill(code_for(phone_app))
        owner.get_by_role("button", name="Brug den nye app").click()
        owner.get_by_text("Din nye godkendelsesapp er sat op").wait_for()
        [new] = TOTPDevice.objects.filter(user=coordinator, confirmed=True)
        assert new.key == phone_app.key
        verbs = set(AuditEvent.objects.values_list("verb", flat=True))
        assert {
            "onboarding.setup_link_issued",
            "onboarding.invitation_used",
            "user.recovery_code_used",
            "user.authenticator_replaced",
        } <= verbs
        notices = [m for m in mail.outbox if m.to == ["koordinator@example.org"]]
        assert any("ny godkendelsesapp" in m.body for m in notices)

        # The used recovery code does not work again.
        owner.get_by_role("button", name="Log ud").click()
        _password_login(owner, base, NEW_PASSWORD)
        owner.get_by_text("Ingen telefon? Brug en gendannelseskode").click()
        owner.get_by_label("Gendannelseskode").fill(codes[0])
        owner.get_by_role("button", name="Log ind med gendannelseskoden").click()
        owner.get_by_text("Gendannelseskoden er forkert eller allerede brugt").first.wait_for()
    finally:
        thief_context.close()
        owner_context.close()
