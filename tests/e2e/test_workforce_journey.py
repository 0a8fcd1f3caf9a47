"""The coordinator's workforce overview: counts and flags, filtering, a course of peer
education added, a supervision session whose themes name a patient (confirmation
asked), attendance; a peer on a phone reads their own supervision.

Selectors use ids, data attributes and data-testid; the checks read the database.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.accounts.models import Role
from brobygger.people import services as people_services
from brobygger.people.models import PeerKind
from brobygger.testing import make_course, make_peer, make_person, make_unit, make_user
from brobygger.workforce import services
from brobygger.workforce.models import EducationRecord, SupervisionSession

from .conftest import assert_accessible, screenshot
from .test_foundation_journey import sign_in


def test_coordinator_reads_the_workforce_and_a_peer_their_supervision(
    browser, live_server, transactional_db
):
    unit = make_unit("Psykiatrisk afsnit R1, Roskilde")
    coordinator = make_user("koordinator", Role.COORDINATOR, units=(unit,))
    device = TOTPDevice.objects.create(user=coordinator, name="app", confirmed=True)
    peer = make_peer("peer", units=(unit,))
    late = make_peer("sofie", units=(unit,))
    new = make_peer("relpeer", kind=PeerKind.RELATIVE_PEER, units=(unit,))
    today = timezone.localdate()
    people_services.update_peer_worker(
        actor=None, peer=late, contract_end=today + datetime.timedelta(days=20)
    )
    alma = make_person("Alma", unit=unit)
    make_course(alma, late)
    services.create_education_record(
        actor=None,
        peer=peer,
        provider="Peer-uddannelsen, Psykiatrien Region Sjælland",
        title="Peer-uddannelse, modul 1-3",
        starts_on=datetime.date(2026, 2, 2),
        ends_on=datetime.date(2026, 5, 29),
        status="completed",
        hours=Decimal(96),
        cost=Decimal(28000),
        paid_by_employer=True,
        note="",
    )
    group = services.create_group(
        actor=None,
        members=[peer, late],
        name="Supervision med Foreningen Sindsro",
        provider_kind="user_org",
        provider_name="Foreningen Sindsro",
        supervisor_name="Birgitte Holm",
        unit=None,
        target_days=28,
    )
    earlier = services.add_session(
        actor=None,
        group=group,
        starts_at=timezone.now() - datetime.timedelta(days=20),
        minutes=120,
        place="Foreningen Sindsro, Roskilde",
        themes="Tavshedspligt, og hvad vi må dele med hvem",
    )
    services.record_attendance(
        actor=None, session=earlier, statuses={peer.pk: "present", late.pk: "absent"}
    )
    held = services.add_session(
        actor=None,
        group=group,
        starts_at=timezone.now() - datetime.timedelta(days=6),
        minutes=120,
        place="Foreningen Sindsro, Roskilde",
        themes="Grænser i samtalerne\nAt bruge egne erfaringer med omtanke",
    )
    base = live_server.url

    # 1. At the desk: the overview from the menu, with its counts and flags.
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    page = desk.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base, "koordinator", device)
    page.locator("nav.main-nav a[href='/medarbejdere/']").click()
    page.locator("[data-testid=workforce-table]").wait_for()
    assert page.locator("[data-testid=workforce-table] tbody tr").count() == 3
    assert page.locator("[data-count=contract] .stat").inner_text() == "1"
    assert page.locator("[data-count=education] .stat").inner_text() == "2"
    assert page.locator("[data-count=no_group] .stat").inner_text() == "1"
    assert page.locator("[data-count=overdue] .stat").inner_text() == "1"
    assert "Peer" not in page.title() and "Sofie" not in page.title()
    assert_accessible(page, "workforce overview")
    screenshot(page, "workforce-overview")

    # 2. Only the flagged peers; the filter lives in the URL, with codes and no names.
    page.locator("#id_flags").check()
    page.locator("[data-testid=filter]").click()
    page.locator("[data-testid=workforce-table]").wait_for()
    assert "flags=on" in page.url and "sofie" not in page.url.lower()
    assert page.locator(f"tr[data-peer='{peer.pk}']").count() == 0
    assert page.locator(f"tr[data-peer='{late.pk}']").count() == 1

    # 3. The relative peer lacks education: a planned course is added.
    page.locator(f"tr[data-peer='{new.pk}'] [data-testid=education] a").click()
    page.locator("[data-testid=add-course]").click()
    page.locator("[data-testid=save-course]").click()  # empty: errors, nothing stored
    page.locator(".error-summary").wait_for()
    assert_accessible(page, "course form with errors")
    starts = today + datetime.timedelta(days=30)
    page.locator("#id_title").fill("Uddannelse for pårørende-peers")
    page.locator("#id_provider").fill("Peer-uddannelsen, Psykiatrien Region Sjælland")
    page.locator("#id_starts_on").fill(starts.isoformat())
    page.locator("#id_ends_on").fill((starts + datetime.timedelta(days=109)).isoformat())
    page.locator("#id_status").select_option("planned")
    page.locator("#id_hours").fill("60")
    page.locator("#id_cost").fill("16000")
    page.locator("[data-testid=save-course]").click()
    page.locator("[data-testid=education-table]").wait_for()
    assert EducationRecord.objects.filter(peer=new, status="planned").count() == 1
    new.refresh_from_db()
    assert new.education_status == "planned"
    assert_accessible(page, "peer education page")
    page.goto(f"{base}/medarbejdere/uddannelse/")
    page.locator(f"[data-testid=lacking-table] tr[data-peer='{new.pk}']").wait_for()
    assert_accessible(page, "education overview")
    screenshot(page, "workforce-education")

    # 4. A session whose themes name a patient on a member's caseload: confirm first.
    page.goto(f"{base}/supervision/")
    page.locator(f"tr[data-group='{group.pk}'] a").click()
    page.locator("[data-testid=members]").wait_for()
    assert_accessible(page, "supervision group")
    screenshot(page, "supervision-group")
    page.locator("[data-testid=new-session]").click()
    day = today + datetime.timedelta(days=14)
    page.locator("#id_date").fill(day.isoformat())
    page.locator("#id_themes").fill("Hvordan Alma kan støttes efter udskrivelsen")
    page.locator("[data-testid=save-session]").click()
    page.locator("#id_confirm").wait_for()
    assert SupervisionSession.objects.count() == 2
    assert page.locator("#id_themes").input_value().startswith("Hvordan Alma")
    assert_accessible(page, "themes warning")
    screenshot(page, "supervision-themes-warning")
    page.locator("#id_themes").fill("Støtte i den første tid efter udskrivelsen")
    page.locator("[data-testid=save-session]").click()
    page.locator("[data-testid=themes]").wait_for()
    assert SupervisionSession.objects.count() == 3

    # 5. Attendance for the session held last week.
    page.goto(f"{base}/supervision/sessioner/{held.pk}/")
    page.locator(f"label[for='att-{late.pk}-excused']").click()
    with page.expect_navigation():
        page.locator("[data-testid=rest-present]").click()
    page.locator(f"#att-{peer.pk}-present:checked").wait_for()
    marks = dict(held.attendance.values_list("peer_id", "status"))
    assert marks == {peer.pk: "present", late.pk: "excused"}
    assert_accessible(page, "supervision session")
    page.goto(f"{base}/medarbejdere/")
    row = page.locator(f"tr[data-peer='{peer.pk}'] [data-testid=supervision]")
    assert "Forsinket" not in row.inner_text()
    screenshot(page, "workforce-overview-after")
    desk.close()

    # 6. The peer, on a phone: from home to their own supervision and education.
    phone = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="da-DK", is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base, "peer")
    page.locator("a[href='/min-supervision/']").first.click()
    page.locator("[data-testid=held-sessions]").wait_for()
    assert page.locator(f"[data-session='{held.pk}'] .badge-ok").count() == 1
    assert page.locator(f"[data-session='{earlier.pk}'] .badge-ok").count() == 1
    assert "Sofie" not in page.content()
    assert page.locator("[data-testid=education-list] li").count() == 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways on a phone ({width}px)"
    assert_accessible(page, "my supervision on a phone")
    screenshot(page, "my-supervision-phone")
    phone.close()
