"""A peer books a conversation from the free times on a phone; the coordinator sees it in
planning; the peer's calendar feed has it, without the person's name."""

from __future__ import annotations

import datetime
import urllib.request

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from icalendar import Calendar

from brobygger.accounts.models import Role
from brobygger.scheduling import services as scheduling
from brobygger.testing import make_course, make_peer, make_person, make_unit, make_user

from .conftest import assert_accessible, screenshot
from .test_foundation_journey import sign_in


def test_peer_books_from_free_times_and_the_feed_has_it(browser, live_server, transactional_db):
    unit = make_unit("Psykiatrisk afsnit R1, Roskilde")
    coordinator = make_user("koordinator", Role.COORDINATOR, units=(unit,))
    device = TOTPDevice.objects.create(user=coordinator, name="app", confirmed=True)
    peer = make_peer("sanne", units=(unit,))
    course = make_course(make_person("Vera", unit=unit), peer)
    scheduling.set_windows(
        actor=peer.user,
        peer=peer,
        windows=[(d, datetime.time(9), datetime.time(12)) for d in range(5)],
    )
    base = live_server.url

    phone = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="da-DK", is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    sign_in(page, base, "sanne")
    page.get_by_role("link", name="Vera Andersen").click()
    page.get_by_role("link", name="Book en samtale").click()
    page.get_by_role("heading", name="Ledige tider").wait_for()
    assert_accessible(page, "booking page")
    page.locator(".slot-list a").first.click()
    page.get_by_label("Telefon").check()
    screenshot(page, "booking-phone")
    page.get_by_role("button", name="Book", exact=True).click()
    page.get_by_text("Samtalen er booket.").wait_for()
    appointment = course.appointments.get()
    when = timezone.localtime(appointment.starts_at)
    assert when.hour in (9, 10, 11)

    page.goto(f"{base}/kalender/mit/")
    page.locator("button[name=action][value=create]").click()
    page.locator("#feed-url").wait_for()
    url = page.locator("#feed-url").input_value()
    phone.close()

    assert url.startswith(base)
    with urllib.request.urlopen(url, timeout=10) as response:
        raw = response.read()
    events = [c for c in Calendar.from_ical(raw).walk("VEVENT")]
    assert len(events) == 1
    assert str(events[0]["SUMMARY"]) == "Samtale"
    assert b"Vera" not in raw and b"Andersen" not in raw

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    page = desk.new_page()
    sign_in(page, base, "koordinator", device)
    page.goto(f"{base}/planlaegning/?uge={when.date().isoformat()}")
    page.get_by_role("img", name="Planlagte timer pr. peer i forhold til kontrakten").wait_for()
    assert_accessible(page, "planning")
    screenshot(page, "planning")
    row = page.locator("tr", has_text="Sanne Peer").last
    assert "1" in row.inner_text()
    desk.close()
