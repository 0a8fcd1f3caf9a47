"""A day on a 390 px phone (issue 19). The coordinator goes from home to the referral queue,
opens a referral, the person list, a person and the inbox; the peer goes from home to the
week, a course and the note of a conversation. On every page nothing sticks out sideways,
the menu folds behind its button (and opens with it), the lists are cards whose cells say
which column they are, and axe finds no violation."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.accounts.models import Role
from brobygger.conversations.models import ConversationRecord
from brobygger.people.services import record_consent
from brobygger.referrals import services as referral_services
from brobygger.referrals.models import ReferralSource
from brobygger.scheduling import services as scheduling
from brobygger.testing import make_course, make_peer, make_person, make_unit, make_user

from .conftest import assert_accessible, go_by_menu, screenshot
from .test_foundation_journey import sign_in

PHONE = {"width": 390, "height": 844}


def phone(browser, *, javascript: bool = True):
    return browser.new_context(
        viewport=PHONE,
        locale="da-DK",
        is_mobile=True,
        has_touch=True,
        java_script_enabled=javascript,
    )


def assert_fits(page, name: str) -> None:
    """Nothing is wider than the phone: the page never scrolls sideways."""
    page.wait_for_load_state()  # the stylesheet too
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{name}: {widths[0]} px wide on a {widths[1]} px screen"


def assert_menu_folds(page, name: str) -> None:
    """The menu is folded behind its button, which opens it and shuts it again."""
    button = page.locator(".menu-button")
    nav = page.get_by_role("navigation", name="Hovedmenu")
    button.wait_for()  # shown by app.js, which runs when the page has loaded
    assert button.get_attribute("aria-expanded") == "false"
    assert button.get_attribute("aria-controls") == "site-menu"
    assert not nav.is_visible(), f"{name}: the menu is open before the button is pressed"
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    assert nav.is_visible()
    assert_fits(page, f"{name}, menu open")
    button.click()
    assert button.get_attribute("aria-expanded") == "false"
    assert not nav.is_visible()


def card_labels(page, table: str) -> list[str]:
    """What a reader of the first card sees before each value: the column's name."""
    page.wait_for_load_state()
    return page.evaluate(
        """(selector) => {
            const row = document.querySelector(selector + " tbody tr");
            return Array.from(row.children).map((cell) => {
                const style = getComputedStyle(cell);
                const label = getComputedStyle(cell, "::before").content;
                return style.display === "block" ? label : "not a card: " + style.display;
            });
        }""",
        table,
    )


def card_order(page, table: str) -> list[str]:
    """The first card's labels in the order the reader sees them, top to bottom (the key
    cell is moved first by the stylesheet, whatever its column)."""
    page.wait_for_load_state()
    return page.evaluate(
        """(selector) => {
            const row = document.querySelector(selector + " tbody tr");
            return Array.from(row.children)
                .map((cell) => [cell.getBoundingClientRect(), cell])
                .sort((a, b) => a[0].top - b[0].top || a[0].left - b[0].left)
                .map(([, cell]) => getComputedStyle(cell, "::before").content);
        }""",
        table,
    )


def test_coordinator_day_on_a_phone(browser, live_server, transactional_db):
    unit = make_unit("Psykiatrisk afsnit R1, Roskilde")
    coordinator = make_user("koordinator", Role.COORDINATOR, units=(unit,))
    device = TOTPDevice.objects.create(user=coordinator, name="app", confirmed=True)
    peer = make_peer("sanne", units=(unit,))
    make_course(make_person("Lars", unit=unit), peer)
    # A self-referral: the coordinator gets a notification, and the header its count.
    referral = referral_services.create_referral(
        actor=None,
        source=ReferralSource.SELF,
        unit=unit,
        consent_source="verbal",
        person_fields={
            "kind": "patient",
            "given_name": "Karoline",
            "family_name": "Vestergaard-Christiansen",
            "phone": "30405060",
        },
    )
    base = live_server.url
    context = phone(browser)
    page = context.new_page()
    page.set_default_timeout(10_000)

    sign_in(page, base, "koordinator", device)
    page.get_by_role("heading", name="Programmet i dag").wait_for()
    assert_fits(page, "home")
    assert_menu_folds(page, "home")
    assert page.locator(".inbox-link").is_visible(), "the inbox link stays out of the menu"
    assert_accessible(page, "coordinator home on a phone")
    screenshot(page, "phone-coordinator-home")
    page.locator(".menu-button").click()
    screenshot(page, "phone-coordinator-menu-open")
    assert_accessible(page, "coordinator menu open on a phone")
    page.keyboard.press("Escape")
    assert page.locator(".menu-button").get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.className") == "menu-button"
    # The keyboard opens it too: the button is a real button.
    page.keyboard.press("Enter")
    assert page.locator(".menu-button").get_attribute("aria-expanded") == "true"
    page.keyboard.press("Escape")

    go_by_menu(page, "Henvisninger")
    page.get_by_role("heading", name="Henvisninger").wait_for()
    assert_fits(page, "referral queue")
    labels = card_labels(page, "table.queue")
    # The person is the card's heading; each other cell says which column it is.
    assert labels[:3] == ['"Ventetid: "', '"Person"', '"Type: "'], labels
    assert labels[-1] == '"Næste skridt: "', labels
    # On screen the person comes first, above the waiting time it follows in the table.
    assert card_order(page, "table.queue")[:2] == ['"Person"', '"Ventetid: "']
    status_cell = page.locator("table.queue tbody tr").first.locator("td[data-label=Status]")
    assert status_cell.is_visible(), "the referral's status is on screen"
    assert_accessible(page, "referral queue on a phone")
    screenshot(page, "phone-referral-queue")
    # A screen reader reads each card's labels with the values on the phone, and on a
    # desktop gets the plain table: column headers, cells without the labels.
    card = page.locator("table.queue tbody tr").first.aria_snapshot()
    assert 'cell "Status: Ny"' in card and 'cell "Kilde: Selvhenvisning"' in card, card
    page.set_viewport_size({"width": 1280, "height": 900})
    table = page.locator("table.queue").aria_snapshot()
    assert 'columnheader "Status"' in table and 'cell "Ny"' in table, table
    assert "Status: Ny" not in table, table
    page.set_viewport_size(PHONE)

    page.get_by_role("link", name="Karoline Vestergaard-Christiansen").click()
    page.wait_for_url(f"**/henvisninger/{referral.pk}/")
    assert_fits(page, "referral")
    assert_accessible(page, "referral on a phone")
    screenshot(page, "phone-referral")

    go_by_menu(page, "Personer")
    page.get_by_role("heading", name="Personer").wait_for()
    assert_fits(page, "person list")
    assert card_labels(page, "#results table") == [
        '"Navn: "',
        '"Type: "',
        '"Enhed: "',
        '"Aktive forløb: "',
    ]
    assert_accessible(page, "person list on a phone")
    screenshot(page, "phone-person-list")

    page.get_by_role("link", name="Lars Andersen").click()
    page.get_by_role("heading", name="Lars Andersen").wait_for()
    assert_fits(page, "person")
    assert card_labels(page, "main table.stack")[0] == '"Peer-medarbejder: "'
    assert_accessible(page, "person on a phone")
    screenshot(page, "phone-person")

    badge = page.locator(".inbox-link .count-badge")
    assert badge.is_visible(), "the unread count shows while the menu is shut"
    page.locator(".inbox-link").click()
    page.get_by_role("heading", name="Beskeder").wait_for()
    assert_fits(page, "inbox")
    assert_accessible(page, "inbox on a phone")
    screenshot(page, "phone-inbox")
    context.close()


def test_without_javascript_the_phone_menu_stays_open(browser, live_server, transactional_db):
    unit = make_unit("Psykiatrisk afsnit R1, Roskilde")
    make_peer("sanne", units=(unit,))
    context = phone(browser, javascript=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, live_server.url, "sanne")
    page.get_by_role("heading", name="Min dag").wait_for()
    assert not page.locator(".menu-button").is_visible()
    nav = page.get_by_role("navigation", name="Hovedmenu")
    assert nav.get_by_role("link", name="Min uge").is_visible()
    assert_fits(page, "peer home without JavaScript")
    screenshot(page, "phone-menu-without-javascript")
    context.close()


def test_peer_day_on_a_phone(browser, live_server, transactional_db):
    unit = make_unit("Psykiatrisk afsnit R1, Roskilde")
    peer = make_peer("sanne", units=(unit,))
    person = make_person("Lars", unit=unit)
    record_consent(actor=None, person=person, kind="store_notes", source="verbal")
    course = make_course(person, peer)
    scheduling.set_windows(
        actor=peer.user,
        peer=peer,
        windows=[(d, datetime.time(9), datetime.time(15)) for d in range(7)],
    )
    held = scheduling.record_past(
        actor=peer.user,
        course=course,
        starts_at=timezone.now() - datetime.timedelta(hours=1),
        minutes=45,
        mode="in_person",
        status="held",
        place_kind="ward",
    )
    base = live_server.url
    context = phone(browser)
    page = context.new_page()
    page.set_default_timeout(10_000)

    sign_in(page, base, "sanne")
    page.get_by_role("heading", name="Min dag").wait_for()
    assert_fits(page, "peer home")
    assert_menu_folds(page, "peer home")
    assert_accessible(page, "peer home on a phone")
    screenshot(page, "phone-peer-home")

    go_by_menu(page, "Min uge")
    page.get_by_role("heading", name="Min uge").wait_for()
    assert_fits(page, "week")
    assert_accessible(page, "week on a phone")
    screenshot(page, "phone-peer-week")

    # The weekly times are a form laid out as a table: it scrolls inside its box, and its
    # hidden labels no longer widen the page.
    go_by_menu(page, "Mine tider")
    page.locator("table.windows").wait_for()
    assert_fits(page, "my times")
    assert_accessible(page, "my times on a phone")

    go_by_menu(page, "Forside")
    page.get_by_role("heading", name="Min dag").wait_for()
    page.get_by_role("link", name="Lars Andersen").first.click()
    page.get_by_role("heading", name="Lars Andersen").wait_for()
    assert_fits(page, "course")
    assert_accessible(page, "course on a phone")
    screenshot(page, "phone-peer-course")

    page.locator(f"a[href='/kalender/samtale/{held.pk}/notat/']").click()
    page.locator("#id_how_doing").fill("Mere ro end sidst")
    page.locator("#id_next_steps").fill("Ringe til sagsbehandleren inden fredag")
    assert_fits(page, "note")
    assert_accessible(page, "note on a phone")
    screenshot(page, "phone-peer-note")
    page.locator("form[data-draft] button[type=submit]").click()
    page.get_by_role("heading", name="Lars Andersen").wait_for()
    assert ConversationRecord.objects.get(appointment=held).how_doing == "Mere ro end sidst"
    assert_fits(page, "course after the note")

    # The month so far: the 45 minutes just held, against the band of the days so far.
    go_by_menu(page, "Mine timer")
    page.get_by_test_id("contract").wait_for()
    assert page.get_by_test_id("total").inner_text() == "0,75"
    today = timezone.localdate()
    if (today + datetime.timedelta(days=1)).month == today.month:  # not the month's last day
        assert "Hidtil, til og med" in page.get_by_test_id("so-far").inner_text()
        assert "hidtil" in page.get_by_test_id("flag").inner_text()
    assert_fits(page, "my hours")
    assert_accessible(page, "my hours on a phone")
    screenshot(page, "phone-peer-hours")

    go_by_menu(page, "Spørgeskemaer")
    page.get_by_role("heading", name="Spørgeskemaer, der skal besvares").wait_for()
    assert_fits(page, "questionnaires")
    labels = card_labels(page, "main table.stack")
    assert labels[0] == '"Person"' and labels[1] == '"Peer-medarbejder: "', labels
    assert_accessible(page, "questionnaires on a phone")
    screenshot(page, "phone-peer-questionnaires")
    context.close()
