"""The coordinator creates a recovery group, plans ten weekly sessions and enrols three
patients (one lands on the waiting list); the printable plan names nobody; a peer on a
phone records attendance and writes the group note.

Selectors use ids, names and data-testid, and the checks read the database: the
visible words change when the Danish translations land.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.accounts.models import Role
from brobygger.groups import services
from brobygger.groups.models import Attendance, Enrolment, RecoveryGroup
from brobygger.testing import make_peer, make_person, make_unit, make_user

from .conftest import assert_accessible, screenshot
from .test_foundation_journey import sign_in


def test_coordinator_builds_a_group_and_a_peer_records_attendance(
    browser, live_server, transactional_db
):
    unit = make_unit("Psykiatrisk afsnit R1, Roskilde")
    coordinator = make_user("koordinator", Role.COORDINATOR, units=(unit,))
    device = TOTPDevice.objects.create(user=coordinator, name="app", confirmed=True)
    peer = make_peer("peer", units=(unit,))
    make_peer("anden", units=(unit,))
    alma, bent, cecilie = (make_person(n, unit=unit) for n in ("Alma", "Bent", "Cecilie"))
    base = live_server.url

    # 1. The coordinator, at a desk, creates the group.
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    page = desk.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base, "koordinator", device)
    page.goto(f"{base}/grupper/")
    page.locator("[data-testid=new-group]").click()
    page.locator("#id_title").wait_for()
    assert_accessible(page, "new group form")
    page.locator("[data-testid=save-group]").click()  # empty: errors, nothing stored
    page.locator(".error-summary").wait_for()
    assert RecoveryGroup.objects.count() == 0
    page.locator("#id_title").fill("Hverdagsliv og håb")
    page.locator("#id_theme").fill("Rutiner, ensomhed og fællesskab efter indlæggelse.")
    page.locator("#id_unit").select_option(str(unit.pk))
    page.locator("#id_place").fill("Grupperummet, stueetagen")
    page.locator("#id_capacity").fill("2")
    page.locator(f"input[name=facilitators][value='{peer.pk}']").check()
    page.locator("[data-testid=save-group]").click()

    # 2. Ten weekly sessions, starting next week.
    page.locator("[data-testid=session-form]").wait_for()
    group = RecoveryGroup.objects.get()
    assert list(group.facilitators.all()) == [peer]
    assert_accessible(page, "plan sessions")
    first = timezone.localdate() + datetime.timedelta(days=7)
    page.locator("#id_date").fill(first.isoformat())
    page.locator("#id_time").fill("13:00")
    page.locator("#id_minutes").select_option("120")
    page.locator("#id_weeks").fill("10")
    page.locator("#id_topic").fill("Velkommen og forventninger")
    page.locator("[data-testid=save-sessions]").click()
    page.locator("[data-testid=sessions]").wait_for()
    assert group.sessions.count() == 10

    # 3. Three patients for two places: the third waits.
    page.locator("[data-testid=enrol-link]").click()
    for person in (alma, bent, cecilie):
        page.locator("#id_q").fill(person.given_name)
        page.locator("[data-testid=search]").click()
        button = page.locator(f"[data-testid=enrol-{person.pk}]")
        button.click()
        button.wait_for(state="detached")
    assert "Alma" not in page.url and "q=" not in page.url
    assert_accessible(page, "enrol page")
    statuses = dict(Enrolment.objects.values_list("person_id", "status"))
    assert statuses == {alma.pk: "enrolled", bent.pk: "enrolled", cecilie.pk: "waiting"}
    page.goto(f"{base}/grupper/{group.pk}/")
    page.locator(f"[data-testid=waiting-list] tr[data-person='{cecilie.pk}']").wait_for()
    assert "Alma" not in page.title()
    assert_accessible(page, "group page")
    screenshot(page, "group-page")
    page.goto(f"{base}/grupper/")
    row = page.locator(f"tr[data-group='{group.pk}']")
    assert row.locator("[data-testid=enrolled]").inner_text().replace(" ", "") == "2/2"
    assert row.locator("[data-testid=waiting]").inner_text().strip() == "1"
    assert_accessible(page, "group list")

    # 4. The printable plan: dates, times, topics; no participants.
    page.goto(f"{base}/grupper/{group.pk}/plan/")
    page.locator("[data-testid=plan]").wait_for()
    assert page.locator("[data-testid=plan] tbody tr").count() == 10
    assert page.locator("[data-print]").count() == 1
    content = page.content()
    for name in ("Alma", "Bent", "Cecilie", "Andersen"):
        assert name not in content
    assert_accessible(page, "session plan")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator("[data-print]").is_visible()
    screenshot(page, "session-plan-print")
    desk.close()

    # 5. Today's session has begun; the peer records attendance on a phone.
    now = timezone.now().replace(second=0, microsecond=0)
    session = services.add_session(
        actor=coordinator,
        group=group,
        starts_at=now - datetime.timedelta(minutes=30),
        ends_at=now + datetime.timedelta(minutes=60),
        topic="Gode og svære dage",
        allow_past=True,
    )
    phone = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="da-DK", is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base, "peer")
    page.goto(f"{base}/grupper/")
    assert_accessible(page, "peer's groups on a phone")
    page.locator(f"[data-group='{group.pk}'] a").click()
    page.locator(f"tr[data-session='{session.pk}'] a").click()
    page.locator("[data-testid=attendance-form]").wait_for()
    assert page.locator(f"#att-{cecilie.pk}-present").count() == 0  # waiting, not enrolled
    target = page.locator(f"label[for='att-{alma.pk}-present']").bounding_box()
    assert target is not None and target["height"] >= 44
    page.locator(f"label[for='att-{alma.pk}-present']").tap()
    page.locator(f"label[for='att-{bent.pk}-excused']").tap()
    with page.expect_navigation():
        page.locator("[data-testid=save-attendance]").click()
    page.locator(f"#att-{alma.pk}-present:checked").wait_for()
    marks = dict(Attendance.objects.values_list("person_id", "status"))
    assert marks == {alma.pk: "present", bent.pk: "excused"}

    # 6. A note naming a participant asks for confirmation; the peer rewrites it.
    page.locator("#id_note").fill("Alma fortalte om sin uge.")
    page.locator("[data-testid=save-note]").click()
    page.locator("#id_confirm").wait_for()
    session.refresh_from_db()
    assert session.note == ""
    assert page.locator("#id_note").input_value() == "Alma fortalte om sin uge."
    page.locator("#id_note").fill("God stemning. Gruppen talte om gode og svære dage.")
    page.locator("[data-testid=save-note]").click()
    page.locator("#id_confirm").wait_for(state="detached")
    session.refresh_from_db()
    assert session.note.startswith("God stemning")
    assert_accessible(page, "session page on a phone")
    screenshot(page, "group-session-phone")
    phone.close()
