"""A relative asks for a peer on the public page; the coordinator finds it in the queue,
triages it and assigns a relative peer; the relative peer sees the new course."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from brobygger.accounts.models import Role
from brobygger.people.models import PeerKind
from brobygger.referrals.models import Referral
from brobygger.testing import make_peer, make_unit, make_user

from .conftest import assert_accessible, screenshot
from .test_foundation_journey import sign_in


def test_relative_self_refers_and_gets_a_relative_peer(browser, live_server, transactional_db):
    unit = make_unit("Psykiatrisk afsnit R1, Roskilde")
    coordinator = make_user("koordinator", Role.COORDINATOR, units=(unit,))
    device = TOTPDevice.objects.create(user=coordinator, name="app", confirmed=True)
    make_peer("relpeer", kind=PeerKind.RELATIVE_PEER, units=(unit,))
    make_peer("peer", units=(unit,))
    base = live_server.url

    # 1. The relative, on a phone, asks for a peer.
    phone = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="da-DK", is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    page.goto(f"{base}/")
    page.get_by_role("link", name="Bed om en peer-medarbejder").click()
    page.get_by_role("heading", name="Bed om en peer").wait_for()
    assert_accessible(page, "self-referral form")
    page.get_by_role("button", name="Send").click()  # empty: errors, nothing stored
    page.locator(".error-summary").wait_for()
    assert Referral.objects.count() == 0
    screenshot(page, "self-referral-errors-phone")
    page.get_by_label("Til mig som pårørende").check()
    page.get_by_label("Fornavn").fill("Birthe")
    page.get_by_label("Efternavn").fill("Kjærgaard")
    page.get_by_label("Telefon").fill("22 33 44 55")
    page.get_by_label("Hvad vil du gerne tale om?").fill("Min datter er indlagt, og jeg er bange.")
    page.get_by_label("En peer-medarbejder eller koordinatoren må kontakte mig").check()
    page.get_by_label("I må gemme det, jeg skriver her").check()
    page.get_by_role("button", name="Send").click()
    page.get_by_role("heading", name="Tak").wait_for()
    assert "Kjærgaard" not in page.content()
    screenshot(page, "self-referral-receipt-phone")
    phone.close()

    # 2. The coordinator triages and assigns a relative peer.
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    page = desk.new_page()
    sign_in(page, base, "koordinator", device)
    page.get_by_role("navigation", name="Hovedmenu").get_by_role(
        "link", name="Henvisninger"
    ).click()
    row = page.locator("tr", has_text="Birthe Kjærgaard")
    row.wait_for()
    assert "Selvhenvisning" in row.inner_text()
    assert_accessible(page, "referral queue")
    counts = page.get_by_role("navigation", name="Henvisninger fordelt på status")
    triaged_badge = counts.get_by_role("link", name="Visiteret").locator(".badge")
    triaged_before = int(triaged_badge.inner_text())
    row.get_by_role("button", name="Visitér").click()
    row = page.locator("tr", has_text="Birthe Kjærgaard")
    row.get_by_text("Visiteret").wait_for()
    # The counts above the queue follow the inline triage without a reload.
    expect(triaged_badge).to_have_text(str(triaged_before + 1))
    screenshot(page, "referral-queue")
    row.get_by_role("link", name="Vælg en peer").click()
    page.get_by_role("combobox", name="Peer").select_option(
        label="Relpeer Peer (Pårørende-peer, 0)"
    )
    page.get_by_role("button", name="Tildel og start forløbet").click()
    page.get_by_text("Relpeer Peer har nu forløbet.").wait_for()
    assert_accessible(page, "referral detail")
    desk.close()

    # 3. The relative peer sees the new course.
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="da-DK")
    page = context.new_page()
    sign_in(page, base, "relpeer")
    page.get_by_role("link", name="Birthe Kjærgaard").click()
    page.get_by_role("heading", name="Birthe Kjærgaard").wait_for()
    assert_accessible(page, "course page")
    screenshot(page, "course-page-phone")
    context.close()
