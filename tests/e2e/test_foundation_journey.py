"""A coordinator signs in with two-factor, switches language, opens a person, and the
look is in the access log; the main pages pass axe-core on desktop and phone."""

from __future__ import annotations

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.accounts.models import Role
from brobygger.audit.models import AccessLogEntry
from brobygger.testing import make_course, make_peer, make_person, make_unit, make_user

from .conftest import assert_accessible, screenshot

PASSWORD = "test-password-123"


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def sign_in(page, base: str, username: str, device: TOTPDevice | None = None) -> None:
    page.goto(f"{base}/log-ind/")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    if device is not None:
        page.get_by_label("Kode fra din godkendelsesapp").fill(code_for(device))
        page.get_by_role("button", name="Fortsæt").click()


def test_coordinator_opens_a_person_and_the_look_is_logged(page, live_server, transactional_db):
    unit = make_unit("Psykiatrisk afsnit R1, Roskilde")
    coordinator = make_user("koordinator", Role.COORDINATOR, units=(unit,))
    device = TOTPDevice.objects.create(user=coordinator, name="app", confirmed=True)
    person = make_person("Søren", unit=unit, cpr="0101901235", phone="20304050")
    base = live_server.url

    page.goto(f"{base}/")
    assert_accessible(page, "public home")
    screenshot(page, "public-home")

    sign_in(page, base, "koordinator", device)
    page.get_by_role("heading", name="Programmet i dag").wait_for()
    assert_accessible(page, "coordinator home")
    screenshot(page, "coordinator-home")

    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="The programme today").wait_for()
    coordinator.refresh_from_db()
    assert coordinator.language == "en"
    page.get_by_role("button", name="Dansk").click()
    page.get_by_role("heading", name="Programmet i dag").wait_for()

    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Personer").click()
    page.get_by_role("link", name="Søren Andersen").click()
    page.get_by_role("heading", name="Søren Andersen").wait_for()
    assert "Søren" not in page.title()
    assert "010190-XXXX" in page.content()
    assert_accessible(page, "person page")
    screenshot(page, "person-page")

    entry = AccessLogEntry.objects.filter(
        person_id=person.pk, user=coordinator, action="view"
    ).first()
    assert entry is not None
    assert entry.purpose == "coordination"

    page.get_by_role("button", name="Vis hele nummeret (bliver logget)").click()
    page.get_by_text("010190-1235").wait_for()
    assert AccessLogEntry.objects.filter(person_id=person.pk, action="reveal").count() == 1


def test_peer_home_on_a_phone(phone_page, live_server, transactional_db):
    unit = make_unit("Psykiatrisk afsnit R1, Roskilde")
    peer = make_peer("peer", units=(unit,))
    make_course(make_person("Alma", unit=unit), peer)
    base = live_server.url
    sign_in(phone_page, base, "peer")
    phone_page.get_by_role("heading", name="Mine forløb").wait_for()
    assert phone_page.get_by_role("link", name="Alma Andersen").is_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page scrolls sideways on a phone: {width}px"
    assert_accessible(phone_page, "peer home on phone")
    screenshot(phone_page, "peer-home-phone")
