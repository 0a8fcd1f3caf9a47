"""A peer pauses new matches from the phone; the coordinator sees a peer's contract end,
starts "the peer leaves", hands every course over with the matching engine's best plan,
and the new peer finds the course on the phone."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.accounts.models import Role
from brobygger.lib.dates import local_datetime
from brobygger.people import services as people_services
from brobygger.people.models import ExperienceTag
from brobygger.referrals.models import Course
from brobygger.scheduling import services as scheduling
from brobygger.testing import make_course, make_peer, make_person, make_unit, make_user

from .conftest import assert_accessible, screenshot
from .test_foundation_journey import sign_in


def test_pause_and_handover_when_a_peer_leaves(browser, live_server, transactional_db):
    today = timezone.localdate()
    unit = make_unit("Psykiatrisk afsnit R1, Roskilde")
    coordinator = make_user("koordinator", Role.COORDINATOR, units=(unit,))
    device = TOTPDevice.objects.create(user=coordinator, name="app", confirmed=True)
    psychosis = ExperienceTag.objects.create(slug="psykose", name_da="Psykose", name_en="Psychosis")
    sanne = make_peer("sanne", units=(unit,))
    kurt = make_peer("kurt", units=(unit,))
    kurt.experience_tags.add(psychosis)
    mette = make_peer("mette", units=(unit,))
    people_services.update_peer_worker(
        actor=coordinator, peer=sanne, contract_end=today + datetime.timedelta(days=40)
    )
    jonas = make_course(make_person("Jonas", unit=unit), sanne)
    make_course(make_person("Lea", unit=unit), sanne)
    scheduling.book(
        actor=sanne.user,
        course=jonas,
        starts_at=local_datetime(today + datetime.timedelta(days=2), datetime.time(10)),
        minutes=45,
        mode="in_person",
        place_kind="ward",
    )
    base = live_server.url

    # Mette takes a break from new courses, from the link on her home page.
    phone = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="da-DK", is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    sign_in(page, base, "mette")
    page.get_by_role("link", name="Pause fra nye forløb").click()
    page.get_by_label("Pause fra").fill(today.isoformat())
    page.get_by_label("Til og med").fill((today + datetime.timedelta(days=20)).isoformat())
    page.get_by_label("Årsag, i generelle vendinger").fill("Ferie")
    page.get_by_role("button", name="Gem pausen").click()
    page.get_by_text("Pausen blev gemt.").wait_for()
    assert "Holder pause nu" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll
    assert_accessible(page, "peer pause page")
    screenshot(page, "peer-pause-phone")
    phone.close()

    # The coordinator sees Sanne's contract ending with courses to hand over.
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    page = desk.new_page()
    sign_in(page, base, "koordinator", device)
    warnings = page.get_by_role(
        "region", name="Kontrakter, der slutter: forløb, der skal overdrages"
    )
    warnings.wait_for()
    assert "Sanne Peer" in warnings.inner_text()
    screenshot(page, "coordinator-home-contract-warning")
    warnings.get_by_role("link", name="Sanne Peer").click()
    page.get_by_text("2 aktive forløb skal overdrages").wait_for()
    page.get_by_role("link", name="Peer-medarbejderen stopper").click()
    last_day = today + datetime.timedelta(days=14)
    page.get_by_label("Sidste arbejdsdag").fill(last_day.isoformat())
    page.get_by_role("button", name="Videre til overdragelsen").click()

    page.get_by_role("heading", name="Overdragelse: Sanne Peer stopper").wait_for()
    main = page.inner_text("main")
    assert "Kurt Peer" in main and "Bedste plan" in main
    assert "Mette Peer: på pause til og med" in main
    assert "Bookede samtaler, der bliver aflyst" in main
    assert_accessible(page, "handover page")
    screenshot(page, "handover-page")

    # Leaving one course without a new peer is refused, and says who is left out.
    page.get_by_label("Ny peer til Lea Andersen").select_option("")
    page.get_by_role("button", name="Bekræft overdragelsen som valgt").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "Lea Andersen" in alert.inner_text()
    screenshot(page, "handover-refused")

    page.get_by_role("button", name="Overdrag alle efter den bedste plan").click()
    page.get_by_text("Overdragelsen er gennemført: 2 forløb blev overdraget.").wait_for()
    screenshot(page, "peer-after-handover")
    desk.close()
    assert not Course.objects.active().filter(peer=sanne).exists()
    assert not Course.objects.active().filter(peer=mette).exists()

    # Kurt (or the other peer who got a course) finds it on the phone.
    taker = Course.objects.active().get(person__given_name="Jonas").peer
    phone = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="da-DK", is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    sign_in(page, base, taker.user.username)
    page.get_by_role("link", name="Jonas Andersen").click()
    page.get_by_role("heading", name="Jonas Andersen").wait_for()
    screenshot(page, "new-peer-course-phone")
    phone.close()
    assert kurt.pk in set(Course.objects.active().values_list("peer_id", flat=True))
