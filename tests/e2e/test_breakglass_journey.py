"""A peer covering for a colleague breaks the glass on the phone: the page asks the reason
before anything is looked up, then opens the person read only; the administrator reviews
the access in the queue, where the person is a reference, not a name."""

from __future__ import annotations

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.accounts.models import Role
from brobygger.breakglass.models import GlassAccess
from brobygger.testing import make_course, make_peer, make_person, make_unit, make_user

from .conftest import assert_accessible, screenshot
from .test_foundation_journey import sign_in


def test_peer_breaks_the_glass_and_the_administrator_reviews_it(
    browser, live_server, transactional_db
):
    unit = make_unit("Psykiatrisk afsnit R1, Roskilde")
    admin = make_user("admin", Role.ADMINISTRATOR)
    device = TOTPDevice.objects.create(user=admin, name="app", confirmed=True)
    make_peer("mette", units=(unit,))
    kurt = make_peer("kurt", units=(unit,))
    jonas = make_person("Jonas", unit=unit)
    make_course(jonas, kurt)
    base = live_server.url

    phone = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="da-DK", is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base, "mette")
    page.get_by_role("link", name="Nødadgang: åbn en person uden for dine forløb").click()
    page.get_by_role("heading", name="Nødadgang").wait_for()
    page.get_by_label("CPR-nummer eller reference").fill(f"P-{jonas.pk}")
    # Without a reason nothing is looked up: the form asks for it.
    page.get_by_role("button", name="Åbn personen").click()
    page.locator(".error-summary").wait_for()
    assert GlassAccess.objects.count() == 0
    assert page.get_by_label("CPR-nummer eller reference").input_value() == f"P-{jonas.pk}"
    assert_accessible(page, "break the glass form with errors")
    page.get_by_label("Dækker for kollega").check()
    page.get_by_label("Begrundelse").fill("Kurt er syg; Jonas spurgte efter sin peer.")
    screenshot(page, "breakglass-phone")
    page.get_by_role("button", name="Åbn personen").click()
    page.locator("#glass-banner").wait_for()
    assert page.get_by_role("heading", name="Jonas Andersen").is_visible()
    assert "Du kan se personen indtil" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll
    assert_accessible(page, "person opened by breaking the glass")
    screenshot(page, "breakglass-person-phone")
    phone.close()

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    page = desk.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base, "admin", device)
    page.get_by_role("link", name="Gennemgang af nødadgang").first.click()
    page.get_by_role("heading", name="Gennemgang af nødadgang").wait_for()
    main = page.inner_text("main")
    assert f"P-{jonas.pk}" in main and "Kurt er syg" in main
    assert "Jonas Andersen" not in main  # administrators do not read persons
    assert_accessible(page, "break-the-glass review queue")
    screenshot(page, "breakglass-queue")
    page.get_by_role("link", name=f"Gennemgå P-{jonas.pk}").click()
    page.get_by_label("Kommentar til gennemgangen").fill("Aftalt med teamlederen.")
    page.get_by_role("button", name="Markér som gennemgået").click()
    page.get_by_text("Adgangen er markeret som gennemgået.").wait_for()
    assert "Intet venter på gennemgang." in page.inner_text("main")
    page.get_by_label("Vis").select_option("reviewed")
    page.get_by_role("button", name="Vis").click()
    page.get_by_text("Aftalt med teamlederen.").wait_for()
    # This week's unusual-access report counts Mette's person through the glass.
    page.get_by_role("link", name="Ugerapport om usædvanlig adgang").click()
    page.get_by_label("En dag i ugen").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Vis ugen").click()
    row = page.get_by_role("row").filter(has_text="Mette Peer")
    assert row.get_by_role("cell").nth(4).inner_text() == "1"  # persons through the glass
    assert_accessible(page, "unusual access report")
    screenshot(page, "breakglass-unusual")
    desk.close()
    assert GlassAccess.objects.get().review_comment == "Aftalt med teamlederen."
