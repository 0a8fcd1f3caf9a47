"""A peer on a phone is worried about a person: the crisis numbers show at once, above the
fold, then the short form; the coordinator gets the notification, acknowledges, closes it
with an outcome, and the course's flag is gone."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.accounts.models import Role
from brobygger.concerns.models import Concern, CrisisContact
from brobygger.testing import make_course, make_peer, make_person, make_unit, make_user

from .conftest import assert_accessible, screenshot
from .test_foundation_journey import sign_in

PHONE = {"width": 390, "height": 844}


def test_peer_raises_a_concern_and_the_coordinator_closes_it(
    browser, live_server, transactional_db
):
    unit = make_unit("Psykiatrisk afsnit R1, Roskilde")
    CrisisContact.objects.create(
        unit=unit, name="Vagttelefon, afsnit R1", phone="47 32 00 00", on_duty=True, order=1
    )
    CrisisContact.objects.create(
        unit=None, name="Psykiatrisk Akutmodtagelse", phone="70 00 00 00", order=20
    )
    # The national numbers come with a migration; a flushed test database may lack them.
    for name, phone, order in [("Alarmcentralen 112", "112", 10), ("Livslinien", "70 201 201", 30)]:
        CrisisContact.objects.get_or_create(
            unit=None, phone=phone, defaults={"name": name, "order": order}
        )
    peer = make_peer("sanne", units=(unit,))
    coordinator = make_user("mette", Role.COORDINATOR, units=(unit,))
    device = TOTPDevice.objects.create(user=coordinator, name="app", confirmed=True)
    person = make_person("Lars", unit=unit)
    course = make_course(person, peer)
    base = live_server.url

    context = browser.new_context(viewport=PHONE, locale="da-DK", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base, "sanne")
    page.goto(f"{base}/forloeb/{course.pk}/")
    page.get_by_role("link", name="Jeg er bekymret").click()
    page.get_by_role("heading", name="Jeg er bekymret").wait_for()
    page.wait_for_load_state("load")  # the stylesheet too: the boxes are measured below

    # Call first: every number is on the first screen, with no scrolling.
    calls = page.locator(".crisis-call")
    assert calls.count() == 4  # the ward's on-duty phone, the emergency room, 112, Livslinien
    assert calls.first.get_attribute("href") == "tel:47320000"
    for i in range(calls.count()):
        box = calls.nth(i).bounding_box()
        assert box is not None
        assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], (i, box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (i, box)
        assert box["height"] >= 44  # a large tap target
    assert page.evaluate("window.scrollY") == 0
    assert_accessible(page, "crisis numbers on phone")
    screenshot(page, "concern-crisis-numbers-phone")

    page.get_by_label("Haster: inden for en time").check()
    page.get_by_label("Hvad skete der? Med få ord").fill("Siger at intet giver mening længere")
    page.get_by_role("button", name="Send bekymringen").click()
    page.get_by_role("heading", name="Bekymring nr.").wait_for()
    concern = Concern.objects.get()
    assert (concern.status, concern.urgency) == ("open", "high")
    context.close()

    context = browser.new_context(viewport=PHONE, locale="da-DK", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base, "mette", device)
    page.goto(f"{base}/beskeder/")
    page.get_by_text(f"bekymring nr. {concern.pk}").wait_for()
    assert "Lars" not in page.locator(".notification-list").inner_text()
    page.get_by_role("button", name="Åbn").first.click()
    page.get_by_role("heading", name=f"Bekymring nr. {concern.pk}").wait_for()
    page.goto(f"{base}/forloeb/{course.pk}/")
    assert page.locator(".concern-flag").count() == 1
    page.locator(".concern-flag a").click()

    page.get_by_role("button", name="Kvittér: jeg tager den").click()
    page.locator(".message").first.wait_for()
    concern.refresh_from_db()
    assert concern.status == "acknowledged"
    page.get_by_label("Hvad kom der ud af det").select_option("treatment")
    page.get_by_label("Hvad blev der gjort? Med få ord").fill("Afsnittet ringede ham op")
    page.get_by_role("button", name="Luk bekymringen").click()
    page.locator(".message").first.wait_for()
    concern.refresh_from_db()
    assert (concern.status, concern.outcome) == ("closed", "treatment")
    screenshot(page, "concern-closed-phone")

    page.goto(f"{base}/forloeb/{course.pk}/")
    page.get_by_role("heading", name="Lars Andersen").wait_for()
    assert page.locator(".concern-flag").count() == 0
    context.close()
